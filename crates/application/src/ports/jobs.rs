//! The job queue as the use cases see it: work is enqueued inside a transaction
//! ([`JobQueue`], from `Transaction::jobs`), then claimed, finished and inspected by the
//! workers and the operators ([`JobStore`]).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use todo_domain::{Page, Timestamp};

use super::{Payload, RepositoryError, StoredPayload};

/// A stored job's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub i64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Waiting for `run_at`, then for a worker.
    Queued,
    /// Claimed by a worker, whose lease runs until `locked_until`.
    Running,
    Succeeded,
    /// The last attempt failed; the job runs again at `run_at`.
    Failed,
    /// Every attempt failed, or the failure cannot be retried; only an operator revives it.
    Dead,
}

impl JobStatus {
    pub const ALL: [Self; 5] = [Self::Queued, Self::Running, Self::Succeeded, Self::Failed, Self::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// Work to store: its kind, its versioned payload, when to run it first.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: Payload,
    pub max_attempts: u32,
    pub run_at: Timestamp,
    pub created_at: Timestamp,
}

impl NewJob {
    /// The same job, to run no earlier than `at`.
    #[must_use]
    pub fn run_at(self, at: Timestamp) -> Self {
        Self { run_at: at, ..self }
    }
}

/// A job a worker has claimed, holding its lease.
#[derive(Clone)]
pub struct ClaimedJob {
    pub id: JobId,
    pub kind: String,
    pub payload: Arc<dyn StoredPayload>,
    /// This attempt's number, from 1.
    pub attempt: u32,
    pub max_attempts: u32,
    /// The trace of the work that enqueued it (W3C `traceparent`), for the run to join.
    pub trace_parent: Option<String>,
}

impl fmt::Debug for ClaimedJob {
    /// Without the payload, which may name a user's address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimedJob")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("attempt", &self.attempt)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// A stored job as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub status: JobStatus,
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// What is waiting in the queue right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Jobs that could start now: due, queued or failed, or running with an expired lease.
    pub ready: u64,
    /// How long the oldest of them has been due.
    pub oldest_ready_since: Option<Timestamp>,
    pub dead: u64,
}

/// Stores jobs with the data they concern: given by a [`super::Transaction`], an enqueued job
/// commits or rolls back with everything else written in that transaction.
///
/// # Errors
/// [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn enqueue(&self, job: NewJob) -> Result<JobId, RepositoryError>;
}

/// The queue as workers and operators use it. A claim takes the job, of the kinds the worker
/// knows, that has been ready the longest and leases it to one worker; no two workers hold the
/// same job at once, and a job whose lease expired (its worker died) can be claimed again.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`].
/// `succeed`, `fail` and `release` return [`RepositoryError::NotFound`] when the worker no
/// longer holds the job (its lease expired and another worker took it); `retry` when no
/// failed or dead job has that id.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobStore: Send + Sync {
    async fn claim(
        &self,
        worker: &str,
        kinds: &[&'static str],
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<ClaimedJob>, RepositoryError>;
    async fn succeed(&self, id: JobId, worker: &str, now: Timestamp) -> Result<(), RepositoryError>;
    /// Records a failed attempt: the job runs again at `retry_at`, or with `None` is dead.
    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), RepositoryError>;
    /// Hands a claimed job back unfinished (the worker is stopping): ready again at once, the
    /// attempt not counted.
    async fn release(&self, id: JobId, worker: &str) -> Result<(), RepositoryError>;
    /// Hands back every job `worker` still holds, returning how many: after a claim or a
    /// record that failed, whose statement may have been applied all the same.
    async fn release_held(&self, worker: &str) -> Result<u64, RepositoryError>;
    /// Marks dead the jobs whose worker died during their last attempt; returns how many.
    async fn bury_expired(&self, now: Timestamp) -> Result<u64, RepositoryError>;
    /// Jobs by id, newest first, optionally of one status.
    async fn list(&self, status: Option<JobStatus>, page: Page) -> Result<Vec<Job>, RepositoryError>;
    /// Queues a failed or dead job again, to run now with its attempts counted from zero.
    async fn retry(&self, id: JobId, now: Timestamp) -> Result<(), RepositoryError>;
    async fn stats(&self, now: Timestamp) -> Result<QueueStats, RepositoryError>;
}
