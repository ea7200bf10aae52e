use std::sync::Arc;

use todo_domain::{ApiKeyId, Scope, Scopes, SessionId, User};
use tracing::instrument;

use crate::ports::{Clock, PrincipalStore, RepositoryError, TokenService};

/// Who is calling, as proven by an access token or an API key: the user, the credential,
/// and what the credential allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub credential: Credential,
    pub scopes: Scopes,
}

/// What a caller proved who they are with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An access token of this session.
    Session(SessionId),
    /// This API key.
    ApiKey(ApiKeyId),
}

impl Principal {
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(scope)
    }

    /// The session of the caller's access token; `None` for an API key.
    pub fn session(&self) -> Option<&SessionId> {
        match &self.credential {
            Credential::Session(id) => Some(id),
            Credential::ApiKey(_) => None,
        }
    }
}

/// Turns a bearer token into the active user and open session it was issued for. The user
/// and the session are read in one query; a revoked or expired session fails at once, not
/// when the token expires.
pub struct Authenticate {
    principals: Arc<dyn PrincipalStore>,
    tokens: Arc<dyn TokenService>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    /// Forged, expired, malformed or otherwise unacceptable.
    #[error("the token is not valid")]
    InvalidToken,
    /// The token is genuine but its user or its session no longer exists, or the session
    /// was revoked or has expired.
    #[error("the token's user or session is gone")]
    Revoked,
    #[error("the user is inactive")]
    Inactive,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl Authenticate {
    pub fn new(
        principals: Arc<dyn PrincipalStore>,
        tokens: Arc<dyn TokenService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { principals, tokens, clock }
    }

    #[instrument(name = "authenticate", skip_all, fields(user_id))]
    pub async fn execute(&self, token: &str) -> Result<Principal, AuthenticateError> {
        let claims = self.tokens.verify(token).map_err(|_| AuthenticateError::InvalidToken)?;
        let (user, session) =
            self.principals.find(claims.user, &claims.session).await?.ok_or(AuthenticateError::Revoked)?;
        if !session.is_active(self.clock.now()) {
            return Err(AuthenticateError::Revoked);
        }
        if !user.is_active {
            return Err(AuthenticateError::Inactive);
        }
        tracing::Span::current().record("user_id", user.id.get());
        Ok(Principal { user, credential: Credential::Session(claims.session), scopes: claims.scopes })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use mockall::predicate::eq;
    use todo_domain::Session;

    use super::*;
    use crate::ports::{AccessClaims, MockPrincipalStore, MockTokenService, TokenError};
    use crate::use_cases::fixtures::{clock, now, session, session_id, unavailable, user, user_id};

    fn claims() -> AccessClaims {
        AccessClaims { user: user_id(1), session: session_id(), scopes: Scopes::parse("todos:read").unwrap() }
    }

    fn tokens(valid: bool) -> MockTokenService {
        let mut tokens = MockTokenService::new();
        tokens
            .expect_verify()
            .with(eq("token"))
            .returning(move |_| if valid { Ok(claims()) } else { Err(TokenError::Invalid) });
        tokens
    }

    fn principals(found: Option<(User, Session)>) -> MockPrincipalStore {
        let mut principals = MockPrincipalStore::new();
        principals
            .expect_find()
            .with(eq(user_id(1)), eq(session_id()))
            .returning(move |_, _| Ok(found.clone()));
        principals
    }

    async fn authenticate(
        principals: MockPrincipalStore,
        tokens: MockTokenService,
    ) -> Result<Principal, AuthenticateError> {
        Authenticate::new(Arc::new(principals), Arc::new(tokens), Arc::new(clock())).execute("token").await
    }

    #[tokio::test]
    async fn authenticate_returns_the_user_the_session_and_the_tokens_scopes() {
        let principal = authenticate(principals(Some((user(1), session(1)))), tokens(true)).await.unwrap();
        assert_eq!(
            principal,
            Principal {
                user: user(1),
                credential: Credential::Session(session_id()),
                scopes: claims().scopes
            }
        );
        assert!(principal.may(Scope::TodosRead) && !principal.may(Scope::TodosWrite));
    }

    #[tokio::test]
    async fn authenticate_refuses_a_bad_token_without_a_lookup() {
        let result = authenticate(MockPrincipalStore::new(), tokens(false)).await;
        assert!(matches!(result, Err(AuthenticateError::InvalidToken)));
    }

    #[tokio::test]
    async fn authenticate_refuses_a_token_whose_user_or_session_is_gone_revoked_or_expired() {
        let revoked = Session { revoked_at: Some(now()), ..session(1) };
        let expired = Session { expires_at: now(), ..session(1) };
        for found in [None, Some((user(1), revoked)), Some((user(1), expired))] {
            let result = authenticate(principals(found.clone()), tokens(true)).await;
            assert!(matches!(result, Err(AuthenticateError::Revoked)), "{found:?}");
        }
        let live = Session { expires_at: now() + TimeDelta::seconds(1), ..session(1) };
        assert!(authenticate(principals(Some((user(1), live))), tokens(true)).await.is_ok());
    }

    #[tokio::test]
    async fn authenticate_refuses_a_deactivated_user() {
        let inactive = todo_domain::User { is_active: false, ..user(1) };
        let result = authenticate(principals(Some((inactive, session(1)))), tokens(true)).await;
        assert!(matches!(result, Err(AuthenticateError::Inactive)));
    }

    #[tokio::test]
    async fn authenticate_passes_storage_failures_on() {
        let mut principals = MockPrincipalStore::new();
        principals.expect_find().returning(|_, _| Err(unavailable()));
        let result = authenticate(principals, tokens(true)).await;
        assert!(matches!(result, Err(AuthenticateError::Repository(_))));
    }
}
