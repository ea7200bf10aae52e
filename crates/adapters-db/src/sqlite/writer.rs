//! The one connection that writes, owned by a thread of its own. Statements reach it in
//! order through a channel, so the writes of any number of requests use one thread, and
//! waiting for it (or for a lock another process holds) never occupies a request thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use rusqlite::Connection;
use sea_orm::DbErr;
use tokio::sync::oneshot;

use super::failure;

type Job = Box<dyn FnOnce(&Connection) + Send>;

#[derive(Debug)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
    /// Jobs sent and not yet finished.
    pending: Arc<AtomicUsize>,
}

impl Writer {
    /// Hands `connection` to a new thread, which closes it once every sender is gone.
    pub(super) fn start(connection: Connection) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("sqlite-writer".to_owned()).spawn(move || {
            for job in queue {
                job(&connection);
            }
        })?;
        Ok(Self { jobs, pending: Arc::new(AtomicUsize::new(0)) })
    }

    /// Runs `work` on the writer's thread, after the writes sent before it.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, DbErr> + Send + 'static,
    ) -> Result<T, DbErr> {
        let (reply, answer) = oneshot::channel();
        let pending = Arc::clone(&self.pending);
        pending.fetch_add(1, Ordering::Relaxed);
        let job = move |connection: &Connection| {
            // A bug in one statement's handling must not stop every later write: its
            // caller gets an error (the reply is dropped) and the thread goes on.
            let result = catch_unwind(AssertUnwindSafe(|| work(connection)));
            pending.fetch_sub(1, Ordering::Relaxed);
            if let Ok(result) = result {
                let _ = reply.send(result);
            }
        };
        if self.jobs.send(Box::new(job)).is_err() {
            self.pending.fetch_sub(1, Ordering::Relaxed);
            return Err(stopped());
        }
        answer.await.map_err(|_| stopped())?
    }

    pub(super) fn is_idle(&self) -> bool {
        self.pending.load(Ordering::Relaxed) == 0
    }
}

fn stopped() -> DbErr {
    failure::connection_error("the SQLite writer thread has stopped")
}
