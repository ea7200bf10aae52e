//! Enqueueing a job inside the caller's transaction (docs/adr/0007-job-queue.md): the job is
//! one more row of it, and on PostgreSQL a `NOTIFY` delivered at commit.

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, Statement};
use todo_application::ports::{JobId, JobQueue, JobStatus, NewJob, RepositoryError, TraceContext};
use tracing::instrument;

use crate::entities::jobs;
use crate::executor::Executor;
use crate::job_payload;

/// The channel on which PostgreSQL announces committed jobs to waiting workers.
pub const JOBS_CHANNEL: &str = "todo_jobs";

/// [`JobQueue`] inside a transaction: the job is one more row of it, with the trace it was
/// enqueued in when `traces` is given.
pub(crate) struct SeaOrmJobQueue {
    executor: Executor,
    traces: Option<Arc<dyn TraceContext>>,
}

impl SeaOrmJobQueue {
    pub(crate) fn within(executor: Executor, traces: Option<Arc<dyn TraceContext>>) -> Self {
        Self { executor, traces }
    }
}

#[async_trait]
impl JobQueue for SeaOrmJobQueue {
    #[instrument(name = "db.jobs.enqueue", skip_all, fields(kind = job.kind))]
    async fn enqueue(&self, job: NewJob) -> Result<JobId, RepositoryError> {
        let row = jobs::ActiveModel {
            kind: Set(job.kind.to_owned()),
            payload: Set(job_payload::write(&job.payload)?),
            status: Set(JobStatus::Queued.as_str().to_owned()),
            attempts: Set(0),
            max_attempts: Set(i32::try_from(job.max_attempts).unwrap_or(i32::MAX)),
            run_at: Set(job.run_at),
            locked_until: Set(None),
            locked_by: Set(None),
            last_error: Set(None),
            created_at: Set(job.created_at),
            finished_at: Set(None),
            trace_parent: Set(self.traces.as_ref().and_then(|traces| traces.current())),
            ..Default::default()
        };
        let id = self.executor.insert(row).await?;
        let writer = self.executor.writer();
        if writer.get_database_backend() == DbBackend::Postgres {
            // Delivered to listening workers when, and only if, the transaction commits.
            let notify = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, '')",
                [JOBS_CHANNEL.into()],
            );
            self.executor.run(writer.execute_raw(notify)).await?;
        }
        Ok(JobId(id))
    }
}
