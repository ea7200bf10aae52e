//! The live-event signals adapter: [`LocalSignals`] wakes the streams of this process;
//! [`PgSignals`] adds every other process on the same PostgreSQL database, through
//! `LISTEN`/`NOTIFY` with coalesced notifications (ADR 0010).
//!
//! It may import the application's ports, the domain, tokio and sqlx. A signal only says
//! "look": the event log and the credential stores are the truth, so nothing here has to be
//! durable, and a lost connection is made good by waking every stream once it is back.

mod local;
mod postgres;

pub use local::LocalSignals;
pub use postgres::{PgSignals, SIGNALS_CHANNEL};
