use std::sync::Arc;

use todo_domain::{IdempotencyKey, NewTodo, Todo, TodoDescription, TodoTitle, UserId};
use tracing::instrument;

use super::idempotency::{Answer, ClaimFailure, IdempotencyKeys, KeyError, field};
use crate::ports::{Clock, EventSignals, RecordedAnswer, RepositoryError, Signal, UnitOfWork};

/// [`super::CreateTodo`] under an idempotency key: the first request with the key creates
/// the todo and records the answer in the same transaction; a repeat replays that answer.
pub struct CreateTodoOnce {
    unit_of_work: Arc<dyn UnitOfWork>,
    keys: Arc<IdempotencyKeys>,
    clock: Arc<dyn Clock>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateTodoOnceError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl CreateTodoOnce {
    pub fn new(
        unit_of_work: Arc<dyn UnitOfWork>,
        keys: Arc<IdempotencyKeys>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { unit_of_work, keys, clock, signals }
    }

    /// `render` makes the answer for the todo created; it is what this request and every
    /// repeat of it answer.
    #[instrument(name = "create_todo_once", skip_all, fields(user_id = %owner))]
    pub async fn execute(
        &self,
        owner: UserId,
        title: TodoTitle,
        description: Option<TodoDescription>,
        key: IdempotencyKey,
        render: &(dyn Fn(&Todo) -> RecordedAnswer + Send + Sync),
    ) -> Result<Answer, CreateTodoOnceError> {
        let mut meaning = String::from("todos.create\0");
        field(&mut meaning, title.as_str());
        field(&mut meaning, description.as_ref().map_or("-", |_| "+"));
        field(&mut meaning, description.as_ref().map_or("", |d| d.as_str()));
        let request = self.keys.request(key, &meaning);
        if let Some(answer) =
            self.keys.claim(owner, &request).await.map_err(ClaimFailure::into_error::<CreateTodoOnceError>)?
        {
            return Ok(Answer::Replayed(answer));
        }
        let todo = NewTodo { owner, title, description, completed: false, created_at: self.clock.now() };
        let work = async {
            let transaction = self.unit_of_work.begin().await?;
            let created = transaction.todos().insert(todo).await?;
            let answer = render(&created);
            transaction
                .idempotency_keys()
                .complete(owner, &request, &answer)
                .await
                .map_err(ClaimFailure::recording)?;
            transaction.commit().await?;
            Ok::<_, ClaimFailure>(answer)
        };
        match work.await {
            Ok(answer) => {
                self.signals.publish(owner, Signal::Todos);
                Ok(Answer::Fresh(answer))
            }
            Err(failure) => {
                self.keys.release(owner, &request).await;
                Err(failure.into_error())
            }
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::ports::{
        Claim, IdempotencyStore, MockIdempotencyStore, MockTodoRepository, MockTransaction, MockUnitOfWork,
        TodoRepository, TokenHash,
    };
    use crate::use_cases::fixtures::{
        clock, secrets, session_id, signalling, silent, todo, unavailable, user_id,
    };

    fn key() -> IdempotencyKey {
        IdempotencyKey::parse("k-1").unwrap()
    }

    fn render(todo: &Todo) -> RecordedAnswer {
        RecordedAnswer { status: 201, body: format!("todo {}", todo.id) }
    }

    fn keys(claim: Claim, releases: usize) -> Arc<IdempotencyKeys> {
        let mut store = MockIdempotencyStore::new();
        let fingerprint = TokenHash("hash-of-todos.create\0buy\0-\0\0".into());
        store
            .expect_claim()
            .withf(move |user, request, _, _, _| *user == user_id(2) && request.fingerprint == fingerprint)
            .times(1)
            .return_once(move |_, _, _, _, _| Ok(claim));
        store
            .expect_release()
            .withf(|user, request| {
                *user == user_id(2) && request.key == key() && request.claim == session_id().as_str()
            })
            .times(releases)
            .returning(|_, _| Ok(()));
        Arc::new(IdempotencyKeys::new(Arc::new(store), Arc::new(secrets()), Arc::new(clock())))
    }

    /// A transaction that inserts (or fails to) and records the answer.
    fn unit_of_work(insert: Result<Todo, RepositoryError>, commits: bool) -> MockUnitOfWork {
        let mut todos = MockTodoRepository::new();
        todos.expect_insert().times(1).return_once(move |_| insert);
        let mut recorded = MockIdempotencyStore::new();
        let answer = RecordedAnswer { status: 201, body: "todo 1".into() };
        recorded
            .expect_complete()
            .withf(move |user, request, recorded| {
                *user == user_id(2) && request.key == key() && *recorded == answer
            })
            .times(usize::from(commits))
            .returning(|_, _, _| Ok(()));
        let mut transaction = MockTransaction::new();
        transaction.expect_todos().return_const(Box::new(todos) as Box<dyn TodoRepository>);
        transaction.expect_idempotency_keys().return_const(Box::new(recorded) as Box<dyn IdempotencyStore>);
        transaction.expect_commit().times(usize::from(commits)).returning(|| Ok(()));
        let mut unit_of_work = MockUnitOfWork::new();
        unit_of_work.expect_begin().return_once(move || Ok(Box::new(transaction)));
        unit_of_work
    }

    async fn create(once: CreateTodoOnce) -> Result<Answer, CreateTodoOnceError> {
        once.execute(user_id(2), TodoTitle::parse("buy").unwrap(), None, key(), &render).await
    }

    #[tokio::test]
    async fn the_first_request_creates_and_records_its_answer_in_one_transaction() {
        let signals = Arc::new(signalling(2, Signal::Todos, 1));
        let once = CreateTodoOnce::new(
            Arc::new(unit_of_work(Ok(todo(1, 2)), true)),
            keys(Claim::Claimed, 0),
            Arc::new(clock()),
            signals,
        );
        let answer = RecordedAnswer { status: 201, body: "todo 1".into() };
        assert_eq!(create(once).await.unwrap(), Answer::Fresh(answer));
    }

    #[tokio::test]
    async fn a_repeat_replays_the_recorded_answer_and_writes_nothing() {
        let answer = RecordedAnswer { status: 201, body: "first".into() };
        let once = CreateTodoOnce::new(
            Arc::new(MockUnitOfWork::new()),
            keys(Claim::Answered(answer.clone()), 0),
            Arc::new(clock()),
            Arc::new(silent()),
        );
        assert_eq!(create(once).await.unwrap(), Answer::Replayed(answer));
    }

    #[tokio::test]
    async fn a_key_of_another_request_or_in_flight_is_refused() {
        for (claim, expected) in [(Claim::OtherRequest, "other"), (Claim::InFlight, "in flight")] {
            let once = CreateTodoOnce::new(
                Arc::new(MockUnitOfWork::new()),
                keys(claim, 0),
                Arc::new(clock()),
                Arc::new(silent()),
            );
            match (create(once).await, expected) {
                (Err(CreateTodoOnceError::Key(KeyError::OtherRequest)), "other")
                | (Err(CreateTodoOnceError::Key(KeyError::InFlight)), "in flight") => {}
                (other, _) => panic!("{expected}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_failed_write_gives_the_key_back() {
        let once = CreateTodoOnce::new(
            Arc::new(unit_of_work(Err(unavailable()), false)),
            keys(Claim::Claimed, 1),
            Arc::new(clock()),
            Arc::new(silent()),
        );
        assert!(matches!(create(once).await, Err(CreateTodoOnceError::Repository(_))));
    }

    #[tokio::test]
    async fn an_attempt_that_outran_its_lease_writes_nothing_and_is_told_another_holds_the_key() {
        let mut todos = MockTodoRepository::new();
        todos.expect_insert().times(1).returning(|_| Ok(todo(1, 2)));
        let mut recorded = MockIdempotencyStore::new();
        recorded.expect_complete().times(1).returning(|_, _, _| Err(RepositoryError::NotFound));
        let mut transaction = MockTransaction::new();
        transaction.expect_todos().return_const(Box::new(todos) as Box<dyn TodoRepository>);
        transaction.expect_idempotency_keys().return_const(Box::new(recorded) as Box<dyn IdempotencyStore>);
        transaction.expect_commit().never();
        let mut unit_of_work = MockUnitOfWork::new();
        unit_of_work.expect_begin().return_once(move || Ok(Box::new(transaction)));
        let once = CreateTodoOnce::new(
            Arc::new(unit_of_work),
            keys(Claim::Claimed, 1),
            Arc::new(clock()),
            Arc::new(silent()),
        );
        assert!(matches!(create(once).await, Err(CreateTodoOnceError::Key(KeyError::InFlight))));
    }
}
