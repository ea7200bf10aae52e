use std::sync::Arc;

use todo_domain::User;
use tracing::instrument;

use crate::ports::{RepositoryError, TokenService, UserRepository};

/// Turns a bearer token into the active user it was issued to.
pub struct Authenticate {
    users: Arc<dyn UserRepository>,
    tokens: Arc<dyn TokenService>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    /// Forged, expired, malformed or otherwise unacceptable.
    #[error("the token is not valid")]
    InvalidToken,
    /// The token is genuine but its user no longer exists.
    #[error("the token's user does not exist")]
    UnknownUser,
    #[error("the user is inactive")]
    Inactive,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl Authenticate {
    pub fn new(users: Arc<dyn UserRepository>, tokens: Arc<dyn TokenService>) -> Self {
        Self { users, tokens }
    }

    #[instrument(name = "authenticate", skip_all, fields(user_id))]
    pub async fn execute(&self, token: &str) -> Result<User, AuthenticateError> {
        let user_id = self.tokens.verify(token).map_err(|_| AuthenticateError::InvalidToken)?;
        let user = self.users.find_by_id(user_id).await?.ok_or(AuthenticateError::UnknownUser)?;
        if !user.is_active {
            return Err(AuthenticateError::Inactive);
        }
        tracing::Span::current().record("user_id", user.id.get());
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::{MockTokenService, MockUserRepository, TokenError};
    use crate::use_cases::fixtures::{unavailable, user, user_id};

    fn tokens(valid: bool) -> MockTokenService {
        let mut tokens = MockTokenService::new();
        tokens
            .expect_verify()
            .with(eq("token"))
            .returning(move |_| if valid { Ok(user_id(1)) } else { Err(TokenError::Invalid) });
        tokens
    }

    fn users_finding(found: Option<User>) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().with(eq(user_id(1))).returning(move |_| Ok(found.clone()));
        users
    }

    async fn authenticate(
        users: MockUserRepository,
        tokens: MockTokenService,
    ) -> Result<User, AuthenticateError> {
        Authenticate::new(Arc::new(users), Arc::new(tokens)).execute("token").await
    }

    #[tokio::test]
    async fn authenticate_returns_the_active_user_of_a_valid_token() {
        assert_eq!(authenticate(users_finding(Some(user(1))), tokens(true)).await.unwrap(), user(1));
    }

    #[tokio::test]
    async fn authenticate_refuses_an_invalid_token_without_a_lookup() {
        let result = authenticate(MockUserRepository::new(), tokens(false)).await;
        assert!(matches!(result, Err(AuthenticateError::InvalidToken)));
    }

    #[tokio::test]
    async fn authenticate_refuses_the_token_of_a_deleted_user() {
        let result = authenticate(users_finding(None), tokens(true)).await;
        assert!(matches!(result, Err(AuthenticateError::UnknownUser)));
    }

    #[tokio::test]
    async fn authenticate_refuses_a_deactivated_user() {
        let result =
            authenticate(users_finding(Some(User { is_active: false, ..user(1) })), tokens(true)).await;
        assert!(matches!(result, Err(AuthenticateError::Inactive)));
    }

    #[tokio::test]
    async fn authenticate_passes_storage_failures_on() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().returning(|_| Err(unavailable()));
        let result = authenticate(users, tokens(true)).await;
        assert!(matches!(result, Err(AuthenticateError::Repository(_))));
    }
}
