//! On PostgreSQL, a pool of connections for each HTTP worker thread.
//!
//! actix-web runs each worker thread with a runtime of its own, and a socket answers to the
//! runtime that opened it: a connection opened on one worker and used by another has its
//! replies noticed by the first thread, which then wakes the second. Sharing one pool, the
//! workers spent most of their time waking each other (bench/README.md, "PostgreSQL: where the
//! time goes"). Here each worker thread draws from its own pool, whose connections it opens
//! itself, so a statement's reply wakes the thread that waits for it.
//!
//! A thread is attached once, when the HTTP server builds that worker's application
//! ([`ThreadPools::attach_current_thread`]); every other thread (job workers, listeners, tests)
//! keeps using the process's shared pool.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

thread_local! {
    /// Which pool this thread uses: the owning [`ThreadPools`]' address and the pool's index.
    static ATTACHED: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

#[derive(Debug)]
pub(crate) struct ThreadPools {
    pools: Box<[DatabaseConnection]>,
    next: AtomicUsize,
}

impl ThreadPools {
    /// `threads` pools of `size` connections each, opened lazily: a connection is made by the
    /// first thread that needs it, which is the thread that will use it.
    pub(crate) async fn open(
        options: &ConnectOptions,
        threads: usize,
        size: u32,
    ) -> Result<Arc<Self>, DbErr> {
        let mut pools = Vec::with_capacity(threads);
        for _ in 0..threads {
            let mut lazy = options.clone();
            lazy.max_connections(size).min_connections(0).connect_lazy(true);
            pools.push(Database::connect(lazy).await?);
        }
        Ok(Arc::new(Self { pools: pools.into_boxed_slice(), next: AtomicUsize::new(0) }))
    }

    /// From now on, statements run on this thread use the next pool (round robin).
    pub(crate) fn attach_current_thread(self: &Arc<Self>) {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.pools.len();
        ATTACHED.with(|attached| attached.set(Some((self.key(), index))));
    }

    /// The pool of the current thread, if it was attached to these pools.
    pub(crate) fn current(&self) -> Option<&DatabaseConnection> {
        match ATTACHED.with(Cell::get) {
            Some((key, index)) if key == self.key() => self.pools.get(index),
            _ => None,
        }
    }

    pub(crate) fn pools(&self) -> &[DatabaseConnection] {
        &self.pools
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }
}

/// How `max_connections` is shared between `threads` pools of their own and the shared pool:
/// `Some((each thread's, the shared pool's))`, equal parts with the remainder to the shared pool.
/// `None` (one shared pool for everything) when a thread would get fewer than two connections or
/// the shared pool fewer than four: it holds the `LISTEN` connections (job wake-ups, live events),
/// and the job workers draw from it. A pool of one is left without a connection by a single
/// connection stuck in sqlx's check of a returned connection, which has no time limit while a
/// database does not answer (`abandoned`).
pub(crate) fn shares(max_connections: u32, threads: usize) -> Option<(u32, u32)> {
    let threads = u32::try_from(threads).ok().filter(|threads| *threads > 0)?;
    let each = max_connections / threads.saturating_add(1);
    let shared = max_connections.checked_sub(each.checked_mul(threads)?)?;
    (each >= 2 && shared >= 4).then_some((each, shared))
}

#[cfg(test)]
mod tests {
    use super::shares;

    #[test]
    fn max_connections_is_shared_between_the_threads_and_the_rest() {
        assert_eq!(shares(10, 2), Some((3, 4)));
        assert_eq!(shares(20, 2), Some((6, 8)));
        assert_eq!(shares(8, 2), Some((2, 4)));
        assert_eq!(shares(16, 3), Some((4, 4)));
    }

    #[test]
    fn too_few_connections_make_one_shared_pool() {
        assert_eq!(shares(10, 0), None);
        assert_eq!(shares(5, 2), None);
        assert_eq!(shares(7, 3), None);
        assert_eq!(shares(15, 4), None, "the shared pool would get 3");
        assert_eq!(shares(1, 1), None);
    }
}
