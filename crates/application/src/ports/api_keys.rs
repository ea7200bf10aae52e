use async_trait::async_trait;
use todo_domain::{ApiKey, ApiKeyId, Timestamp, User, UserId};

use super::{RepositoryError, TokenHash};

/// Storage of API keys, found by the hash of the key; the key itself is never stored.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`];
/// `revoke` returns [`RepositoryError::NotFound`] when the user has no active key `id`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    async fn insert(&self, key: &ApiKey, hash: &TokenHash) -> Result<(), RepositoryError>;
    /// The user's keys that are not revoked, expired ones included, oldest first.
    async fn list(&self, user: UserId) -> Result<Vec<ApiKey>, RepositoryError>;
    async fn revoke(&self, user: UserId, id: &ApiKeyId, now: Timestamp) -> Result<(), RepositoryError>;
    /// The key with this hash and its owner, read together in one round trip.
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<(User, ApiKey)>, RepositoryError>;
    async fn record_use(&self, id: &ApiKeyId, now: Timestamp) -> Result<(), RepositoryError>;
}
