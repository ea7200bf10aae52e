use std::sync::Arc;

use todo_domain::{Todo, TodoId, UserId};
use tracing::instrument;

use super::find_owned;
use crate::ports::{RepositoryError, TodoRepository};

/// One of the caller's own todos.
pub struct GetTodo {
    todos: Arc<dyn TodoRepository>,
}

#[derive(Debug, thiserror::Error)]
pub enum GetTodoError {
    /// It does not exist, or it belongs to someone else.
    #[error("todo not found")]
    NotFound,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl GetTodo {
    pub fn new(todos: Arc<dyn TodoRepository>) -> Self {
        Self { todos }
    }

    #[instrument(name = "get_todo", skip_all, fields(user_id = %owner, todo_id = %id))]
    pub async fn execute(&self, owner: UserId, id: TodoId) -> Result<Todo, GetTodoError> {
        find_owned(self.todos.as_ref(), owner, id).await?.ok_or(GetTodoError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{todo, todo_id, todos_holding, unavailable, user_id};

    async fn get(todos: MockTodoRepository, owner: i64) -> Result<Todo, GetTodoError> {
        GetTodo::new(Arc::new(todos)).execute(user_id(owner), todo_id(1)).await
    }

    #[tokio::test]
    async fn get_todo_returns_the_owners_todo() {
        assert_eq!(get(todos_holding(Some(todo(1, 2))), 2).await.unwrap(), todo(1, 2));
    }

    #[tokio::test]
    async fn get_todo_hides_someone_elses_todo_as_not_found() {
        assert!(matches!(get(todos_holding(Some(todo(1, 2))), 3).await, Err(GetTodoError::NotFound)));
    }

    #[tokio::test]
    async fn get_todo_reports_a_missing_todo_as_not_found() {
        assert!(matches!(get(todos_holding(None), 2).await, Err(GetTodoError::NotFound)));
    }

    #[tokio::test]
    async fn get_todo_passes_storage_failures_on() {
        let mut todos = MockTodoRepository::new();
        todos.expect_find().returning(|_| Err(unavailable()));
        assert!(matches!(get(todos, 2).await, Err(GetTodoError::Repository(_))));
    }
}
