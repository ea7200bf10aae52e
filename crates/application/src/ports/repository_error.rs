//! The error contract shared by the repository ports.

use std::error::Error as StdError;

type Source = Box<dyn StdError + Send + Sync>;

/// Which uniqueness rule an insert broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    Username,
    Email,
}

/// What can go wrong when reading or writing stored entities.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The row to change or delete does not exist (any more).
    #[error("the record does not exist")]
    NotFound,
    /// The record changed since it was read: a write conditional on what was read lost
    /// to another one.
    #[error("the record changed since it was read")]
    Stale,
    /// A uniqueness rule was broken, typically by a concurrent insert.
    #[error("the {0:?} is already taken")]
    Conflict(UniqueKey),
    /// Storage did not answer in time or could not be reached; retrying may help.
    #[error("storage is unavailable")]
    Unavailable(#[source] Source),
    /// Anything else: a bug, corrupt data, a broken invariant.
    #[error("storage failed unexpectedly")]
    Unexpected(#[source] Source),
}
