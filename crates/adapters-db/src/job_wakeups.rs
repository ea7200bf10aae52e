//! Waking workers when jobs are committed by another process: on PostgreSQL, every enqueue
//! sends `NOTIFY todo_jobs` (delivered at commit); this listens. The jobs table stays the
//! truth, and workers poll it anyway, so a lost notification only delays a job.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DbBackend;
use sea_orm::sqlx::postgres::PgListener;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::connection::Pool;
use crate::job_queue::JOBS_CHANNEL;

/// Calls `wake` whenever any process commits jobs, for as long as the task runs. `None` on
/// SQLite, where only this process's commits can wake its workers (through the unit of work).
pub fn forward_job_notifications(pool: &Pool, wake: Arc<dyn Fn() + Send + Sync>) -> Option<JoinHandle<()>> {
    let db = pool.db();
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let pool = db.get_postgres_connection_pool().clone();
    Some(tokio::spawn(async move {
        loop {
            let listened = async {
                let mut listener = PgListener::connect_with(&pool).await?;
                listener.listen(JOBS_CHANNEL).await?;
                debug!("listening for committed jobs");
                loop {
                    listener.recv().await?;
                    wake();
                }
            };
            let error: Result<(), sea_orm::sqlx::Error> = listened.await;
            if let Err(error) = error {
                warn!(%error, "lost the job notifications; listening again in a second");
            }
            // Something may have been committed while nobody listened.
            wake();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }))
}
