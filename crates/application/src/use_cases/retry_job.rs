use std::sync::Arc;

use tracing::instrument;

use crate::ports::{Clock, JobId, JobStore, RepositoryError};

/// Queues a failed or dead job again, to run now with a fresh budget of attempts.
pub struct RetryJob {
    store: Arc<dyn JobStore>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum RetryJobError {
    /// No such job, or it is not failed or dead.
    #[error("no failed or dead job has this id")]
    NotRetryable,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl RetryJob {
    pub fn new(store: Arc<dyn JobStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// # Errors
    /// [`RetryJobError::NotRetryable`], or the store's.
    #[instrument(name = "retry_job", skip_all, fields(job_id = %id))]
    pub async fn execute(&self, id: JobId) -> Result<(), RetryJobError> {
        self.store.retry(id, self.clock.now()).await.map_err(|error| match error {
            RepositoryError::NotFound => RetryJobError::NotRetryable,
            other => RetryJobError::Repository(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::MockJobStore;
    use crate::use_cases::fixtures::{clock, now, unavailable};

    #[tokio::test]
    async fn retry_job_queues_the_job_now_or_says_it_is_not_retryable() {
        let mut store = MockJobStore::new();
        store.expect_retry().with(eq(JobId(3)), eq(now())).times(1).returning(|_, _| Ok(()));
        store.expect_retry().with(eq(JobId(4)), eq(now())).returning(|_, _| Err(RepositoryError::NotFound));
        store.expect_retry().with(eq(JobId(5)), eq(now())).returning(|_, _| Err(unavailable()));
        let retry = RetryJob::new(Arc::new(store), Arc::new(clock()));
        assert!(retry.execute(JobId(3)).await.is_ok());
        assert!(matches!(retry.execute(JobId(4)).await, Err(RetryJobError::NotRetryable)));
        assert!(matches!(retry.execute(JobId(5)).await, Err(RetryJobError::Repository(_))));
    }
}
