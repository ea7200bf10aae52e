//! The todo entity and the three ways it changes: created, patched, replaced.

use std::fmt;

use crate::{IdError, Timestamp, TodoDescription, TodoId, TodoTitle, UserId};

/// A todo, owned by exactly one user. Its fields are value objects that hold
/// their own rules, so they are public; changes go through [`Todo::apply`] and
/// [`Todo::replace`] so that `updated_at` is never forgotten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    pub id: TodoId,
    pub owner: UserId,
    pub title: TodoTitle,
    pub description: Option<TodoDescription>,
    pub completed: bool,
    pub created_at: Timestamp,
    /// `None` until the first change.
    pub updated_at: Option<Timestamp>,
    /// Which version of the todo this is; every change makes the next one.
    pub revision: Revision,
}

/// The version of a todo: 1 when it is created, one more at each change. Entity tags
/// and conditional writes (`If-Match`) are built on it: a write names the revision it
/// was made from, and storage refuses it if the todo has moved on since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Revision(i64);

impl Revision {
    pub const FIRST: Self = Self(1);

    /// Accepts any number greater than zero.
    ///
    /// # Errors
    /// [`IdError::NotPositive`] for zero and negative numbers.
    pub fn new(raw: i64) -> Result<Self, IdError> {
        if raw > 0 { Ok(Self(raw)) } else { Err(IdError::NotPositive(raw)) }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// The revision a change makes of this one.
    #[must_use]
    pub fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A todo about to be stored. Created todos are open; imported ones may be completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTodo {
    pub owner: UserId,
    pub title: TodoTitle,
    pub description: Option<TodoDescription>,
    pub completed: bool,
    pub created_at: Timestamp,
}

/// A partial update: each `None` leaves that field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TodoChanges {
    pub title: Option<TodoTitle>,
    /// `Some(None)` clears the description; `None` leaves it.
    pub description: Option<Option<TodoDescription>>,
    pub completed: Option<bool>,
}

impl From<TodoReplacement> for TodoChanges {
    /// A replacement is the change that sets every field.
    fn from(replacement: TodoReplacement) -> Self {
        Self {
            title: Some(replacement.title),
            description: Some(replacement.description),
            completed: Some(replacement.completed),
        }
    }
}

/// A full replacement of everything a user may edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoReplacement {
    pub title: TodoTitle,
    pub description: Option<TodoDescription>,
    pub completed: bool,
}

/// Which of a user's todos to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TodoFilter {
    /// `Some(true)` only completed ones, `Some(false)` only open ones, `None` all.
    pub completed: Option<bool>,
}

impl Todo {
    pub fn is_owned_by(&self, user: UserId) -> bool {
        self.owner == user
    }

    /// Applies a partial update. The change is recorded even when no field is
    /// given, as a `PATCH` with an empty body still touches the todo. Like every
    /// change, it makes the next revision.
    pub fn apply(&mut self, changes: TodoChanges, now: Timestamp) {
        if let Some(title) = changes.title {
            self.title = title;
        }
        if let Some(description) = changes.description {
            self.description = description;
        }
        if let Some(completed) = changes.completed {
            self.completed = completed;
        }
        self.touch(now);
    }

    pub fn replace(&mut self, replacement: TodoReplacement, now: Timestamp) {
        self.title = replacement.title;
        self.description = replacement.description;
        self.completed = replacement.completed;
        self.touch(now);
    }

    fn touch(&mut self, now: Timestamp) {
        self.updated_at = Some(now);
        self.revision = self.revision.next();
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn todo() -> Todo {
        Todo {
            id: TodoId::new(1).unwrap(),
            owner: UserId::new(7).unwrap(),
            title: TodoTitle::parse("Write tests").unwrap(),
            description: Some(TodoDescription::parse("all of them").unwrap()),
            completed: false,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            updated_at: None,
            revision: Revision::FIRST,
        }
    }

    fn later() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap()
    }

    #[test]
    fn an_empty_patch_changes_nothing_but_updated_at() {
        let mut changed = todo();
        changed.apply(TodoChanges::default(), later());
        assert_eq!(changed, Todo { updated_at: Some(later()), revision: Revision(2), ..todo() });
    }

    #[test]
    fn a_patch_changes_only_the_fields_it_names() {
        let mut changed = todo();
        changed.apply(TodoChanges { completed: Some(true), ..TodoChanges::default() }, later());
        assert!(changed.completed);
        assert_eq!(changed.title, todo().title);
        assert_eq!(changed.description, todo().description);
    }

    #[test]
    fn a_patch_can_clear_the_description() {
        let mut changed = todo();
        changed.apply(TodoChanges { description: Some(None), ..TodoChanges::default() }, later());
        assert_eq!(changed.description, None);
    }

    #[test]
    fn a_replacement_changes_every_editable_field() {
        let mut changed = todo();
        let title = TodoTitle::parse("Ship it").unwrap();
        changed
            .replace(TodoReplacement { title: title.clone(), description: None, completed: true }, later());
        assert_eq!(
            changed,
            Todo {
                title,
                description: None,
                completed: true,
                updated_at: Some(later()),
                revision: Revision(2),
                ..todo()
            }
        );
    }

    #[test]
    fn ownership_is_by_user_id() {
        assert!(todo().is_owned_by(UserId::new(7).unwrap()));
        assert!(!todo().is_owned_by(UserId::new(8).unwrap()));
    }
}
