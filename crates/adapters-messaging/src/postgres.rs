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
    /// `try_recv`, not `recv`: `recv` reconnects silently, and what was sent meanwhile would be
    /// lost without anyone knowing. A lost connection is an error here, so that the listener
    /// wakes every stream once it listens again.
    async fn next(&mut self) -> Result<String, BroadcastError> {
        match self.0.try_recv().await? {
            Some(notification) => Ok(notification.payload().to_owned()),
            None => Err("the connection that listened was lost".into()),
        }
    }
}
