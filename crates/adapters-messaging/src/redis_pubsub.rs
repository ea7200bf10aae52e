//! [`Broadcast`] over Redis pub/sub: `PUBLISH todo_signals` to send, `SUBSCRIBE` on a
//! connection of its own to receive; for deployments that would rather keep this traffic off
//! the database.

use async_trait::async_trait;
use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

use crate::remote::{Broadcast, BroadcastError, Inbox};

/// The pub/sub channel.
pub const REDIS_CHANNEL: &str = "todo_signals";

pub struct RedisBroadcast {
    client: redis::Client,
    /// Opened on first use, and again after a failure.
    publisher: Mutex<Option<MultiplexedConnection>>,
}

impl RedisBroadcast {
    /// # Errors
    /// When `url` is not a Redis URL (`redis://host:port/db`).
    pub fn new(url: &str) -> Result<Self, BroadcastError> {
        Ok(Self { client: redis::Client::open(url)?, publisher: Mutex::new(None) })
    }
}

#[async_trait]
impl Broadcast for RedisBroadcast {
    async fn send(&self, payload: &str) -> Result<(), BroadcastError> {
        let mut publisher = self.publisher.lock().await;
        let connection = match publisher.as_mut() {
            Some(connection) => connection,
            None => publisher.insert(self.client.get_multiplexed_async_connection().await?),
        };
        let sent: Result<(), redis::RedisError> = connection.publish(REDIS_CHANNEL, payload).await;
        if sent.is_err() {
            *publisher = None;
        }
        Ok(sent?)
    }

    async fn receive(&self) -> Result<Box<dyn Inbox>, BroadcastError> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(REDIS_CHANNEL).await?;
        Ok(Box::new(RedisInbox(Box::pin(pubsub.into_on_message()))))
    }
}

struct RedisInbox(std::pin::Pin<Box<dyn futures_util::Stream<Item = redis::Msg> + Send>>);

#[async_trait]
impl Inbox for RedisInbox {
    async fn next(&mut self) -> Result<String, BroadcastError> {
        let message = self.0.next().await.ok_or("the Redis subscription ended")?;
        Ok(message.get_payload()?)
    }
}
