//! What happened to a user's todos, in the order it was committed: the events that live
//! streams deliver and that a reconnecting client resumes from.

use std::fmt;

use crate::{Timestamp, Todo, TodoId, UserId};

/// An event's number in its user's log: 1, 2, 3 ... in commit order, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(i64);

/// Not an event id: ids start at 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event id is a positive integer, got {0}")]
pub struct EventIdError(pub i64);

impl EventId {
    /// # Errors
    /// [`EventIdError`] for zero or less.
    pub fn new(raw: i64) -> Result<Self, EventIdError> {
        if raw > 0 { Ok(Self(raw)) } else { Err(EventIdError(raw)) }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A change to one todo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TodoChange {
    /// The todo as it was created.
    Created(Todo),
    /// The todo as the change left it.
    Updated(Todo),
    Deleted(TodoId),
}

impl TodoChange {
    /// The name clients see: `todo.created`, `todo.updated`, `todo.deleted`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Created(_) => "todo.created",
            Self::Updated(_) => "todo.updated",
            Self::Deleted(_) => "todo.deleted",
        }
    }
}

/// One entry of a user's event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoEvent {
    pub id: EventId,
    pub user: UserId,
    pub change: TodoChange,
    /// When the database recorded it.
    pub recorded_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_start_at_one() {
        assert_eq!(EventId::new(1).unwrap().get(), 1);
        assert_eq!(EventId::new(0), Err(EventIdError(0)));
        assert_eq!(EventId::new(-3), Err(EventIdError(-3)));
    }

    #[test]
    fn each_change_has_the_name_clients_see() {
        assert_eq!(TodoChange::Deleted(TodoId::new(7).unwrap()).kind(), "todo.deleted");
    }
}
