use std::sync::Arc;

use todo_domain::{TodoId, UserId};
use tracing::instrument;

use super::precondition::{ChangeFailure, Precondition, delete_owned};
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
    /// The todo is not at a revision the client's `If-Match` names.
    #[error("precondition failed")]
    PreconditionFailed,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<ChangeFailure> for DeleteTodoError {
    fn from(failure: ChangeFailure) -> Self {
        match failure {
            ChangeFailure::NotFound => Self::NotFound,
            ChangeFailure::PreconditionFailed => Self::PreconditionFailed,
            ChangeFailure::Repository(error) => Self::Repository(error),
        }
    }
}

impl DeleteTodo {
    pub fn new(todos: Arc<dyn TodoRepository>, signals: Arc<dyn EventSignals>) -> Self {
        Self { todos, signals }
    }

    #[instrument(name = "delete_todo", skip_all, fields(user_id = %owner, todo_id = %id))]
    pub async fn execute(
        &self,
        owner: UserId,
        id: TodoId,
        precondition: &Precondition,
    ) -> Result<(), DeleteTodoError> {
        delete_owned(self.todos.as_ref(), owner, id, precondition).await?;
        self.signals.publish(owner, Signal::Todos);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::{Revision, Todo};

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{signalling, todo, todo_id, todos_holding, unavailable, user_id};

    async fn delete_if(
        todos: MockTodoRepository,
        owner: i64,
        publishes: usize,
        precondition: Precondition,
    ) -> Result<(), DeleteTodoError> {
        DeleteTodo::new(Arc::new(todos), Arc::new(signalling(owner, Signal::Todos, publishes)))
            .execute(user_id(owner), todo_id(1), &precondition)
            .await
    }

    async fn delete(todos: MockTodoRepository, owner: i64, publishes: usize) -> Result<(), DeleteTodoError> {
        delete_if(todos, owner, publishes, Precondition::None).await
    }

    fn revision(raw: i64) -> Revision {
        Revision::new(raw).unwrap()
    }

    #[tokio::test]
    async fn delete_todo_deletes_the_owners_todo() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_delete().with(eq(todo_id(1)), eq(None)).times(1).returning(|_, _| Ok(()));
        assert!(delete(todos, 2, 1).await.is_ok());
    }

    #[tokio::test]
    async fn delete_todo_with_a_matching_revision_deletes_it_only_at_that_revision() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_delete().with(eq(todo_id(1)), eq(Some(revision(1)))).times(1).returning(|_, _| Ok(()));
        let precondition = Precondition::OneOf(vec![revision(3), revision(1)]);
        assert!(delete_if(todos, 2, 1, precondition).await.is_ok());
    }

    #[tokio::test]
    async fn delete_todo_with_another_revision_fails_and_deletes_nothing() {
        let todos = todos_holding(Some(todo(1, 2))); // a delete would panic
        let outcome = delete_if(todos, 2, 0, Precondition::OneOf(vec![revision(2)])).await;
        assert!(matches!(outcome, Err(DeleteTodoError::PreconditionFailed)));
    }

    #[tokio::test]
    async fn delete_todo_changed_between_its_check_and_its_delete_fails_the_precondition() {
        let mut todos = MockTodoRepository::new();
        let mut reads = vec![Todo { revision: revision(2), ..todo(1, 2) }, todo(1, 2)];
        todos.expect_find().times(2).returning(move |_| Ok(reads.pop()));
        todos.expect_delete().times(1).returning(|_, _| Err(RepositoryError::Stale));
        let outcome = delete_if(todos, 2, 0, Precondition::OneOf(vec![revision(1)])).await;
        assert!(matches!(outcome, Err(DeleteTodoError::PreconditionFailed)));
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
        todos.expect_delete().returning(|_, _| Err(RepositoryError::NotFound));
        assert!(matches!(delete(todos, 2, 0).await, Err(DeleteTodoError::NotFound)));
    }

    #[tokio::test]
    async fn delete_todo_passes_storage_failures_on() {
        let mut todos = todos_holding(Some(todo(1, 2)));
        todos.expect_delete().returning(|_, _| Err(unavailable()));
        assert!(matches!(delete(todos, 2, 0).await, Err(DeleteTodoError::Repository(_))));
    }
}
