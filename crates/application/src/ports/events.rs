use async_trait::async_trait;
use todo_domain::{EventId, Timestamp, TodoEvent, UserId};

use super::RepositoryError;

/// Where a user's log stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventLogBounds {
    /// The oldest event still kept; `None` when the log is empty.
    pub oldest: Option<EventId>,
    /// The newest event ever recorded (kept or pruned); `None` before the first.
    pub latest: Option<EventId>,
}

/// The read side of each user's todo event log. The write side is not a method: every
/// insert, update and delete of [`super::TodoRepository`] appends its event atomically, in the
/// same transaction as the change, with ids increasing in commit order per user.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TodoEventLog: Send + Sync {
    /// Up to `limit` events of `user` after `after` (from the first kept with `None`), oldest first.
    async fn after(
        &self,
        user: UserId,
        after: Option<EventId>,
        limit: u64,
    ) -> Result<Vec<TodoEvent>, RepositoryError>;
    async fn bounds(&self, user: UserId) -> Result<EventLogBounds, RepositoryError>;
    /// Deletes, for every user, the events that are both older than `recorded_before` and
    /// not among their `keep_last` newest; says how many.
    async fn prune(&self, keep_last: u64, recorded_before: Timestamp) -> Result<u64, RepositoryError>;
}
