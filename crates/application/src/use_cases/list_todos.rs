use std::sync::Arc;

use todo_domain::{Page, Todo, TodoFilter, UserId};
use tracing::instrument;

use crate::ports::{RepositoryError, TodoRepository};

/// One page of the caller's own todos, oldest first.
pub struct ListTodos {
    todos: Arc<dyn TodoRepository>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListTodosError {
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl ListTodos {
    pub fn new(todos: Arc<dyn TodoRepository>) -> Self {
        Self { todos }
    }

    #[instrument(name = "list_todos", skip_all, fields(user_id = %owner))]
    pub async fn execute(
        &self,
        owner: UserId,
        filter: TodoFilter,
        page: Page,
    ) -> Result<Vec<Todo>, ListTodosError> {
        Ok(self.todos.list(owner, filter, page).await?)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{todo, unavailable, user_id};

    #[tokio::test]
    async fn list_todos_asks_only_for_the_owners_todos_with_the_filter_and_page() {
        let filter = TodoFilter { completed: Some(true) };
        let page = Page::new(5, 10).unwrap();
        let mut todos = MockTodoRepository::new();
        todos
            .expect_list()
            .with(eq(user_id(2)), eq(filter), eq(page))
            .times(1)
            .returning(|_, _, _| Ok(vec![todo(1, 2), todo(3, 2)]));
        let listed = ListTodos::new(Arc::new(todos)).execute(user_id(2), filter, page).await.unwrap();
        assert_eq!(listed, vec![todo(1, 2), todo(3, 2)]);
    }

    #[tokio::test]
    async fn list_todos_passes_storage_failures_on() {
        let mut todos = MockTodoRepository::new();
        todos.expect_list().returning(|_, _, _| Err(unavailable()));
        let result =
            ListTodos::new(Arc::new(todos)).execute(user_id(2), TodoFilter::default(), Page::default()).await;
        assert!(matches!(result, Err(ListTodosError::Repository(_))));
    }
}
