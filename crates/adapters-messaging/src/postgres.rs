//! [`Broadcast`] over PostgreSQL: `NOTIFY todo_signals` to send, `LISTEN` on a connection of
//! its own to receive. Every deployment on PostgreSQL has it, with nothing more to run.

use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::PgListener;

use crate::remote::{Broadcast, BroadcastError, Inbox};

/// The `LISTEN`/`NOTIFY` channel.
pub const SIGNALS_CHANNEL: &str = "todo_signals";

pub struct PgBroadcast {
    pool: PgPool,
}

impl PgBroadcast {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl Broadcast for PgBroadcast {
    async fn send(&self, payload: &str) -> Result<(), BroadcastError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(SIGNALS_CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn receive(&self) -> Result<Box<dyn Inbox>, BroadcastError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(SIGNALS_CHANNEL).await?;
        Ok(Box::new(PgInbox(listener)))
    }
}

struct PgInbox(PgListener);

#[async_trait]
impl Inbox for PgInbox {
    async fn next(&mut self) -> Result<String, BroadcastError> {
        Ok(self.0.recv().await?.payload().to_owned())
    }
}
