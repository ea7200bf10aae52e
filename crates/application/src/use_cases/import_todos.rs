use std::sync::Arc;

use todo_domain::{IdempotencyKey, NewTodo, TodoDescription, TodoTitle, UserId};
use tracing::instrument;

use super::idempotency::{Answer, ClaimFailure, IdempotencyKeys, KeyError, field};
use crate::ports::{Clock, EventSignals, RecordedAnswer, RepositoryError, Signal, UnitOfWork};

/// The most todos one import may create.
pub const IMPORT_MAX_TODOS: usize = 10_000;

/// A todo as an import brings it: unlike a created one, it may be completed already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTodo {
    pub title: TodoTitle,
    pub description: Option<TodoDescription>,
    pub completed: bool,
}

/// Creates many todos for the caller at once: all of them, or none (one transaction). Under
/// an idempotency key, a repeat replays the first answer and creates nothing.
pub struct ImportTodos {
    unit_of_work: Arc<dyn UnitOfWork>,
    keys: Arc<IdempotencyKeys>,
    clock: Arc<dyn Clock>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportTodosError {
    #[error("an import creates at most {IMPORT_MAX_TODOS} todos")]
    TooMany,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl ImportTodos {
    pub fn new(
        unit_of_work: Arc<dyn UnitOfWork>,
        keys: Arc<IdempotencyKeys>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { unit_of_work, keys, clock, signals }
    }

    /// Creates all of `todos`, in their order, with one creation time; `render` makes the
    /// answer from how many were created.
    #[instrument(name = "import_todos", skip_all, fields(user_id = %owner, count = todos.len()))]
    pub async fn execute(
        &self,
        owner: UserId,
        todos: Vec<ImportedTodo>,
        key: Option<IdempotencyKey>,
        render: &(dyn Fn(u64) -> RecordedAnswer + Send + Sync),
    ) -> Result<Answer, ImportTodosError> {
        if todos.len() > IMPORT_MAX_TODOS {
            return Err(ImportTodosError::TooMany);
        }
        let request = key.map(|key| self.keys.request(key, &meaning(&todos)));
        if let Some(request) = &request
            && let Some(answer) =
                self.keys.claim(owner, request).await.map_err(ClaimFailure::into_error::<ImportTodosError>)?
        {
            return Ok(Answer::Replayed(answer));
        }
        let created_at = self.clock.now();
        let new: Vec<NewTodo> = todos
            .into_iter()
            .map(|todo| NewTodo {
                owner,
                title: todo.title,
                description: todo.description,
                completed: todo.completed,
                created_at,
            })
            .collect();
        let work = async {
            let transaction = self.unit_of_work.begin().await?;
            let created = if new.is_empty() { 0 } else { transaction.todos().insert_many(new).await? };
            let answer = render(created);
            if let Some(request) = &request {
                transaction
                    .idempotency_keys()
                    .complete(owner, request, &answer)
                    .await
                    .map_err(ClaimFailure::recording)?;
            }
            transaction.commit().await?;
            Ok::<_, ClaimFailure>((created, answer))
        };
        match work.await {
            Ok((created, answer)) => {
                if created > 0 {
                    self.signals.publish(owner, Signal::Todos);
                }
                Ok(Answer::Fresh(answer))
            }
            Err(failure) => {
                if let Some(request) = &request {
                    self.keys.release(owner, request).await;
                }
                Err(failure.into_error())
            }
        }
    }
}

/// The import's canonical form: each todo's fields, in order.
fn meaning(todos: &[ImportedTodo]) -> String {
    let mut form = String::from("todos.import\0");
    for todo in todos {
        field(&mut form, todo.title.as_str());
        field(&mut form, todo.description.as_ref().map_or("-", |_| "+"));
        field(&mut form, todo.description.as_ref().map_or("", |d| d.as_str()));
        field(&mut form, if todo.completed { "1" } else { "0" });
    }
    form
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{
        MockIdempotencyStore, MockTodoRepository, MockTransaction, MockUnitOfWork, TodoRepository,
    };
    use crate::use_cases::fixtures::{clock, now, secrets, signalling, silent, unavailable, user_id};

    fn render(created: u64) -> RecordedAnswer {
        RecordedAnswer { status: 201, body: created.to_string() }
    }

    fn no_keys() -> Arc<IdempotencyKeys> {
        Arc::new(IdempotencyKeys::new(
            Arc::new(MockIdempotencyStore::new()),
            Arc::new(secrets()),
            Arc::new(clock()),
        ))
    }

    fn import(unit_of_work: MockUnitOfWork, signals: crate::ports::MockEventSignals) -> ImportTodos {
        ImportTodos::new(Arc::new(unit_of_work), no_keys(), Arc::new(clock()), Arc::new(signals))
    }

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
        let import = import(unit_of_work(todos, true), signalling(2, Signal::Todos, 1));
        let todos = vec![imported("a", false), imported("b", true)];
        let answer = import.execute(user_id(2), todos, None, &render).await;
        assert_eq!(answer.unwrap(), Answer::Fresh(render(2)));
    }

    #[tokio::test]
    async fn import_todos_commits_nothing_when_storing_fails() {
        let mut todos = MockTodoRepository::new();
        todos.expect_insert_many().returning(|_| Err(unavailable()));
        let import = import(unit_of_work(todos, false), silent());
        let outcome = import.execute(user_id(2), vec![imported("a", false)], None, &render).await;
        assert!(matches!(outcome, Err(ImportTodosError::Repository(_))));
    }

    #[tokio::test]
    async fn import_todos_refuses_more_than_the_limit_before_touching_storage() {
        let import = import(MockUnitOfWork::new(), silent());
        let too_many = vec![imported("a", false); IMPORT_MAX_TODOS + 1];
        let outcome = import.execute(user_id(2), too_many, None, &render).await;
        assert!(matches!(outcome, Err(ImportTodosError::TooMany)));
    }

    #[test]
    fn the_meaning_of_an_import_tells_every_field_apart() {
        let with = |description: Option<&str>| ImportedTodo {
            description: description.map(|text| TodoDescription::parse(text).unwrap()),
            ..imported("a", false)
        };
        let forms = [
            meaning(&[with(None)]),
            meaning(&[with(Some(""))]),
            meaning(&[imported("a", true)]),
            meaning(&[imported("a", false), imported("b", false)]),
            meaning(&[imported("ab", false)]),
        ];
        let distinct: std::collections::HashSet<_> = forms.iter().collect();
        assert_eq!(distinct.len(), forms.len(), "{forms:?}");
    }
}
