//! The user entity: someone who registered and may log in.

use crate::{EmailAddress, PasswordHash, Timestamp, UserId, Username};

/// A registered user. Every field is a value object that already holds its own
/// rules, so the fields are public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub email: EmailAddress,
    pub password_hash: PasswordHash,
    pub is_active: bool,
    /// May use the `/admin` routes (with a token that carries the `admin` scope).
    pub is_superuser: bool,
    pub created_at: Timestamp,
}

/// A user about to be stored: everything but the id, which storage assigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: Username,
    pub email: EmailAddress,
    pub password_hash: PasswordHash,
    pub is_superuser: bool,
    pub created_at: Timestamp,
}
