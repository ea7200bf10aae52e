use async_trait::async_trait;
use todo_domain::{Password, PasswordHash};

/// The hasher failed: bad parameters, a corrupt stored hash, or no thread to run on.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// One-way hashing of passwords. Implementations are slow on purpose and must not
/// block the threads that serve requests.
///
/// # Errors
/// [`HashError`] when hashing cannot be carried out; a wrong password is not an
/// error but `Ok(false)`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: Password) -> Result<PasswordHash, HashError>;

    /// Whether `password` matches `hash`. With `hash: None` (no such user) it does
    /// the same work against a dummy hash and answers `false`, so that the time taken
    /// does not reveal whether an account exists.
    async fn verify(&self, password: Password, hash: Option<PasswordHash>) -> Result<bool, HashError>;
}
