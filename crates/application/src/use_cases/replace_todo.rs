use std::sync::Arc;

use todo_domain::{Todo, TodoId, TodoReplacement, UserId};
use tracing::instrument;

use super::find_owned;
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
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<RepositoryError> for ReplaceTodoError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::NotFound => Self::NotFound,
            other => Self::Repository(other),
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
    ) -> Result<Todo, ReplaceTodoError> {
        let mut todo = find_owned(self.todos.as_ref(), owner, id).await?.ok_or(ReplaceTodoError::NotFound)?;
        todo.replace(replacement, self.clock.now());
        self.todos.update(&todo).await?;
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
        .execute(user_id(owner), todo_id(1), replacement())
        .await
    }

    #[tokio::test]
    async fn replace_todo_stores_every_field_and_the_time() {
        let expected = Todo {
            title: replacement().title,
            description: None,
            completed: true,
            updated_at: Some(now()),
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
