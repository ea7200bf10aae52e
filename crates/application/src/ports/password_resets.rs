use async_trait::async_trait;
use todo_domain::{Timestamp, UserId};

use super::{RepositoryError, TokenHash};

/// A password-reset token to store, by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasswordReset {
    pub hash: TokenHash,
    pub user: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Storage of password-reset tokens: single use, expiring, kept only as hashes.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordResetRepository: Send + Sync {
    async fn insert(&self, reset: NewPasswordReset) -> Result<(), RepositoryError>;
    /// The user of the unused, unexpired token with this hash, without using it.
    async fn find_valid(&self, hash: &TokenHash, now: Timestamp) -> Result<Option<UserId>, RepositoryError>;
    /// Uses the token if it is unused and unexpired, and with it every other unused token of
    /// its user; says whose it was. Of two concurrent calls, exactly one gets the user.
    async fn consume(&self, hash: &TokenHash, now: Timestamp) -> Result<Option<UserId>, RepositoryError>;
    /// Uses up every unused token of `user`: after a password change no older link works.
    async fn spend_all(&self, user: UserId, now: Timestamp) -> Result<(), RepositoryError>;
}
