use async_trait::async_trait;
use todo_domain::{NewTodo, Page, Revision, Timestamp, Todo, TodoChanges, TodoFilter, TodoId, UserId};

use super::RepositoryError;

/// Storage of todos. It knows nothing of ownership rules: the use cases check
/// who owns what before they read or change a todo on someone's behalf.
///
/// Every `insert`, `change` and `delete` also appends its event to the owner's log
/// ([`super::TodoEventLog`]), atomically with the change: committed together or not at all.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or
/// [`RepositoryError::Unexpected`]. `delete` returns [`RepositoryError::NotFound`] when the
/// todo no longer exists, and [`RepositoryError::Stale`] when it is not at the revision it
/// expects; `find` and `change` return `Ok(None)` for a todo that is not there to read or
/// change.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TodoRepository: Send + Sync {
    async fn insert(&self, todo: NewTodo) -> Result<Todo, RepositoryError>;
    async fn find(&self, id: TodoId) -> Result<Option<Todo>, RepositoryError>;
    /// One page of an owner's todos that pass the filter, in ascending id order.
    async fn list(&self, owner: UserId, filter: TodoFilter, page: Page)
    -> Result<Vec<Todo>, RepositoryError>;
    /// At most `limit` of an owner's todos that pass the filter with ids above `after`, in
    /// ascending id order: pages that cost the same however deep they are (an export).
    async fn list_after(
        &self,
        owner: UserId,
        filter: TodoFilter,
        after: Option<TodoId>,
        limit: u64,
    ) -> Result<Vec<Todo>, RepositoryError>;
    /// Stores them all, in their order, in few statements (an import); how many were stored.
    async fn insert_many(&self, todos: Vec<NewTodo>) -> Result<u64, RepositoryError>;
    /// Applies `changes` to `owner`'s todo `id` as [`Todo::apply`] does (the fields given,
    /// `updated_at` = `now`, the next revision), in one statement, provided its revision is one
    /// of `expected` (any, for `None`), and returns the todo as stored. `Ok(None)` when no todo
    /// matched: gone, someone else's, or at another revision.
    async fn change(
        &self,
        owner: UserId,
        id: TodoId,
        changes: TodoChanges,
        now: Timestamp,
        expected: Option<Vec<Revision>>,
    ) -> Result<Option<Todo>, RepositoryError>;
    /// Deletes the todo; with `revision`, only while it is still at that revision.
    async fn delete(&self, id: TodoId, revision: Option<Revision>) -> Result<(), RepositoryError>;
}
