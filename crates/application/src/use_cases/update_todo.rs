use std::sync::Arc;

use todo_domain::{Todo, TodoChanges, TodoId, UserId};
use tracing::instrument;

use super::precondition::{ChangeFailure, Precondition, change_owned};
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
    /// The todo is not at a revision the client's `If-Match` names.
    #[error("precondition failed")]
    PreconditionFailed,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<ChangeFailure> for UpdateTodoError {
    fn from(failure: ChangeFailure) -> Self {
        match failure {
            ChangeFailure::NotFound => Self::NotFound,
            ChangeFailure::PreconditionFailed => Self::PreconditionFailed,
            ChangeFailure::Repository(error) => Self::Repository(error),
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
        precondition: &Precondition,
    ) -> Result<Todo, UpdateTodoError> {
        let now = self.clock.now();
        let todo = change_owned(self.todos.as_ref(), owner, id, precondition, |todo| {
            todo.apply(changes.clone(), now);
        })
        .await?;
        self.signals.publish(owner, Signal::Todos);
        Ok(todo)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::Revision;

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{
        clock, now, signalling, todo, todo_id, todos_holding, unavailable, user_id,
    };

    async fn update_if(
        todos: MockTodoRepository,
        owner: i64,
        publishes: usize,
        precondition: Precondition,
    ) -> Result<Todo, UpdateTodoError> {
        let changes = TodoChanges { completed: Some(true), ..TodoChanges::default() };
        UpdateTodo::new(
            Arc::new(todos),
            Arc::new(clock()),
            Arc::new(signalling(owner, Signal::Todos, publishes)),
        )
        .execute(user_id(owner), todo_id(1), changes, &precondition)
        .await
    }

    async fn update(
        todos: MockTodoRepository,
        owner: i64,
        publishes: usize,
    ) -> Result<Todo, UpdateTodoError> {
        update_if(todos, owner, publishes, Precondition::None).await
    }

    fn revision(raw: i64) -> Revision {
        Revision::new(raw).unwrap()
    }

    fn completed() -> Todo {
        Todo { completed: true, updated_at: Some(now()), revision: revision(2), ..todo(1, 2) }
    }

    #[tokio::test]
    async fn update_todo_stores_the_changed_fields_the_time_and_the_next_revision() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().with(eq(completed())).times(1).returning(|_| Ok(()));
        assert_eq!(update(todos, 2, 1).await.unwrap(), completed());
    }

    #[tokio::test]
    async fn update_todo_with_a_matching_revision_changes_it() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().with(eq(completed())).times(1).returning(|_| Ok(()));
        let outcome = update_if(todos, 2, 1, Precondition::OneOf(vec![revision(1)])).await;
        assert_eq!(outcome.unwrap(), completed());
    }

    #[tokio::test]
    async fn update_todo_with_another_revision_fails_and_changes_nothing() {
        let todos = todos_holding(Some(todo(1, 2))); // an update would panic
        let outcome = update_if(todos, 2, 0, Precondition::OneOf(vec![revision(2)])).await;
        assert!(matches!(outcome, Err(UpdateTodoError::PreconditionFailed)));
    }

    #[tokio::test]
    async fn update_todo_changed_meanwhile_fails_the_clients_precondition() {
        let mut todos = MockTodoRepository::new();
        let mut reads = vec![Todo { revision: revision(2), ..todo(1, 2) }, todo(1, 2)];
        todos.expect_find().times(2).returning(move |_| Ok(reads.pop()));
        todos.expect_update().times(1).returning(|_| Err(RepositoryError::Stale));
        let outcome = update_if(todos, 2, 0, Precondition::OneOf(vec![revision(1)])).await;
        assert!(matches!(outcome, Err(UpdateTodoError::PreconditionFailed)));
    }

    #[tokio::test]
    async fn update_todo_changed_meanwhile_without_precondition_is_made_again_on_the_new_revision() {
        let mut todos = MockTodoRepository::new();
        let mut reads = vec![Todo { revision: revision(2), ..todo(1, 2) }, todo(1, 2)];
        todos.expect_find().times(2).returning(move |_| Ok(reads.pop()));
        let mut writes = vec![Ok(()), Err(RepositoryError::Stale)];
        todos.expect_update().times(2).returning(move |_| writes.pop().unwrap());
        let stored = update(todos, 2, 1).await.unwrap();
        assert_eq!(stored, Todo { revision: revision(3), ..completed() });
    }

    #[tokio::test]
    async fn update_todo_gives_up_after_a_few_lost_races() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_update().times(100).returning(|_| Err(RepositoryError::Stale));
        let outcome = update(todos, 2, 0).await;
        assert!(matches!(outcome, Err(UpdateTodoError::Repository(RepositoryError::Stale))));
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
