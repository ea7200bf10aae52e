use std::sync::Arc;

use todo_domain::{Password, Scopes, Session, Username};
use tracing::instrument;

use super::issued_tokens::{IssueError, IssuedTokens, issue_tokens};
use crate::ports::{
    Clock, HashError, Limit, PasswordHasher, RateLimiter, RepositoryError, RetryAfter, Secrets, TokenError,
    TokenService, UnitOfWork, UserRepository,
};

/// Exchanges a username and password for a new session: an access token and a refresh
/// token. Failed attempts are counted per username and per client; past either limit,
/// attempts are refused before any password is checked.
pub struct LogIn {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    unit_of_work: Arc<dyn UnitOfWork>,
    secrets: Arc<dyn Secrets>,
    tokens: Arc<dyn TokenService>,
    clock: Arc<dyn Clock>,
    limiter: Arc<dyn RateLimiter>,
}

/// One attempt, as the client made it.
#[derive(Debug)]
pub struct LogInAttempt<'a> {
    /// Taken as typed: a name that could never be registered is simply unknown.
    pub username: &'a str,
    pub password: Password,
    /// The scopes asked for, space-separated; empty for all the user may have.
    pub scope: &'a str,
    /// The caller's network address, for the rate limits.
    pub client: &'a str,
    pub user_agent: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogInError {
    /// Unknown username or wrong password: one answer for both.
    #[error("incorrect username or password")]
    InvalidCredentials,
    /// The password was right but the account is deactivated.
    #[error("the user is inactive")]
    Inactive,
    /// A scope that does not exist, or none the user may have.
    #[error("invalid scope")]
    InvalidScope,
    /// Too many failed attempts for this username or from this client.
    #[error("too many failed log-ins")]
    TooManyAttempts(RetryAfter),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl From<IssueError> for LogInError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Token(error) => Self::Token(error),
            IssueError::Repository(error) => Self::Repository(error),
        }
    }
}

impl LogIn {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        unit_of_work: Arc<dyn UnitOfWork>,
        secrets: Arc<dyn Secrets>,
        tokens: Arc<dyn TokenService>,
        clock: Arc<dyn Clock>,
        limiter: Arc<dyn RateLimiter>,
    ) -> Self {
        Self { users, hasher, unit_of_work, secrets, tokens, clock, limiter }
    }

    /// Every path that checks a password verifies a hash, so timing tells nothing.
    #[instrument(name = "log_in", skip_all)]
    pub async fn execute(&self, attempt: LogInAttempt<'_>) -> Result<IssuedTokens, LogInError> {
        let LogInAttempt { username, password, scope, client, user_agent } = attempt;
        let requested = Scopes::parse(scope).map_err(|_| LogInError::InvalidScope)?;
        // Counted before the password is checked, forgiven if it is right: concurrent guesses
        // cannot all slip through while the hashes are being verified.
        self.limiter
            .acquire(Limit::FailedLoginsPerUsername, username)
            .map_err(LogInError::TooManyAttempts)?;
        if let Err(retry) = self.limiter.acquire(Limit::FailedLoginsPerClient, client) {
            self.limiter.forgive(Limit::FailedLoginsPerUsername, username);
            return Err(LogInError::TooManyAttempts(retry));
        }
        let user = match Username::parse(username) {
            Ok(username) => self.users.find_by_username(&username).await?,
            Err(_) => None,
        };
        let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
        let matches = self.hasher.verify(password, stored_hash).await?;
        let Some(user) = user.filter(|_| matches) else {
            return Err(LogInError::InvalidCredentials);
        };
        self.limiter.forgive(Limit::FailedLoginsPerUsername, username);
        self.limiter.forgive(Limit::FailedLoginsPerClient, client);
        if !user.is_active {
            return Err(LogInError::Inactive);
        }
        let allowed = Scopes::allowed_for(user.is_superuser);
        let scopes = if requested.is_empty() {
            allowed
        } else {
            requested.iter().filter(|s| allowed.contains(*s)).collect()
        };
        if scopes.is_empty() {
            return Err(LogInError::InvalidScope);
        }
        let now = self.clock.now();
        let session = Session::open(self.secrets.session_id(), user.id, scopes, user_agent, now);
        let transaction = self.unit_of_work.begin().await?;
        transaction.sessions().insert(&session).await?;
        let issued =
            issue_tokens(transaction.as_ref(), self.secrets.as_ref(), self.tokens.as_ref(), &session, now)
                .await?;
        transaction.commit().await?;
        Ok(issued)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mockall::predicate::eq;
    use todo_domain::User;

    use super::*;
    use crate::ports::{
        MockPasswordHasher, MockRateLimiter, MockTokenService, MockUnitOfWork, MockUserRepository,
    };
    use crate::use_cases::fixtures::{
        clock, opening_sessions, secrets, session, tokens_issuing, unavailable, unlimited, user,
    };

    fn users_with_ada() -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|name| Ok((name.as_str() == "user1").then(|| user(1))));
        users
    }

    fn hasher_answering(matches: bool, expect_hash: bool) -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .withf(move |_, hash| hash.is_some() == expect_hash)
            .times(1)
            .returning(move |_, _| Ok(matches));
        hasher
    }

    struct Parts {
        users: MockUserRepository,
        hasher: MockPasswordHasher,
        unit_of_work: MockUnitOfWork,
        tokens: MockTokenService,
        limiter: MockRateLimiter,
    }

    /// A log-in that must fail before any session is opened.
    fn refused(users: MockUserRepository, hasher: MockPasswordHasher) -> Parts {
        Parts {
            users,
            hasher,
            unit_of_work: MockUnitOfWork::new(),
            tokens: MockTokenService::new(),
            limiter: unlimited(),
        }
    }

    async fn log_in(parts: Parts, username: &str, scope: &str) -> Result<IssuedTokens, LogInError> {
        let Parts { users, hasher, unit_of_work, tokens, limiter } = parts;
        let log_in = LogIn::new(
            Arc::new(users),
            Arc::new(hasher),
            Arc::new(unit_of_work),
            Arc::new(secrets()),
            Arc::new(tokens),
            Arc::new(clock()),
            Arc::new(limiter),
        );
        let password = Password::from_attempt("secret".into());
        let attempt =
            LogInAttempt { username, password, scope, client: "192.0.2.7", user_agent: Some("curl/8") };
        log_in.execute(attempt).await
    }

    fn succeeding(expected: &Session) -> Parts {
        Parts {
            users: users_with_ada(),
            hasher: hasher_answering(true, true),
            unit_of_work: opening_sessions(expected.clone()),
            tokens: tokens_issuing(expected.scopes.clone()),
            limiter: unlimited(),
        }
    }

    #[tokio::test]
    async fn log_in_opens_a_session_and_issues_both_tokens_for_the_right_password() {
        let issued = log_in(succeeding(&session(1)), "user1", "").await.unwrap();
        assert_eq!(issued.access.expose(), "jwt");
        assert_eq!(issued.refresh, "refresh-secret");
        assert_eq!(issued.scopes.to_string(), "todos:read todos:write");
        assert_eq!(issued.expires_in, chrono::TimeDelta::minutes(30));
    }

    #[tokio::test]
    async fn log_in_narrows_the_session_to_the_scopes_asked_for() {
        let read_only = Session { scopes: Scopes::parse("todos:read").unwrap(), ..session(1) };
        let issued = log_in(succeeding(&read_only), "user1", "todos:read").await.unwrap();
        assert_eq!(issued.scopes.to_string(), "todos:read");
        // `admin` is dropped for a user who may not have it; alone, nothing is left.
        let issued = log_in(succeeding(&read_only), "user1", "admin todos:read").await.unwrap();
        assert_eq!(issued.scopes.to_string(), "todos:read");
        let result = log_in(refused(users_with_ada(), hasher_answering(true, true)), "user1", "admin").await;
        assert!(matches!(result, Err(LogInError::InvalidScope)));
    }

    #[tokio::test]
    async fn log_in_refuses_an_unknown_scope_before_any_work() {
        let result =
            log_in(refused(MockUserRepository::new(), MockPasswordHasher::new()), "user1", "todos:delete")
                .await;
        assert!(matches!(result, Err(LogInError::InvalidScope)));
    }

    #[tokio::test]
    async fn log_in_refuses_a_wrong_password() {
        let result = log_in(refused(users_with_ada(), hasher_answering(false, true)), "user1", "").await;
        assert!(matches!(result, Err(LogInError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn log_in_verifies_against_the_dummy_hash_for_an_unknown_user() {
        let result = log_in(refused(users_with_ada(), hasher_answering(true, false)), "nobody", "").await;
        assert!(matches!(result, Err(LogInError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn log_in_treats_an_impossible_username_as_unknown_without_a_lookup() {
        let users = MockUserRepository::new(); // any lookup would panic
        let result = log_in(refused(users, hasher_answering(true, false)), "no such name!", "").await;
        assert!(matches!(result, Err(LogInError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn log_in_refuses_a_deactivated_user_with_the_right_password() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(Some(User { is_active: false, ..user(1) })));
        let result = log_in(refused(users, hasher_answering(true, true)), "user1", "").await;
        assert!(matches!(result, Err(LogInError::Inactive)));
    }

    #[tokio::test]
    async fn log_in_passes_hashing_token_and_storage_failures_on() {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| Err(HashError("corrupt hash".into())));
        let result = log_in(refused(users_with_ada(), hasher), "user1", "").await;
        assert!(matches!(result, Err(LogInError::Hashing(_))));

        let mut tokens = MockTokenService::new();
        tokens.expect_issue().returning(|_, _| Err(TokenError::Issue("no key".into())));
        let failing = Parts {
            unit_of_work: crate::use_cases::fixtures::opening_sessions_without_commit(session(1)),
            tokens,
            ..refused(users_with_ada(), hasher_answering(true, true))
        };
        let result = log_in(failing, "user1", "").await;
        assert!(matches!(result, Err(LogInError::Token(TokenError::Issue(_)))));

        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Err(unavailable()));
        let result = log_in(refused(users, MockPasswordHasher::new()), "user1", "").await;
        assert!(matches!(result, Err(LogInError::Repository(_))));
    }

    #[tokio::test]
    async fn log_in_counts_a_failure_against_the_username_and_the_client() {
        let mut limiter = MockRateLimiter::new();
        limiter
            .expect_acquire()
            .with(eq(Limit::FailedLoginsPerUsername), eq("user1"))
            .times(1)
            .returning(|_, _| Ok(()));
        limiter
            .expect_acquire()
            .with(eq(Limit::FailedLoginsPerClient), eq("192.0.2.7"))
            .times(1)
            .returning(|_, _| Ok(()));
        limiter.expect_forgive().never();
        let parts = Parts { limiter, ..refused(users_with_ada(), hasher_answering(false, true)) };
        assert!(matches!(log_in(parts, "user1", "").await, Err(LogInError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn log_in_forgives_both_counts_when_it_succeeds() {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_acquire().times(2).returning(|_, _| Ok(()));
        limiter
            .expect_forgive()
            .with(eq(Limit::FailedLoginsPerUsername), eq("user1"))
            .times(1)
            .return_const(());
        limiter
            .expect_forgive()
            .with(eq(Limit::FailedLoginsPerClient), eq("192.0.2.7"))
            .times(1)
            .return_const(());
        let parts = Parts { limiter, ..succeeding(&session(1)) };
        assert!(log_in(parts, "user1", "").await.is_ok());
    }

    #[tokio::test]
    async fn log_in_refuses_before_checking_any_password_once_a_limit_is_reached() {
        for exhausted in [Limit::FailedLoginsPerUsername, Limit::FailedLoginsPerClient] {
            let mut limiter = MockRateLimiter::new();
            limiter.expect_acquire().returning(move |limit, _| {
                if limit == exhausted { Err(RetryAfter(Duration::from_secs(42))) } else { Ok(()) }
            });
            // A place taken under the first limit is given back when the second refuses.
            let forgiven = usize::from(exhausted == Limit::FailedLoginsPerClient);
            limiter.expect_forgive().times(forgiven).return_const(());
            // No lookup, no hashing: the mocks would panic if called.
            let parts = Parts { limiter, ..refused(MockUserRepository::new(), MockPasswordHasher::new()) };
            let result = log_in(parts, "user1", "").await;
            assert!(matches!(result, Err(LogInError::TooManyAttempts(RetryAfter(d))) if d.as_secs() == 42));
        }
    }
}
