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
        let todo =
            change_owned(self.todos.as_ref(), owner, id, precondition, changes, self.clock.now()).await?;
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

    fn changes() -> TodoChanges {
        TodoChanges { completed: Some(true), ..TodoChanges::default() }
    }

    fn revision(raw: i64) -> Revision {
        Revision::new(raw).unwrap()
    }

    fn completed() -> Todo {
        Todo { completed: true, updated_at: Some(now()), revision: revision(2), ..todo(1, 2) }
    }

    async fn update_if(
        todos: MockTodoRepository,
        publishes: usize,
        precondition: Precondition,
    ) -> Result<Todo, UpdateTodoError> {
        UpdateTodo::new(Arc::new(todos), Arc::new(clock()), Arc::new(signalling(2, Signal::Todos, publishes)))
            .execute(user_id(2), todo_id(1), changes(), &precondition)
            .await
    }

    /// A store whose one `change` (with these expected revisions) returns `outcome`.
    fn changing(expected: Option<Vec<Revision>>, outcome: Option<Todo>) -> MockTodoRepository {
        let mut todos = MockTodoRepository::new();
        todos
            .expect_change()
            .with(eq(user_id(2)), eq(todo_id(1)), eq(changes()), eq(now()), eq(expected))
            .times(1)
            .return_once(move |_, _, _, _, _| Ok(outcome));
        todos
    }

    #[tokio::test]
    async fn update_todo_changes_the_owners_todo_in_one_statement_and_signals() {
        assert_eq!(
            update_if(changing(None, Some(completed())), 1, Precondition::None).await.unwrap(),
            completed()
        );
    }

    #[tokio::test]
    async fn update_todo_with_a_matching_revision_changes_it_only_at_that_revision() {
        let todos = changing(Some(vec![revision(1)]), Some(completed()));
        let outcome = update_if(todos, 1, Precondition::OneOf(vec![revision(1)])).await;
        assert_eq!(outcome.unwrap(), completed());
    }

    #[tokio::test]
    async fn update_todo_at_another_revision_fails_the_precondition() {
        let mut todos = changing(Some(vec![revision(2)]), None);
        todos.expect_find().with(eq(todo_id(1))).returning(|_| Ok(Some(todo(1, 2))));
        let outcome = update_if(todos, 0, Precondition::OneOf(vec![revision(2)])).await;
        assert!(matches!(outcome, Err(UpdateTodoError::PreconditionFailed)));
    }

    #[tokio::test]
    async fn update_todo_with_no_usable_tag_changes_nothing() {
        let todos = todos_holding(Some(todo(1, 2))); // a change would panic
        let outcome = update_if(todos, 0, Precondition::OneOf(Vec::new())).await;
        assert!(matches!(outcome, Err(UpdateTodoError::PreconditionFailed)));
    }

    #[tokio::test]
    async fn update_todo_reports_a_missing_or_someone_elses_todo_as_not_found() {
        assert!(matches!(
            update_if(changing(None, None), 0, Precondition::None).await,
            Err(UpdateTodoError::NotFound)
        ));
        let mut todos = changing(Some(vec![revision(1)]), None);
        todos.expect_find().returning(|_| Ok(Some(todo(1, 3))));
        let outcome = update_if(todos, 0, Precondition::OneOf(vec![revision(1)])).await;
        assert!(matches!(outcome, Err(UpdateTodoError::NotFound)));
    }

    #[tokio::test]
    async fn update_todo_passes_storage_failures_on() {
        let mut todos = MockTodoRepository::new();
        todos.expect_change().returning(|_, _, _, _, _| Err(unavailable()));
        assert!(matches!(update_if(todos, 0, Precondition::None).await, Err(UpdateTodoError::Repository(_))));
    }
}
