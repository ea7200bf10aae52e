use async_trait::async_trait;
use todo_domain::{EmailAddress, NewUser, User, UserId, Username};

use super::RepositoryError;

/// Storage of users.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or
/// [`RepositoryError::Unexpected`]. `insert` returns [`RepositoryError::Conflict`]
/// with the key that is taken when the username or the e-mail already exists.
/// Lookups return `Ok(None)`, never `NotFound`, for a user that does not exist.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    async fn insert(&self, user: NewUser) -> Result<User, RepositoryError>;
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError>;
    async fn find_by_username(&self, username: &Username) -> Result<Option<User>, RepositoryError>;
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<User>, RepositoryError>;
}
