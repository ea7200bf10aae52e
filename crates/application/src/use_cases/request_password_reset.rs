use std::sync::Arc;

use todo_domain::EmailAddress;
use tracing::instrument;

use crate::jobs::{JobPayload, PasswordResetEmail};
use crate::ports::{Clock, Limit, RateLimiter, RepositoryError, RetryAfter, UnitOfWork};

/// Asks for a password-reset e-mail. The request does the same work whether the address is
/// registered or not (it queues a job, which looks the address up later), so neither the
/// answer nor its timing tells who has an account.
pub struct RequestPasswordReset {
    unit_of_work: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    limiter: Arc<dyn RateLimiter>,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestPasswordResetError {
    /// Too many requests from this client or for this address.
    #[error("too many password-reset requests")]
    TooManyRequests(RetryAfter),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl RequestPasswordReset {
    pub fn new(
        unit_of_work: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        limiter: Arc<dyn RateLimiter>,
    ) -> Self {
        Self { unit_of_work, clock, limiter }
    }

    /// # Errors
    /// [`RequestPasswordResetError`].
    #[instrument(name = "request_password_reset", skip_all)]
    pub async fn execute(&self, email: &EmailAddress, client: &str) -> Result<(), RequestPasswordResetError> {
        // Addresses are stored lower-case: one quota per mailbox, however it is typed.
        let mailbox = email.as_str();
        self.limiter
            .acquire(Limit::PasswordResetsPerClient, client)
            .await
            .map_err(|error| error.into_error(RequestPasswordResetError::TooManyRequests))?;
        if let Err(error) = self.limiter.acquire(Limit::PasswordResetsPerEmail, mailbox).await {
            self.limiter.forgive(Limit::PasswordResetsPerClient, client).await;
            return Err(error.into_error(RequestPasswordResetError::TooManyRequests));
        }
        let transaction = self.unit_of_work.begin().await?;
        let job = PasswordResetEmail { email: email.as_str().to_owned() }.into_job(self.clock.now());
        transaction.jobs().enqueue(job).await?;
        transaction.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ports::{JobId, JobQueue, MockJobQueue, MockRateLimiter, MockTransaction, MockUnitOfWork};
    use crate::use_cases::fixtures::{clock, now, unlimited};

    fn queueing(times: usize) -> MockUnitOfWork {
        let mut jobs = MockJobQueue::new();
        jobs.expect_enqueue()
            .withf(|job| *job == PasswordResetEmail { email: "ada@example.com".into() }.into_job(now()))
            .times(times)
            .returning(|_| Ok(JobId(1)));
        let mut transaction = MockTransaction::new();
        transaction.expect_jobs().return_const(Box::new(jobs) as Box<dyn JobQueue>);
        transaction.expect_commit().times(times).returning(|| Ok(()));
        let mut unit_of_work = MockUnitOfWork::new();
        unit_of_work.expect_begin().times(times).return_once(move || Ok(Box::new(transaction)));
        unit_of_work
    }

    fn address() -> EmailAddress {
        EmailAddress::parse("Ada@Example.com").unwrap()
    }

    #[tokio::test]
    async fn a_request_queues_the_email_job_whoever_the_address_belongs_to() {
        let request =
            RequestPasswordReset::new(Arc::new(queueing(1)), Arc::new(clock()), Arc::new(unlimited()));
        request.execute(&address(), "192.0.2.7").await.unwrap();
    }

    #[tokio::test]
    async fn requests_are_limited_per_client_and_per_mailbox() {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_acquire().returning(|limit, key| match (limit, key) {
            (Limit::PasswordResetsPerEmail, "ada@example.com") => {
                Err(RetryAfter(Duration::from_secs(60)).into())
            }
            _ => Ok(()),
        });
        limiter
            .expect_forgive()
            .with(mockall::predicate::eq(Limit::PasswordResetsPerClient), mockall::predicate::eq("192.0.2.7"))
            .times(1)
            .return_const(());
        let request = RequestPasswordReset::new(Arc::new(queueing(0)), Arc::new(clock()), Arc::new(limiter));
        let result = request.execute(&address(), "192.0.2.7").await;
        assert!(matches!(result, Err(RequestPasswordResetError::TooManyRequests(_))), "{result:?}");
    }
}
