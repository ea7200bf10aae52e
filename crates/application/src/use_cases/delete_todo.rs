use std::sync::Arc;

use todo_domain::{TodoId, UserId};
use tracing::instrument;

use super::find_owned;
use crate::ports::{EventSignals, RepositoryError, Signal, TodoRepository};

/// Deletes one of the caller's own todos.
pub struct DeleteTodo {
    todos: Arc<dyn TodoRepository>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteTodoError {
    /// It does not exist, belongs to someone else, or was deleted meanwhile.
    #[error("todo not found")]
    NotFound,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<RepositoryError> for DeleteTodoError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::NotFound => Self::NotFound,
            other => Self::Repository(other),
        }
    }
}

impl DeleteTodo {
    pub fn new(todos: Arc<dyn TodoRepository>, signals: Arc<dyn EventSignals>) -> Self {
        Self { todos, signals }
    }

    #[instrument(name = "delete_todo", skip_all, fields(user_id = %owner, todo_id = %id))]
    pub async fn execute(&self, owner: UserId, id: TodoId) -> Result<(), DeleteTodoError> {
        let todo = find_owned(self.todos.as_ref(), owner, id).await?.ok_or(DeleteTodoError::NotFound)?;
        self.todos.delete(todo.id).await?;
        self.signals.publish(owner, Signal::Todos);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{signalling, todo, todo_id, todos_holding, unavailable, user_id};

    async fn delete(todos: MockTodoRepository, owner: i64, publishes: usize) -> Result<(), DeleteTodoError> {
        DeleteTodo::new(Arc::new(todos), Arc::new(signalling(owner, Signal::Todos, publishes)))
            .execute(user_id(owner), todo_id(1))
            .await
    }

    #[tokio::test]
    async fn delete_todo_deletes_the_owners_todo() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_delete().with(eq(todo_id(1))).times(1).returning(|_| Ok(()));
        assert!(delete(todos, 2, 1).await.is_ok());
    }

    #[tokio::test]
    async fn delete_todo_leaves_someone_elses_todo_alone() {
        assert!(matches!(
            delete(todos_holding(Some(todo(1, 2))), 3, 0).await,
            Err(DeleteTodoError::NotFound)
        ));
    }

    #[tokio::test]
    async fn delete_todo_reports_a_missing_todo_as_not_found() {
        assert!(matches!(delete(todos_holding(None), 2, 0).await, Err(DeleteTodoError::NotFound)));
    }

    #[tokio::test]
    async fn delete_todo_reports_a_todo_deleted_meanwhile_as_not_found() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_delete().returning(|_| Err(RepositoryError::NotFound));
        assert!(matches!(delete(todos, 2, 0).await, Err(DeleteTodoError::NotFound)));
    }

    #[tokio::test]
    async fn delete_todo_passes_storage_failures_on() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_delete().returning(|_| Err(unavailable()));
        assert!(matches!(delete(todos, 2, 0).await, Err(DeleteTodoError::Repository(_))));
    }
}
