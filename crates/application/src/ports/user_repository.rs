use async_trait::async_trait;
use todo_domain::{EmailAddress, NewUser, Page, PasswordHash, User, UserId, Username};

use super::RepositoryError;

/// Storage of users.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or
/// [`RepositoryError::Unexpected`]. `insert` returns [`RepositoryError::Conflict`]
/// with the key that is taken when the username or the e-mail already exists.
/// Lookups return `Ok(None)`, never `NotFound`, for a user that does not exist; the writes to
/// one user return [`RepositoryError::NotFound`] when there is none.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    async fn insert(&self, user: NewUser) -> Result<User, RepositoryError>;
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError>;
    async fn find_by_username(&self, username: &Username) -> Result<Option<User>, RepositoryError>;
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<User>, RepositoryError>;
    async fn set_password(&self, id: UserId, hash: PasswordHash) -> Result<(), RepositoryError>;
    /// Sets the flags given, leaves the others.
    async fn set_flags(&self, id: UserId, flags: UserFlags) -> Result<(), RepositoryError>;
    /// Deletes the user and, by the schema's cascades, everything they own.
    async fn delete(&self, id: UserId) -> Result<(), RepositoryError>;
    /// Users by id, with how many todos each owns: what administrators see.
    async fn list_overviews(&self, page: Page) -> Result<Vec<UserOverview>, RepositoryError>;
    async fn find_overview(&self, id: UserId) -> Result<Option<UserOverview>, RepositoryError>;
}

/// An administrator's change to a user's flags; `None` keeps a flag as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserFlags {
    pub is_active: Option<bool>,
    pub is_superuser: Option<bool>,
}

/// A user and the number of todos they own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOverview {
    pub user: User,
    pub todo_count: u64,
}
