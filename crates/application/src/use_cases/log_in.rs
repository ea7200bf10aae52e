use std::sync::Arc;

use todo_domain::{Password, Username};
use tracing::instrument;

use crate::ports::{
    AccessToken, Clock, HashError, Limit, PasswordHasher, RateLimiter, RepositoryError, RetryAfter,
    TokenError, TokenService, UserRepository,
};

/// Exchanges a username and password for an access token. Failed attempts are
/// counted per username and per client; past either limit, attempts are refused
/// before any password is checked.
pub struct LogIn {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenService>,
    clock: Arc<dyn Clock>,
    limiter: Arc<dyn RateLimiter>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogInError {
    /// Unknown username or wrong password: one answer for both.
    #[error("incorrect username or password")]
    InvalidCredentials,
    /// The password was right but the account is deactivated.
    #[error("the user is inactive")]
    Inactive,
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

impl LogIn {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenService>,
        clock: Arc<dyn Clock>,
        limiter: Arc<dyn RateLimiter>,
    ) -> Self {
        Self { users, hasher, tokens, clock, limiter }
    }

    /// `username` is taken as typed: a name that could never be registered is
    /// simply unknown. Every path that checks a password verifies a hash, so timing
    /// tells nothing. `client` is the caller's network address.
    #[instrument(name = "log_in", skip_all)]
    pub async fn execute(
        &self,
        username: &str,
        password: Password,
        client: &str,
    ) -> Result<AccessToken, LogInError> {
        self.limiter
            .check(Limit::FailedLoginsPerUsername, username)
            .and_then(|()| self.limiter.check(Limit::FailedLoginsPerClient, client))
            .map_err(LogInError::TooManyAttempts)?;
        let user = match Username::parse(username) {
            Ok(username) => self.users.find_by_username(&username).await?,
            Err(_) => None,
        };
        let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
        let matches = self.hasher.verify(password, stored_hash).await?;
        let Some(user) = user.filter(|_| matches) else {
            self.limiter.record(Limit::FailedLoginsPerUsername, username);
            self.limiter.record(Limit::FailedLoginsPerClient, client);
            return Err(LogInError::InvalidCredentials);
        };
        if !user.is_active {
            return Err(LogInError::Inactive);
        }
        Ok(self.tokens.issue(user.id, self.clock.now())?)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mockall::predicate::{always, eq};
    use todo_domain::User;

    use super::*;
    use crate::ports::{MockPasswordHasher, MockRateLimiter, MockTokenService, MockUserRepository};
    use crate::use_cases::fixtures::{clock, now, unavailable, unlimited, user, user_id};

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

    fn tokens() -> MockTokenService {
        let mut tokens = MockTokenService::new();
        tokens
            .expect_issue()
            .with(eq(user_id(1)), eq(now()))
            .returning(|_, _| Ok(AccessToken::new("jwt".into())));
        tokens
    }

    async fn log_in(
        users: MockUserRepository,
        hasher: MockPasswordHasher,
        tokens: MockTokenService,
        username: &str,
    ) -> Result<AccessToken, LogInError> {
        log_in_limited(users, hasher, tokens, username, unlimited()).await
    }

    async fn log_in_limited(
        users: MockUserRepository,
        hasher: MockPasswordHasher,
        tokens: MockTokenService,
        username: &str,
        limiter: MockRateLimiter,
    ) -> Result<AccessToken, LogInError> {
        LogIn::new(Arc::new(users), Arc::new(hasher), Arc::new(tokens), Arc::new(clock()), Arc::new(limiter))
            .execute(username, Password::from_attempt("secret".into()), "192.0.2.7")
            .await
    }

    #[tokio::test]
    async fn log_in_issues_a_token_for_the_right_password() {
        let token = log_in(users_with_ada(), hasher_answering(true, true), tokens(), "user1").await.unwrap();
        assert_eq!(token.expose(), "jwt");
    }

    #[tokio::test]
    async fn log_in_refuses_a_wrong_password() {
        let result =
            log_in(users_with_ada(), hasher_answering(false, true), MockTokenService::new(), "user1").await;
        assert!(matches!(result, Err(LogInError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn log_in_verifies_against_the_dummy_hash_for_an_unknown_user() {
        let result =
            log_in(users_with_ada(), hasher_answering(true, false), MockTokenService::new(), "nobody").await;
        assert!(matches!(result, Err(LogInError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn log_in_treats_an_impossible_username_as_unknown_without_a_lookup() {
        let users = MockUserRepository::new(); // any lookup would panic
        let result =
            log_in(users, hasher_answering(true, false), MockTokenService::new(), "no such name!").await;
        assert!(matches!(result, Err(LogInError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn log_in_refuses_a_deactivated_user_with_the_right_password() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(Some(User { is_active: false, ..user(1) })));
        let result = log_in(users, hasher_answering(true, true), MockTokenService::new(), "user1").await;
        assert!(matches!(result, Err(LogInError::Inactive)));
    }

    #[tokio::test]
    async fn log_in_passes_hashing_token_and_storage_failures_on() {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| Err(HashError("corrupt hash".into())));
        let result = log_in(users_with_ada(), hasher, MockTokenService::new(), "user1").await;
        assert!(matches!(result, Err(LogInError::Hashing(_))));

        let mut tokens = MockTokenService::new();
        tokens
            .expect_issue()
            .with(always(), always())
            .returning(|_, _| Err(TokenError::Issue("no key".into())));
        let result = log_in(users_with_ada(), hasher_answering(true, true), tokens, "user1").await;
        assert!(matches!(result, Err(LogInError::Token(TokenError::Issue(_)))));

        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Err(unavailable()));
        let result = log_in(users, MockPasswordHasher::new(), MockTokenService::new(), "user1").await;
        assert!(matches!(result, Err(LogInError::Repository(_))));
    }

    #[tokio::test]
    async fn log_in_counts_a_failure_against_the_username_and_the_client() {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_check().returning(|_, _| Ok(()));
        limiter
            .expect_record()
            .with(eq(Limit::FailedLoginsPerUsername), eq("user1"))
            .times(1)
            .return_const(());
        limiter
            .expect_record()
            .with(eq(Limit::FailedLoginsPerClient), eq("192.0.2.7"))
            .times(1)
            .return_const(());
        let result = log_in_limited(
            users_with_ada(),
            hasher_answering(false, true),
            MockTokenService::new(),
            "user1",
            limiter,
        )
        .await;
        assert!(matches!(result, Err(LogInError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn log_in_counts_nothing_when_it_succeeds() {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_check().returning(|_, _| Ok(()));
        limiter.expect_record().never();
        let result =
            log_in_limited(users_with_ada(), hasher_answering(true, true), tokens(), "user1", limiter).await;
        assert!(result.is_ok());
    }

    #[tokio::test]
    async fn log_in_refuses_before_checking_any_password_once_a_limit_is_reached() {
        for exhausted in [Limit::FailedLoginsPerUsername, Limit::FailedLoginsPerClient] {
            let mut limiter = MockRateLimiter::new();
            limiter.expect_check().returning(move |limit, _| {
                if limit == exhausted { Err(RetryAfter(Duration::from_secs(42))) } else { Ok(()) }
            });
            // No lookup, no hashing: the mocks below would panic if called.
            let result = log_in_limited(
                MockUserRepository::new(),
                MockPasswordHasher::new(),
                MockTokenService::new(),
                "user1",
                limiter,
            )
            .await;
            assert!(matches!(result, Err(LogInError::TooManyAttempts(RetryAfter(d))) if d.as_secs() == 42));
        }
    }
}
