use std::sync::Arc;

use todo_domain::{Todo, TodoChanges, TodoId, TodoReplacement, UserId};
use tracing::instrument;

use super::precondition::{ChangeFailure, Precondition, change_owned};
use crate::ports::{Clock, EventSignals, RepositoryError, Signal, TodoRepository};

/// Replaces every editable field of one of the caller's own todos (HTTP `PUT`).
pub struct ReplaceTodo {
    todos: Arc<dyn TodoRepository>,
    signals: Arc<dyn EventSignals>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplaceTodoError {
    /// It does not exist, belongs to someone else, or was deleted meanwhile.
    #[error("todo not found")]
    NotFound,
    /// The todo is not at a revision the client's `If-Match` names.
    #[error("precondition failed")]
    PreconditionFailed,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<ChangeFailure> for ReplaceTodoError {
    fn from(failure: ChangeFailure) -> Self {
        match failure {
            ChangeFailure::NotFound => Self::NotFound,
            ChangeFailure::PreconditionFailed => Self::PreconditionFailed,
            ChangeFailure::Repository(error) => Self::Repository(error),
        }
    }
}

impl ReplaceTodo {
    pub fn new(
        todos: Arc<dyn TodoRepository>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { todos, clock, signals }
    }

    #[instrument(name = "replace_todo", skip_all, fields(user_id = %owner, todo_id = %id))]
    pub async fn execute(
        &self,
        owner: UserId,
        id: TodoId,
        replacement: TodoReplacement,
        precondition: &Precondition,
    ) -> Result<Todo, ReplaceTodoError> {
        let changes = TodoChanges::from(replacement);
        let todo =
            change_owned(self.todos.as_ref(), owner, id, precondition, changes, self.clock.now()).await?;
        self.signals.publish(owner, Signal::Todos);
        Ok(todo)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::{Revision, TodoTitle};

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{clock, now, signalling, todo, todo_id, user_id};

    fn replacement() -> TodoReplacement {
        TodoReplacement { title: TodoTitle::parse("new").unwrap(), description: None, completed: true }
    }

    #[tokio::test]
    async fn replace_todo_sets_every_field_in_one_statement() {
        let stored = Todo { title: replacement().title, description: None, completed: true, ..todo(1, 2) };
        let mut todos = MockTodoRepository::new();
        let every_field =
            TodoChanges { title: Some(replacement().title), description: Some(None), completed: Some(true) };
        let returned = stored.clone();
        todos
            .expect_change()
            .with(eq(user_id(2)), eq(todo_id(1)), eq(every_field), eq(now()), eq(None))
            .times(1)
            .return_once(move |_, _, _, _, _| Ok(Some(returned)));
        let replaced =
            ReplaceTodo::new(Arc::new(todos), Arc::new(clock()), Arc::new(signalling(2, Signal::Todos, 1)))
                .execute(user_id(2), todo_id(1), replacement(), &Precondition::None)
                .await;
        assert_eq!(replaced.unwrap(), stored);
    }

    #[tokio::test]
    async fn replace_todo_at_another_revision_fails_the_precondition() {
        let mut todos = MockTodoRepository::new();
        todos.expect_change().return_once(|_, _, _, _, _| Ok(None));
        todos.expect_find().returning(|_| Ok(Some(todo(1, 2))));
        let stale = Precondition::OneOf(vec![Revision::new(5).unwrap()]);
        let outcome =
            ReplaceTodo::new(Arc::new(todos), Arc::new(clock()), Arc::new(signalling(2, Signal::Todos, 0)))
                .execute(user_id(2), todo_id(1), replacement(), &stale)
                .await;
        assert!(matches!(outcome, Err(ReplaceTodoError::PreconditionFailed)));
    }
}
