use std::sync::Arc;

use todo_domain::{EmailAddress, NewUser, Password, User, Username};
use tracing::instrument;

use crate::jobs::{JobPayload, WelcomeEmail};
use crate::ports::{
    Clock, HashError, Limit, PasswordHasher, RateLimiter, RepositoryError, RetryAfter, UniqueKey, UnitOfWork,
    UserRepository,
};

/// Creates an account: unique username and e-mail, password stored only as a hash, and a
/// welcome e-mail queued in the same transaction, so that there is never one without the
/// other. Registrations are counted per client and refused past the limit.
pub struct RegisterUser {
    users: Arc<dyn UserRepository>,
    unit_of_work: Arc<dyn UnitOfWork>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    limiter: Arc<dyn RateLimiter>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterUserError {
    #[error("the username is already registered")]
    UsernameTaken,
    #[error("the e-mail address is already registered")]
    EmailTaken,
    #[error("too many registrations from this client")]
    TooManyAttempts(RetryAfter),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Repository(RepositoryError),
}

/// A uniqueness conflict at insert time is the same answer as the check before
/// it: the check only makes the common case cheap, the database decides races.
impl From<RepositoryError> for RegisterUserError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::Conflict(UniqueKey::Username) => Self::UsernameTaken,
            RepositoryError::Conflict(UniqueKey::Email) => Self::EmailTaken,
            other => Self::Repository(other),
        }
    }
}

impl RegisterUser {
    pub fn new(
        users: Arc<dyn UserRepository>,
        unit_of_work: Arc<dyn UnitOfWork>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        limiter: Arc<dyn RateLimiter>,
    ) -> Self {
        Self { users, unit_of_work, hasher, clock, limiter }
    }

    #[instrument(name = "register_user", skip_all, fields(username = %username))]
    pub async fn execute(
        &self,
        username: Username,
        email: EmailAddress,
        password: Password,
        client: &str,
    ) -> Result<User, RegisterUserError> {
        self.limiter
            .acquire(Limit::RegistrationsPerClient, client)
            .await
            .map_err(|error| error.into_error(RegisterUserError::TooManyAttempts))?;
        if self.users.find_by_username(&username).await?.is_some() {
            return Err(RegisterUserError::UsernameTaken);
        }
        if self.users.find_by_email(&email).await?.is_some() {
            return Err(RegisterUserError::EmailTaken);
        }
        // Hashing is slow: done before the transaction, which holds a writer meanwhile.
        let password_hash = self.hasher.hash(password).await?;
        let now = self.clock.now();
        let transaction = self.unit_of_work.begin().await?;
        let new_user = NewUser { username, email, password_hash, is_superuser: false, created_at: now };
        let user = transaction.users().insert(new_user).await?;
        transaction.jobs().enqueue(WelcomeEmail { user_id: user.id.get() }.into_job(now)).await?;
        transaction.commit().await?;
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::PasswordHash;

    use super::*;
    use crate::ports::{
        JobId, LimitError, MockJobQueue, MockPasswordHasher, MockRateLimiter, MockTransaction,
        MockUnitOfWork, MockUserRepository,
    };
    use crate::use_cases::fixtures::{clock, now, unavailable, unlimited, user};

    fn input() -> (Username, EmailAddress, Password) {
        (
            Username::parse("ada").unwrap(),
            EmailAddress::parse("ada@example.com").unwrap(),
            Password::parse("correct horse".into()).unwrap(),
        )
    }

    fn no_one_registered() -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(None));
        users.expect_find_by_email().returning(|_| Ok(None));
        users
    }

    fn hasher() -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Ok(PasswordHash::new("$argon2id$hash".into())));
        hasher
    }

    /// A unit of work whose one transaction inserts through `inserts`, enqueues through
    /// `jobs` and is committed once when `commits`, never otherwise.
    fn unit_of_work(inserts: MockUserRepository, jobs: MockJobQueue, commits: bool) -> MockUnitOfWork {
        let mut transaction = MockTransaction::new();
        transaction.expect_users().return_const(Box::new(inserts) as Box<dyn UserRepository>);
        transaction.expect_jobs().return_const(Box::new(jobs) as Box<dyn crate::ports::JobQueue>);
        transaction.expect_commit().times(usize::from(commits)).returning(|| Ok(()));
        let mut unit_of_work = MockUnitOfWork::new();
        unit_of_work.expect_begin().return_once(move || Ok(Box::new(transaction)));
        unit_of_work
    }

    fn inserting(result: Result<User, RepositoryError>) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users.expect_insert().times(1).return_once(move |_| result);
        users
    }

    fn welcome_queued() -> MockJobQueue {
        let mut jobs = MockJobQueue::new();
        let expected = WelcomeEmail { user_id: 1 }.into_job(now());
        jobs.expect_enqueue().with(eq(expected)).times(1).returning(|_| Ok(JobId(1)));
        jobs
    }

    async fn register(
        users: MockUserRepository,
        unit_of_work: MockUnitOfWork,
        hasher: MockPasswordHasher,
    ) -> Result<User, RegisterUserError> {
        register_limited(users, unit_of_work, hasher, unlimited()).await
    }

    async fn register_limited(
        users: MockUserRepository,
        unit_of_work: MockUnitOfWork,
        hasher: MockPasswordHasher,
        limiter: MockRateLimiter,
    ) -> Result<User, RegisterUserError> {
        let (username, email, password) = input();
        let (users, unit_of_work) = (Arc::new(users), Arc::new(unit_of_work));
        RegisterUser::new(users, unit_of_work, Arc::new(hasher), Arc::new(clock()), Arc::new(limiter))
            .execute(username, email, password, "192.0.2.7")
            .await
    }

    #[tokio::test]
    async fn register_user_stores_the_hash_and_the_welcome_email_job_in_one_transaction() {
        let expected = NewUser {
            username: Username::parse("ada").unwrap(),
            email: EmailAddress::parse("ada@example.com").unwrap(),
            password_hash: PasswordHash::new("$argon2id$hash".into()),
            is_superuser: false,
            created_at: now(),
        };
        let mut inserts = MockUserRepository::new();
        inserts.expect_insert().with(eq(expected)).times(1).returning(|_| Ok(user(1)));
        let unit_of_work = unit_of_work(inserts, welcome_queued(), true);
        assert_eq!(register(no_one_registered(), unit_of_work, hasher()).await.unwrap(), user(1));
    }

    #[tokio::test]
    async fn register_user_commits_nothing_when_the_job_cannot_be_queued() {
        let mut jobs = MockJobQueue::new();
        jobs.expect_enqueue().returning(|_| Err(unavailable()));
        let unit_of_work = unit_of_work(inserting(Ok(user(1))), jobs, false);
        let result = register(no_one_registered(), unit_of_work, hasher()).await;
        assert!(matches!(result, Err(RegisterUserError::Repository(RepositoryError::Unavailable(_)))));
    }

    #[tokio::test]
    async fn register_user_refuses_a_taken_username_before_hashing() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(Some(user(1))));
        let result = register(users, MockUnitOfWork::new(), MockPasswordHasher::new()).await;
        assert!(matches!(result, Err(RegisterUserError::UsernameTaken)));
    }

    #[tokio::test]
    async fn register_user_refuses_a_taken_email() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(None));
        users.expect_find_by_email().returning(|_| Ok(Some(user(1))));
        let result = register(users, MockUnitOfWork::new(), MockPasswordHasher::new()).await;
        assert!(matches!(result, Err(RegisterUserError::EmailTaken)));
    }

    #[tokio::test]
    async fn register_user_reports_a_race_lost_at_insert_as_taken() {
        for (key, username_taken) in [(UniqueKey::Username, true), (UniqueKey::Email, false)] {
            let unit_of_work =
                unit_of_work(inserting(Err(RepositoryError::Conflict(key))), MockJobQueue::new(), false);
            let result = register(no_one_registered(), unit_of_work, hasher()).await;
            match result {
                Err(RegisterUserError::UsernameTaken) => assert!(username_taken),
                Err(RegisterUserError::EmailTaken) => assert!(!username_taken),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn register_user_passes_hashing_failures_on() {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Err(HashError("no blocking thread".into())));
        let result = register(no_one_registered(), MockUnitOfWork::new(), hasher).await;
        assert!(matches!(result, Err(RegisterUserError::Hashing(_))));
    }

    #[tokio::test]
    async fn register_user_passes_storage_failures_on() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Err(unavailable()));
        let result = register(users, MockUnitOfWork::new(), MockPasswordHasher::new()).await;
        assert!(matches!(result, Err(RegisterUserError::Repository(RepositoryError::Unavailable(_)))));
    }

    #[tokio::test]
    async fn register_user_counts_every_registration_of_a_client() {
        let mut limiter = MockRateLimiter::new();
        limiter
            .expect_acquire()
            .with(eq(Limit::RegistrationsPerClient), eq("192.0.2.7"))
            .times(1)
            .returning(|_, _| Ok(()));
        let unit_of_work = unit_of_work(inserting(Ok(user(1))), welcome_queued(), true);
        assert!(register_limited(no_one_registered(), unit_of_work, hasher(), limiter).await.is_ok());
    }

    #[tokio::test]
    async fn register_user_refuses_a_client_over_its_limit_before_any_work() {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_acquire().returning(|_, _| Err(RetryAfter(std::time::Duration::from_secs(9)).into()));
        let result = register_limited(
            MockUserRepository::new(),
            MockUnitOfWork::new(),
            MockPasswordHasher::new(),
            limiter,
        )
        .await;
        assert!(matches!(result, Err(RegisterUserError::TooManyAttempts(_))));
    }

    #[tokio::test]
    async fn register_user_answers_as_for_an_unavailable_database_when_the_limits_cannot_be_counted() {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_acquire().returning(|_, _| Err(LimitError::Unavailable("Redis is down".into())));
        let result = register_limited(
            MockUserRepository::new(),
            MockUnitOfWork::new(),
            MockPasswordHasher::new(),
            limiter,
        )
        .await;
        assert!(matches!(result, Err(RegisterUserError::Repository(RepositoryError::Unavailable(_)))));
    }
}
