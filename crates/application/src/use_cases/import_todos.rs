use std::sync::Arc;

use todo_domain::{NewTodo, TodoDescription, TodoTitle, UserId};
use tracing::instrument;

use crate::ports::{Clock, EventSignals, RepositoryError, Signal, UnitOfWork};

/// The most todos one import may create.
pub const IMPORT_MAX_TODOS: usize = 10_000;

/// A todo as an import brings it: unlike a created one, it may be completed already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTodo {
    pub title: TodoTitle,
    pub description: Option<TodoDescription>,
    pub completed: bool,
}

/// Creates many todos for the caller at once: all of them, or none (one transaction).
pub struct ImportTodos {
    unit_of_work: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportTodosError {
    #[error("an import creates at most {IMPORT_MAX_TODOS} todos")]
    TooMany,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl ImportTodos {
    pub fn new(
        unit_of_work: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { unit_of_work, clock, signals }
    }

    /// How many todos were created: all of `todos`, in their order, with one creation time.
    #[instrument(name = "import_todos", skip_all, fields(user_id = %owner, count = todos.len()))]
    pub async fn execute(&self, owner: UserId, todos: Vec<ImportedTodo>) -> Result<u64, ImportTodosError> {
        if todos.len() > IMPORT_MAX_TODOS {
            return Err(ImportTodosError::TooMany);
        }
        if todos.is_empty() {
            return Ok(0);
        }
        let created_at = self.clock.now();
        let new = todos
            .into_iter()
            .map(|todo| NewTodo {
                owner,
                title: todo.title,
                description: todo.description,
                completed: todo.completed,
                created_at,
            })
            .collect();
        let transaction = self.unit_of_work.begin().await?;
        let created = transaction.todos().insert_many(new).await?;
        transaction.commit().await?;
        self.signals.publish(owner, Signal::Todos);
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockTodoRepository, MockTransaction, MockUnitOfWork, TodoRepository};
    use crate::use_cases::fixtures::{clock, now, signalling, silent, unavailable, user_id};

    fn imported(title: &str, completed: bool) -> ImportedTodo {
        ImportedTodo { title: TodoTitle::parse(title).unwrap(), description: None, completed }
    }

    fn unit_of_work(todos: MockTodoRepository, commits: bool) -> MockUnitOfWork {
        let mut transaction = MockTransaction::new();
        transaction.expect_todos().return_const(Box::new(todos) as Box<dyn TodoRepository>);
        transaction.expect_commit().times(usize::from(commits)).returning(|| Ok(()));
        let mut unit_of_work = MockUnitOfWork::new();
        unit_of_work.expect_begin().return_once(move || Ok(Box::new(transaction)));
        unit_of_work
    }

    #[tokio::test]
    async fn import_todos_creates_them_all_in_one_transaction_for_the_caller() {
        let mut todos = MockTodoRepository::new();
        todos
            .expect_insert_many()
            .withf(|new| {
                new.len() == 2
                    && new.iter().all(|todo| todo.owner == user_id(2) && todo.created_at == now())
                    && new[0].title.as_str() == "a"
                    && !new[0].completed
                    && new[1].completed
            })
            .times(1)
            .returning(|new| Ok(new.len() as u64));
        let import = ImportTodos::new(
            Arc::new(unit_of_work(todos, true)),
            Arc::new(clock()),
            Arc::new(signalling(2, Signal::Todos, 1)),
        );
        let created = import.execute(user_id(2), vec![imported("a", false), imported("b", true)]).await;
        assert_eq!(created.unwrap(), 2);
    }

    #[tokio::test]
    async fn import_todos_commits_nothing_when_storing_fails() {
        let mut todos = MockTodoRepository::new();
        todos.expect_insert_many().returning(|_| Err(unavailable()));
        let import =
            ImportTodos::new(Arc::new(unit_of_work(todos, false)), Arc::new(clock()), Arc::new(silent()));
        let outcome = import.execute(user_id(2), vec![imported("a", false)]).await;
        assert!(matches!(outcome, Err(ImportTodosError::Repository(_))));
    }

    #[tokio::test]
    async fn import_todos_refuses_more_than_the_limit_before_touching_storage() {
        let import = ImportTodos::new(Arc::new(MockUnitOfWork::new()), Arc::new(clock()), Arc::new(silent()));
        let too_many = vec![imported("a", false); IMPORT_MAX_TODOS + 1];
        assert!(matches!(import.execute(user_id(2), too_many).await, Err(ImportTodosError::TooMany)));
        assert_eq!(import.execute(user_id(2), Vec::new()).await.unwrap(), 0);
    }
}
