//! Conditional changes (HTTP `If-Match`): what a change expects of the todo it changes,
//! and the read-check-write that the changing use cases share.

use todo_domain::{Revision, Todo, TodoId, UserId};

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

/// How often a change without precondition is read and applied again when other changes
/// keep coming between its read and its write; after that, the `Stale` error is passed on
/// (503, worth retrying). Each lost race means another change was committed, so the loop
/// goes on only while the others make progress; the bound is for a todo under a storm.
const ATTEMPTS: usize = 100;

/// Reads the owner's todo, checks the precondition, changes it and writes it back on the
/// condition that it is still the revision that was read, so no change is lost to another
/// made at the same moment.
pub(crate) async fn change_owned(
    todos: &dyn TodoRepository,
    owner: UserId,
    id: TodoId,
    precondition: &Precondition,
    mut change: impl FnMut(&mut Todo),
) -> Result<Todo, ChangeFailure> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mut todo = find_owned(todos, owner, id).await?.ok_or(ChangeFailure::NotFound)?;
        if !precondition.allows(todo.revision) {
            return Err(ChangeFailure::PreconditionFailed);
        }
        change(&mut todo);
        match todos.update(&todo).await {
            Ok(()) => return Ok(todo),
            // Another change came between the read and the write: read again. The client's
            // precondition is checked against the new revision (a stale tag now fails it), and
            // a change without one is made again on top of the other.
            Err(RepositoryError::Stale) if attempts < ATTEMPTS => {}
            Err(error) => return Err(error.into()),
        }
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
