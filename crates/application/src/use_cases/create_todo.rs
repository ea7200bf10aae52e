use std::sync::Arc;

use todo_domain::{NewTodo, Todo, TodoDescription, TodoTitle, UserId};
use tracing::instrument;

use crate::ports::{Clock, EventSignals, RepositoryError, Signal, TodoRepository};

/// Adds a todo to its owner's list, not yet completed.
pub struct CreateTodo {
    todos: Arc<dyn TodoRepository>,
    signals: Arc<dyn EventSignals>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateTodoError {
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl CreateTodo {
    pub fn new(
        todos: Arc<dyn TodoRepository>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { todos, clock, signals }
    }

    #[instrument(name = "create_todo", skip_all, fields(user_id = %owner))]
    pub async fn execute(
        &self,
        owner: UserId,
        title: TodoTitle,
        description: Option<TodoDescription>,
    ) -> Result<Todo, CreateTodoError> {
        let todo = NewTodo { owner, title, description, completed: false, created_at: self.clock.now() };
        let created = self.todos.insert(todo).await?;
        self.signals.publish(owner, Signal::Todos);
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{clock, now, signalling, todo, unavailable, user_id};

    fn create(todos: MockTodoRepository, publishes: usize) -> CreateTodo {
        CreateTodo::new(Arc::new(todos), Arc::new(clock()), Arc::new(signalling(2, Signal::Todos, publishes)))
    }

    #[tokio::test]
    async fn create_todo_stores_it_for_its_owner_at_the_current_time() {
        let title = TodoTitle::parse("todo 1").unwrap();
        let expected = NewTodo {
            owner: user_id(2),
            title: title.clone(),
            description: None,
            completed: false,
            created_at: now(),
        };
        let mut todos = MockTodoRepository::new();
        todos.expect_insert().with(eq(expected)).times(1).returning(|_| Ok(todo(1, 2)));
        assert_eq!(create(todos, 1).execute(user_id(2), title, None).await.unwrap(), todo(1, 2));
    }

    #[tokio::test]
    async fn create_todo_passes_storage_failures_on() {
        let mut todos = MockTodoRepository::new();
        todos.expect_insert().returning(|_| Err(unavailable()));
        let result = create(todos, 0).execute(user_id(2), TodoTitle::parse("x").unwrap(), None).await;
        assert!(matches!(result, Err(CreateTodoError::Repository(RepositoryError::Unavailable(_)))));
    }
}
