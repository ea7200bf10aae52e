//! Sessions and their refresh tokens as the use cases see them, and the one lookup every
//! authenticated request makes: the user and the session of its token.

use std::fmt;

use async_trait::async_trait;
use todo_domain::{ApiKeyId, Session, SessionId, Timestamp, User, UserId};

use super::RepositoryError;

/// The hash of an opaque secret (a refresh token, a reset token, an API key): what is stored and looked up, never the
/// secret itself.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash([REDACTED])")
    }
}

/// A refresh token to store, by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefreshToken {
    pub hash: TokenHash,
    pub session: SessionId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spent {
    /// This call spent it: the caller may issue the session's next token.
    Now(SessionId),
    /// It had been spent before, at `at`.
    Earlier { session: SessionId, at: Timestamp },
    /// Past its expiry, unspent.
    Expired,
    /// No refresh token has this hash.
    Unknown,
}

/// Storage of sessions and refresh tokens.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`];
/// `revoke` returns [`RepositoryError::NotFound`] when the user has no active session `id`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    async fn insert(&self, session: &Session) -> Result<(), RepositoryError>;
    async fn insert_refresh_token(&self, token: NewRefreshToken) -> Result<(), RepositoryError>;
    /// Spends the refresh token with this hash if it is neither spent nor expired. Of two
    /// concurrent calls with one token, exactly one gets [`Spent::Now`].
    async fn spend_refresh_token(&self, hash: &TokenHash, now: Timestamp) -> Result<Spent, RepositoryError>;
    async fn find(&self, id: &SessionId) -> Result<Option<Session>, RepositoryError>;
    /// Records that the session was used (refreshed) at `now`.
    async fn touch(&self, id: &SessionId, now: Timestamp) -> Result<(), RepositoryError>;
    /// The user's sessions that are neither revoked nor expired, oldest first.
    async fn list_active(&self, user: UserId, now: Timestamp) -> Result<Vec<Session>, RepositoryError>;
    async fn revoke(&self, user: UserId, id: &SessionId, now: Timestamp) -> Result<(), RepositoryError>;
    /// Revokes the active session that the refresh token with this hash belongs to, spent or
    /// not; says whose it was, if there was one.
    async fn revoke_by_refresh_token(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<UserId>, RepositoryError>;
    /// Revokes every active session of `user` but `except`, and says how many.
    async fn revoke_all(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: Timestamp,
    ) -> Result<u64, RepositoryError>;
}

/// The user and the session behind an access token, read together in one round trip: every
/// authenticated request asks, so this is the hottest read of the service.
///
/// # Errors
/// [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PrincipalStore: Send + Sync {
    /// The user `user` and their session `session`, when both exist.
    async fn find(
        &self,
        user: UserId,
        session: &SessionId,
    ) -> Result<Option<(User, Session)>, RepositoryError>;
}

/// An opaque secret just made: the secret for its owner, the hash for storage.
pub struct IssuedSecret {
    pub secret: String,
    pub hash: TokenHash,
}

impl fmt::Debug for IssuedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IssuedSecret([REDACTED])")
    }
}

/// Random identifiers and secrets, and the hash that secrets are stored and found by.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Secrets: Send + Sync {
    fn session_id(&self) -> SessionId;
    fn api_key_id(&self) -> ApiKeyId;
    /// A new secret of at least 128 random bits, URL-safe.
    fn issue(&self) -> IssuedSecret;
    fn hash(&self, secret: &str) -> TokenHash;
}
