use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::future::{Either, select};
use tracing::{Instrument, info_span, instrument, warn};

use crate::jobs::{JobError, JobHandlers, RetryPolicy};
use crate::ports::{ClaimedJob, Clock, JobId, JobStore, RepositoryError, TraceContext};

/// Claims the job that has been ready the longest, runs its handler, and records the
/// outcome: succeeded; failed, to run again after a backoff; or dead, when the attempts are
/// spent or the failure cannot be retried. Workers call it in a loop.
pub struct ProcessNextJob {
    store: Arc<dyn JobStore>,
    handlers: JobHandlers,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    lease: Duration,
    traces: Option<Arc<dyn TraceContext>>,
}

/// What became of the job that was run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Succeeded,
    /// Failed; it runs again at the given time.
    Retrying(todo_domain::Timestamp),
    Dead,
    /// The lease expired while it ran and another worker took the job over: nothing recorded.
    LostLease,
    /// The worker was told to stop before the handler finished: the job was handed back.
    Released,
}

/// One job run by [`ProcessNextJob`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedJob {
    pub id: JobId,
    pub kind: String,
    pub attempt: u32,
    pub outcome: JobOutcome,
}

impl ProcessNextJob {
    /// A claimed job belongs to its worker for `lease`; one that runs longer may be claimed by
    /// another worker, so the lease must exceed any handler's own time-outs.
    pub fn new(
        store: Arc<dyn JobStore>,
        handlers: JobHandlers,
        clock: Arc<dyn Clock>,
        retry: RetryPolicy,
        lease: Duration,
    ) -> Self {
        Self { store, handlers, clock, retry, lease, traces: None }
    }

    /// Runs each job in the trace it was enqueued in, as `traces` sets it.
    #[must_use]
    pub fn with_traces(mut self, traces: Arc<dyn TraceContext>) -> Self {
        self.traces = Some(traces);
        self
    }

    /// Runs the next ready job, if there is one, as `worker`. Should `stop` complete before the
    /// job's handler does, the handler is dropped and the job handed back, ready at once.
    ///
    /// # Errors
    /// The store's, when it cannot claim or record; a failing handler is an outcome, not an error.
    // At debug level: an idle poll records nothing in traces or logs at the usual level; a job
    // that runs gets its own span below, in its request's trace.
    #[instrument(level = "debug", name = "process_next_job", skip_all, fields(worker = worker))]
    pub async fn execute(
        &self,
        worker: &str,
        stop: impl Future<Output = ()> + Send,
    ) -> Result<Option<ProcessedJob>, RepositoryError> {
        let now = self.clock.now();
        let lease_until = now + TimeDelta::from_std(self.lease).unwrap_or(TimeDelta::MAX);
        let kinds = self.handlers.kinds();
        let Some(job) = self.store.claim(worker, &kinds, now, lease_until).await? else { return Ok(None) };
        let span = info_span!(
            "job",
            worker = worker,
            job_id = %job.id,
            kind = %job.kind,
            attempt = job.attempt,
            trace_id = tracing::field::Empty,
            otel.name = format!("job {}", job.kind),
        );
        if let Some(trace_id) =
            self.traces.as_ref().and_then(|traces| traces.adopt(&span, job.trace_parent.as_deref()))
        {
            span.record("trace_id", trace_id);
        }
        let finished = match select(pin!(self.run(&job).instrument(span.clone())), pin!(stop)).await {
            Either::Left((result, _)) => Some(result),
            Either::Right(((), _)) => None,
        };
        let outcome = match finished {
            Some(result) => self.record(&job, worker, result).instrument(span).await?,
            None => {
                warn!(parent: &span, "stopping: the job is handed back unfinished");
                match self.store.release(job.id, worker).await {
                    Ok(()) => JobOutcome::Released,
                    Err(RepositoryError::NotFound) => JobOutcome::LostLease,
                    Err(error) => return Err(error),
                }
            }
        };
        Ok(Some(ProcessedJob { id: job.id, kind: job.kind, attempt: job.attempt, outcome }))
    }

    /// Hands back whatever `worker` still holds: call it after [`Self::execute`] failed, since a
    /// claim or a record cut off by its deadline may have been applied all the same.
    ///
    /// # Errors
    /// The store's.
    pub async fn recover(&self, worker: &str) -> Result<u64, RepositoryError> {
        self.store.release_held(worker).await
    }

    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        match self.handlers.get(&job.kind) {
            Some(handler) => handler.handle(job.payload.clone()).await,
            None => Err(JobError::Permanent(format!("no handler for jobs of kind {}", job.kind))),
        }
    }

    async fn record(
        &self,
        job: &ClaimedJob,
        worker: &str,
        result: Result<(), JobError>,
    ) -> Result<JobOutcome, RepositoryError> {
        let now = self.clock.now();
        let (recorded, outcome) = match result {
            Ok(()) => (self.store.succeed(job.id, worker, now).await, JobOutcome::Succeeded),
            Err(error) => {
                let retry_at = match &error {
                    JobError::Retryable(_) if job.attempt < job.max_attempts => {
                        Some(self.retry.retry_at(job.id, job.attempt, now))
                    }
                    _ => None,
                };
                warn!(%error, ?retry_at, "the job failed");
                let recorded = self.store.fail(job.id, worker, &error.to_string(), retry_at, now).await;
                (recorded, retry_at.map_or(JobOutcome::Dead, JobOutcome::Retrying))
            }
        };
        match recorded {
            Ok(()) => Ok(outcome),
            Err(RepositoryError::NotFound) => {
                warn!("the job's lease expired while it ran; another worker has it now");
                Ok(JobOutcome::LostLease)
            }
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests;
