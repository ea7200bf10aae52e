use std::sync::Arc;

use todo_domain::UserId;
use tracing::instrument;

use crate::ports::{EventSignals, RepositoryError, Signal, UserRepository};

/// An administrator deletes a user with everything they own (todos, sessions, keys: the
/// schema's cascades). Nobody deletes themselves this way.
pub struct DeleteUser {
    users: Arc<dyn UserRepository>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteUserError {
    #[error("user not found")]
    NotFound,
    #[error("superusers cannot demote, deactivate or delete themselves")]
    SelfAction,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl DeleteUser {
    pub fn new(users: Arc<dyn UserRepository>, signals: Arc<dyn EventSignals>) -> Self {
        Self { users, signals }
    }

    /// # Errors
    /// [`DeleteUserError`].
    #[instrument(name = "delete_user", skip_all, fields(actor = %actor, target = %target))]
    pub async fn execute(&self, actor: UserId, target: UserId) -> Result<(), DeleteUserError> {
        if actor == target {
            return Err(DeleteUserError::SelfAction);
        }
        self.users.delete(target).await.map_err(|error| match error {
            RepositoryError::NotFound => DeleteUserError::NotFound,
            other => DeleteUserError::Repository(other),
        })?;
        self.signals.publish(target, Signal::Access);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::MockUserRepository;
    use crate::ports::Signal;
    use crate::use_cases::fixtures::{signalling, user_id};

    #[tokio::test]
    async fn another_user_is_deleted_an_unknown_one_is_not_found_and_oneself_never() {
        let mut users = MockUserRepository::new();
        users.expect_delete().with(eq(user_id(2))).times(1).returning(|_| Ok(()));
        users.expect_delete().with(eq(user_id(9))).returning(|_| Err(RepositoryError::NotFound));
        let delete = DeleteUser::new(Arc::new(users), Arc::new(signalling(2, Signal::Access, 1)));
        assert!(delete.execute(user_id(1), user_id(2)).await.is_ok());
        assert!(matches!(delete.execute(user_id(1), user_id(9)).await, Err(DeleteUserError::NotFound)));
        assert!(matches!(delete.execute(user_id(1), user_id(1)).await, Err(DeleteUserError::SelfAction)));
    }
}
