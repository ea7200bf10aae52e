//! The job queue on the service's own database (docs/adr/0007-job-queue.md): claimed under a
//! lease and finished by the workers, listed and retried by operators ([`SeaOrmJobStore`]).
//! Jobs are enqueued inside the caller's transaction by `job_queue.rs`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use todo_application::ports::{ClaimedJob, Job, JobId, JobStatus, JobStore, QueueStats, RepositoryError};
use todo_domain::{Page, Timestamp};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::jobs;
use crate::errors::corrupt_row;
use crate::executor::Executor;
use crate::job_payload::JsonPayload;

/// [`JobStore`] on any database sea-orm supports.
pub struct SeaOrmJobStore {
    executor: Executor,
}

impl SeaOrmJobStore {
    /// Every operation gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }

    /// Records `values` against the job `id` held by `worker`; `NotFound` if it holds it no more.
    async fn finish_held(
        &self,
        id: JobId,
        worker: &str,
        values: jobs::ActiveModel,
    ) -> Result<(), RepositoryError> {
        let update = jobs::Entity::update_many()
            .set(values)
            .filter(jobs::Column::Id.eq(id.0))
            .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .filter(jobs::Column::LockedBy.eq(worker));
        let result = self.executor.run(update.exec(&self.executor.writer())).await?;
        if result.rows_affected == 0 { Err(RepositoryError::NotFound) } else { Ok(()) }
    }
}

/// Ready to run at `now`: due and waiting, or running under a lease that has expired with
/// attempts left (the same condition as the claim's).
fn ready(now: Timestamp) -> Condition {
    let waiting = [JobStatus::Queued.as_str(), JobStatus::Failed.as_str()];
    Condition::any()
        .add(Condition::all().add(jobs::Column::Status.is_in(waiting)).add(jobs::Column::RunAt.lte(now)))
        .add(
            Condition::all()
                .add(jobs::Column::Status.eq(JobStatus::Running.as_str()))
                .add(jobs::Column::LockedUntil.lt(now))
                .add(Expr::col(jobs::Column::Attempts).lt(Expr::col(jobs::Column::MaxAttempts))),
        )
}

/// Takes the job of one of the worker's kinds that has been ready the longest, in one
/// statement: on PostgreSQL the row is locked and skipped by concurrent claims (`SKIP
/// LOCKED`); SQLite runs one writing statement at a time. A job whose worker died is taken
/// again once its lease has expired, unless that was its last attempt (`BURY` then).
/// Placeholders are `$n` on both databases (sqlx numbers them on SQLite too).
const CLAIM: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = $1, locked_by = $2 \
    WHERE id = (SELECT id FROM jobs \
        WHERE ((status IN ('queued', 'failed') AND run_at <= $3) \
           OR (status = 'running' AND locked_until < $3 AND attempts < max_attempts)) \
          AND kind IN ({kinds}) \
        ORDER BY run_at, id LIMIT 1 {lock}) \
    RETURNING id, kind, payload, attempts, max_attempts, trace_parent";

/// The jobs whose worker died during their last attempt are dead.
const BURY: &str = "UPDATE jobs SET status = 'dead', finished_at = $1, locked_until = NULL, \
    last_error = 'the worker stopped during the last attempt (lease expired)' \
    WHERE status = 'running' AND locked_until < $1 AND attempts >= max_attempts";

fn claim_statement(
    backend: DbBackend,
    worker: &str,
    kinds: &[&'static str],
    now: Timestamp,
    lease_until: Timestamp,
) -> Statement {
    let lock = if backend == DbBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let kind_placeholders: Vec<String> = (0..kinds.len()).map(|n| format!("${}", n + 4)).collect();
    let sql = CLAIM.replace("{lock}", lock).replace("{kinds}", &kind_placeholders.join(", "));
    let mut values = vec![lease_until.into(), worker.into(), now.into()];
    values.extend(kinds.iter().map(|kind| (*kind).into()));
    Statement::from_sql_and_values(backend, sql, values)
}

#[async_trait]
impl JobStore for SeaOrmJobStore {
    #[instrument(level = "debug", name = "db.jobs.claim", skip_all)]
    async fn claim(
        &self,
        worker: &str,
        kinds: &[&'static str],
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<ClaimedJob>, RepositoryError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let writer = self.executor.writer();
        let claim = claim_statement(writer.get_database_backend(), worker, kinds, now, lease_until);
        let Some(row) = self.executor.run(writer.query_one_raw(claim)).await? else { return Ok(None) };
        let get_error = |error: sea_orm::DbErr| RepositoryError::Unexpected(Box::new(error));
        let id: i64 = row.try_get("", "id").map_err(get_error)?;
        let count = |column: &str| -> Result<u32, RepositoryError> {
            let value: i32 = row.try_get("", column).map_err(get_error)?;
            u32::try_from(value).map_err(|error| corrupt_row("jobs", id, error))
        };
        Ok(Some(ClaimedJob {
            id: JobId(id),
            kind: row.try_get("", "kind").map_err(get_error)?,
            payload: Arc::new(JsonPayload::read(&row.try_get::<String>("", "payload").map_err(get_error)?)),
            attempt: count("attempts")?,
            max_attempts: count("max_attempts")?,
            trace_parent: row.try_get("", "trace_parent").map_err(get_error)?,
        }))
    }

    #[instrument(name = "db.jobs.succeed", skip_all, fields(job_id = %id))]
    async fn succeed(&self, id: JobId, worker: &str, now: Timestamp) -> Result<(), RepositoryError> {
        let values = jobs::ActiveModel {
            status: Set(JobStatus::Succeeded.as_str().to_owned()),
            finished_at: Set(Some(now)),
            locked_until: Set(None),
            ..Default::default()
        };
        self.finish_held(id, worker, values).await
    }

    #[instrument(name = "db.jobs.fail", skip_all, fields(job_id = %id))]
    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), RepositoryError> {
        let mut values = jobs::ActiveModel {
            last_error: Set(Some(error.chars().take(2000).collect())),
            locked_until: Set(None),
            ..Default::default()
        };
        match retry_at {
            Some(at) => {
                values.status = Set(JobStatus::Failed.as_str().to_owned());
                values.run_at = Set(at);
            }
            None => {
                values.status = Set(JobStatus::Dead.as_str().to_owned());
                values.finished_at = Set(Some(now));
            }
        }
        self.finish_held(id, worker, values).await
    }

    #[instrument(name = "db.jobs.release", skip_all, fields(job_id = %id))]
    async fn release(&self, id: JobId, worker: &str) -> Result<(), RepositoryError> {
        let update = jobs::Entity::update_many()
            .col_expr(jobs::Column::Status, Expr::value(JobStatus::Queued.as_str()))
            .col_expr(jobs::Column::Attempts, Expr::col(jobs::Column::Attempts).sub(1))
            .col_expr(jobs::Column::LockedUntil, Expr::value(Option::<Timestamp>::None))
            .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
            .filter(jobs::Column::Id.eq(id.0))
            .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .filter(jobs::Column::LockedBy.eq(worker));
        let result = self.executor.run(update.exec(&self.executor.writer())).await?;
        if result.rows_affected == 0 { Err(RepositoryError::NotFound) } else { Ok(()) }
    }

    #[instrument(name = "db.jobs.release_held", skip_all)]
    async fn release_held(&self, worker: &str) -> Result<u64, RepositoryError> {
        let update = jobs::Entity::update_many()
            .col_expr(jobs::Column::Status, Expr::value(JobStatus::Queued.as_str()))
            .col_expr(jobs::Column::Attempts, Expr::col(jobs::Column::Attempts).sub(1))
            .col_expr(jobs::Column::LockedUntil, Expr::value(Option::<Timestamp>::None))
            .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
            .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .filter(jobs::Column::LockedBy.eq(worker));
        Ok(self.executor.run(update.exec(&self.executor.writer())).await?.rows_affected)
    }

    #[instrument(level = "debug", name = "db.jobs.bury_expired", skip_all)]
    async fn bury_expired(&self, now: Timestamp) -> Result<u64, RepositoryError> {
        let writer = self.executor.writer();
        let bury = Statement::from_sql_and_values(writer.get_database_backend(), BURY, [now.into()]);
        Ok(self.executor.run(writer.execute_raw(bury)).await?.rows_affected())
    }

    #[instrument(name = "db.jobs.list", skip_all)]
    async fn list(&self, status: Option<JobStatus>, page: Page) -> Result<Vec<Job>, RepositoryError> {
        let query = jobs::Entity::find()
            .apply_if(status, |query, status| query.filter(jobs::Column::Status.eq(status.as_str())))
            .order_by_desc(jobs::Column::Id)
            .offset(u64::try_from(page.skip()).ok())
            .limit(u64::try_from(page.limit()).ok());
        let rows = self.executor.run(query.all(&self.executor.writer())).await?;
        rows.into_iter().map(to_job).collect()
    }

    #[instrument(name = "db.jobs.retry", skip_all, fields(job_id = %id))]
    async fn retry(&self, id: JobId, now: Timestamp) -> Result<(), RepositoryError> {
        let update = jobs::Entity::update_many()
            .col_expr(jobs::Column::Status, Expr::value(JobStatus::Queued.as_str()))
            .col_expr(jobs::Column::Attempts, Expr::value(0))
            .col_expr(jobs::Column::RunAt, Expr::value(now))
            .col_expr(jobs::Column::FinishedAt, Expr::value(Option::<Timestamp>::None))
            .col_expr(jobs::Column::LockedUntil, Expr::value(Option::<Timestamp>::None))
            .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
            .filter(jobs::Column::Id.eq(id.0))
            .filter(jobs::Column::Status.is_in([JobStatus::Failed.as_str(), JobStatus::Dead.as_str()]));
        let result = self.executor.run(update.exec(&self.executor.writer())).await?;
        if result.rows_affected == 0 { Err(RepositoryError::NotFound) } else { Ok(()) }
    }

    #[instrument(level = "debug", name = "db.jobs.stats", skip_all)]
    async fn stats(&self, now: Timestamp) -> Result<QueueStats, RepositoryError> {
        let writer = self.executor.writer();
        let ready_jobs = jobs::Entity::find().filter(ready(now));
        let ready = self.executor.run(ready_jobs.clone().count(&writer)).await?;
        let oldest = ready_jobs.order_by_asc(jobs::Column::RunAt).limit(1);
        let oldest = self.executor.run(oldest.one(&writer)).await?;
        let dead = jobs::Entity::find().filter(jobs::Column::Status.eq(JobStatus::Dead.as_str()));
        let dead = self.executor.run(dead.count(&writer)).await?;
        Ok(QueueStats { ready, oldest_ready_since: oldest.map(|job| job.run_at), dead })
    }
}

fn to_job(row: jobs::Model) -> Result<Job, RepositoryError> {
    let id = row.id;
    let count = |value: i32| u32::try_from(value).map_err(|error| corrupt_row("jobs", id, error));
    let status = JobStatus::parse(&row.status)
        .ok_or_else(|| corrupt_row("jobs", id, std::io::Error::other(format!("status {:?}", row.status))))?;
    Ok(Job {
        id: JobId(id),
        kind: row.kind,
        status,
        attempts: count(row.attempts)?,
        max_attempts: count(row.max_attempts)?,
        run_at: row.run_at,
        last_error: row.last_error,
        created_at: row.created_at,
        finished_at: row.finished_at,
    })
}
