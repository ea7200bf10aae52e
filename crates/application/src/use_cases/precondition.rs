//! Conditional changes (HTTP `If-Match`): what a change expects of the todo it changes,
//! and the read-check-write that the changing use cases share.

use todo_domain::{Revision, Timestamp, Todo, TodoChanges, TodoId, UserId};

use super::find_owned;
use crate::ports::{RepositoryError, TodoRepository};

/// Which revisions of the todo a change may be applied to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    /// Any: the change applies to the todo as it is when the change is written.
    #[default]
    None,
    /// Only these (an empty list allows none): the client changes what it has seen.
    OneOf(Vec<Revision>),
}

impl Precondition {
    pub fn allows(&self, revision: Revision) -> bool {
        match self {
            Self::None => true,
            Self::OneOf(revisions) => revisions.contains(&revision),
        }
    }
}

/// Why a change was not made.
#[derive(Debug)]
pub(crate) enum ChangeFailure {
    /// The todo does not exist, belongs to someone else, or was deleted meanwhile.
    NotFound,
    /// The todo is not at a revision the precondition allows.
    PreconditionFailed,
    Repository(RepositoryError),
}

impl From<RepositoryError> for ChangeFailure {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::NotFound => Self::NotFound,
            other => Self::Repository(other),
        }
    }
}

/// How often a deletion is read and tried again when changes keep coming between its read
/// and its delete; after that, the `Stale` error is passed on (503, worth retrying).
const ATTEMPTS: usize = 100;

/// Applies `changes` to the owner's todo, if the precondition allows its revision, in one
/// statement: the check, the change and the read of the result are atomic, and a change
/// without precondition applies on top of whatever the todo is by then, never losing another.
pub(crate) async fn change_owned(
    todos: &dyn TodoRepository,
    owner: UserId,
    id: TodoId,
    precondition: &Precondition,
    changes: TodoChanges,
    now: Timestamp,
) -> Result<Todo, ChangeFailure> {
    let expected = match precondition {
        Precondition::None => None,
        Precondition::OneOf(revisions) => Some(revisions.clone()),
    };
    let hopeless = expected.as_ref().is_some_and(Vec::is_empty);
    if !hopeless && let Some(todo) = todos.change(owner, id, changes, now, expected).await? {
        return Ok(todo);
    }
    if *precondition == Precondition::None {
        return Err(ChangeFailure::NotFound);
    }
    // Nothing matched: gone or someone else's (404), or at another revision (412).
    match find_owned(todos, owner, id).await? {
        Some(_) => Err(ChangeFailure::PreconditionFailed),
        None => Err(ChangeFailure::NotFound),
    }
}

/// Deletes the owner's todo if the precondition allows its revision, atomically.
pub(crate) async fn delete_owned(
    todos: &dyn TodoRepository,
    owner: UserId,
    id: TodoId,
    precondition: &Precondition,
) -> Result<(), ChangeFailure> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let todo = find_owned(todos, owner, id).await?.ok_or(ChangeFailure::NotFound)?;
        if !precondition.allows(todo.revision) {
            return Err(ChangeFailure::PreconditionFailed);
        }
        let expected = (*precondition != Precondition::None).then_some(todo.revision);
        match todos.delete(todo.id, expected).await {
            // Changed between the read and the delete: check the precondition again.
            Err(RepositoryError::Stale) if attempts < ATTEMPTS => {}
            other => return Ok(other?),
        }
    }
}
