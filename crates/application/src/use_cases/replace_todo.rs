use std::sync::Arc;

use todo_domain::{Todo, TodoId, TodoReplacement, UserId};
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
        let now = self.clock.now();
        let todo = change_owned(self.todos.as_ref(), owner, id, precondition, |todo| {
            todo.replace(replacement.clone(), now);
        })
        .await?;
        self.signals.publish(owner, Signal::Todos);
        Ok(todo)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::TodoTitle;

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{
        clock, now, signalling, todo, todo_id, todos_holding, unavailable, user_id,
    };

    fn replacement() -> TodoReplacement {
        TodoReplacement { title: TodoTitle::parse("new").unwrap(), description: None, completed: true }
    }

    async fn replace(
        todos: MockTodoRepository,
        owner: i64,
        publishes: usize,
    ) -> Result<Todo, ReplaceTodoError> {
        ReplaceTodo::new(
            Arc::new(todos),
            Arc::new(clock()),
            Arc::new(signalling(owner, Signal::Todos, publishes)),
        )
        .execute(user_id(owner), todo_id(1), replacement(), &Precondition::None)
        .await
    }

    #[tokio::test]
    async fn replace_todo_stores_every_field_the_time_and_the_next_revision() {
        let expected = Todo {
            title: replacement().title,
            description: None,
            completed: true,
            updated_at: Some(now()),
            revision: todo(1, 2).revision.next(),
            ..todo(1, 2)
        };
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().with(eq(expected.clone())).times(1).returning(|_| Ok(()));
        assert_eq!(replace(todos, 2, 1).await.unwrap(), expected);
    }

    #[tokio::test]
    async fn replace_todo_hides_someone_elses_todo_and_changes_nothing() {
        assert!(matches!(
            replace(todos_holding(Some(todo(1, 2))), 3, 0).await,
            Err(ReplaceTodoError::NotFound)
        ));
    }

    #[tokio::test]
    async fn replace_todo_reports_a_missing_todo_as_not_found() {
        assert!(matches!(replace(todos_holding(None), 2, 0).await, Err(ReplaceTodoError::NotFound)));
    }

    #[tokio::test]
    async fn replace_todo_with_another_revision_fails_and_changes_nothing() {
        let todos = todos_holding(Some(todo(1, 2))); // an update would panic
        let stale = Precondition::OneOf(vec![todo(1, 2).revision.next()]);
        let outcome =
            ReplaceTodo::new(Arc::new(todos), Arc::new(clock()), Arc::new(signalling(2, Signal::Todos, 0)))
                .execute(user_id(2), todo_id(1), replacement(), &stale)
                .await;
        assert!(matches!(outcome, Err(ReplaceTodoError::PreconditionFailed)));
    }

    #[tokio::test]
    async fn replace_todo_reports_a_todo_deleted_meanwhile_as_not_found() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().returning(|_| Err(RepositoryError::NotFound));
        assert!(matches!(replace(todos, 2, 0).await, Err(ReplaceTodoError::NotFound)));
    }

    #[tokio::test]
    async fn replace_todo_passes_storage_failures_on() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().returning(|_| Err(unavailable()));
        assert!(matches!(replace(todos, 2, 0).await, Err(ReplaceTodoError::Repository(_))));
    }
}
