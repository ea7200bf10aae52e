use std::sync::Arc;

use todo_domain::{Todo, TodoChanges, TodoId, UserId};
use tracing::instrument;

use super::find_owned;
use crate::ports::{Clock, EventSignals, RepositoryError, Signal, TodoRepository};

/// Changes some fields of one of the caller's own todos (HTTP `PATCH`).
pub struct UpdateTodo {
    todos: Arc<dyn TodoRepository>,
    signals: Arc<dyn EventSignals>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateTodoError {
    /// It does not exist, belongs to someone else, or was deleted meanwhile.
    #[error("todo not found")]
    NotFound,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<RepositoryError> for UpdateTodoError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::NotFound => Self::NotFound,
            other => Self::Repository(other),
        }
    }
}

impl UpdateTodo {
    pub fn new(
        todos: Arc<dyn TodoRepository>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { todos, clock, signals }
    }

    #[instrument(name = "update_todo", skip_all, fields(user_id = %owner, todo_id = %id))]
    pub async fn execute(
        &self,
        owner: UserId,
        id: TodoId,
        changes: TodoChanges,
    ) -> Result<Todo, UpdateTodoError> {
        let mut todo = find_owned(self.todos.as_ref(), owner, id).await?.ok_or(UpdateTodoError::NotFound)?;
        todo.apply(changes, self.clock.now());
        self.todos.update(&todo).await?;
        self.signals.publish(owner, Signal::Todos);
        Ok(todo)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{
        clock, now, signalling, todo, todo_id, todos_holding, unavailable, user_id,
    };

    async fn update(
        todos: MockTodoRepository,
        owner: i64,
        publishes: usize,
    ) -> Result<Todo, UpdateTodoError> {
        let changes = TodoChanges { completed: Some(true), ..TodoChanges::default() };
        UpdateTodo::new(
            Arc::new(todos),
            Arc::new(clock()),
            Arc::new(signalling(owner, Signal::Todos, publishes)),
        )
        .execute(user_id(owner), todo_id(1), changes)
        .await
    }

    #[tokio::test]
    async fn update_todo_stores_the_changed_fields_and_the_time() {
        let expected = Todo { completed: true, updated_at: Some(now()), ..todo(1, 2) };
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().with(eq(expected.clone())).times(1).returning(|_| Ok(()));
        assert_eq!(update(todos, 2, 1).await.unwrap(), expected);
    }

    #[tokio::test]
    async fn update_todo_hides_someone_elses_todo_and_changes_nothing() {
        let todos = todos_holding(Some(todo(1, 2))); // an update would panic
        assert!(matches!(update(todos, 3, 0).await, Err(UpdateTodoError::NotFound)));
    }

    #[tokio::test]
    async fn update_todo_reports_a_missing_todo_as_not_found() {
        assert!(matches!(update(todos_holding(None), 2, 0).await, Err(UpdateTodoError::NotFound)));
    }

    #[tokio::test]
    async fn update_todo_reports_a_todo_deleted_meanwhile_as_not_found() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().returning(|_| Err(RepositoryError::NotFound));
        assert!(matches!(update(todos, 2, 0).await, Err(UpdateTodoError::NotFound)));
    }

    #[tokio::test]
    async fn update_todo_passes_storage_failures_on() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().returning(|_| Err(unavailable()));
        assert!(matches!(update(todos, 2, 0).await, Err(UpdateTodoError::Repository(_))));
    }
}
