//! PostgreSQL connections left in the middle of a statement, kept out of the pool.
//!
//! A statement abandoned before its answer (past its deadline, or because the request went
//! away) drops its connection back to the pool, and sqlx pings a returned connection before
//! reusing it, with no time limit: a connection whose server stopped answering would sit in
//! that ping for ever, holding one of the pool's places. With a pool per HTTP worker thread
//! (ADR 0021) a few such connections would leave a worker without a database after an outage.
//!
//! So every statement is watched: one dropped before it finished records the instant. For a
//! while after that, each connection coming back to the pool is first pinged with a time limit
//! (`check_on_release`); one that does not answer in time is closed, which frees its place.
//! The rest of the time, a connection comes back as before, with no extra round trip.

use std::future::Future;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::{self, Connection as _};

/// Milliseconds from `EPOCH` to the last abandoned statement, plus one; 0: none yet.
static LAST_ABANDONED: AtomicU64 = AtomicU64::new(0);
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Runs `operation`, recording it as abandoned if it is dropped before it finishes.
pub(crate) async fn watched<F: Future>(operation: F) -> F::Output {
    let watch = Watch { finished: false };
    let output = operation.await;
    watch.finish();
    output
}

struct Watch {
    finished: bool,
}

impl Watch {
    fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.finished {
            LAST_ABANDONED.store(millis_since_epoch() + 1, Ordering::Relaxed);
        }
    }
}

fn millis_since_epoch() -> u64 {
    u64::try_from(EPOCH.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Whether a statement was abandoned within `window`.
fn abandoned_within(window: Duration) -> bool {
    let last = LAST_ABANDONED.load(Ordering::Relaxed);
    let window = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
    last != 0 && millis_since_epoch().saturating_sub(last - 1) <= window
}

/// Pings each returning connection within `limit` while statements were abandoned lately
/// (within ten times `limit`, at least 10 s); a connection that fails it is closed.
pub(crate) fn check_on_release(options: PgPoolOptions, limit: Duration) -> PgPoolOptions {
    let window = (limit * 10).max(Duration::from_secs(10));
    options.after_release(move |connection, _| {
        Box::pin(async move {
            if !abandoned_within(window) {
                return Ok(true);
            }
            match tokio::time::timeout(limit, connection.ping()).await {
                Ok(answered) => answered.map(|()| true),
                Err(_) => Err(sqlx::Error::PoolTimedOut),
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_statement_dropped_before_its_end_is_recorded() {
        assert_eq!(watched(async { 7 }).await, 7);
        let before = LAST_ABANDONED.load(Ordering::Relaxed);
        let never = watched(std::future::pending::<()>());
        assert!(tokio::time::timeout(Duration::from_millis(10), never).await.is_err());
        assert!(LAST_ABANDONED.load(Ordering::Relaxed) > before);
        assert!(abandoned_within(Duration::from_secs(1)));
    }
}
