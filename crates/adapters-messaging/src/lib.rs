//! The live-event signals adapter: [`LocalSignals`] wakes the streams of this process;
//! [`RemoteSignals`] adds every other process of the service, through a [`Broadcast`]:
//! PostgreSQL's `LISTEN`/`NOTIFY` ([`PgBroadcast`]) or Redis pub/sub ([`RedisBroadcast`]), with
//! coalesced messages (ADR 0010, ADR 0011).
//!
//! It may import the application's ports, the domain, tokio, sqlx and redis. A signal only
//! says "look": the event log and the credential stores are the truth, so nothing here has to
//! be durable, and a lost connection is made good by waking every stream once it is back.

mod local;
mod postgres;
mod redis_pubsub;
mod remote;

pub use local::{AccessObserver, LocalSignals};
pub use postgres::{PgBroadcast, SIGNALS_CHANNEL};
pub use redis_pubsub::{REDIS_CHANNEL, RedisBroadcast};
pub use remote::{Broadcast, BroadcastError, Inbox, RemoteSignals};
