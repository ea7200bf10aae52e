use std::sync::Arc;

use todo_domain::UserId;
use tracing::instrument;

use crate::ports::{Clock, EventSignals, RepositoryError, Signal, UnitOfWork, UserFlags, UserOverview};

/// An administrator activates or deactivates a user, or promotes or demotes them.
/// Deactivating ends every session of the user in the same transaction: their tokens fail at
/// once. Nobody can demote or deactivate themselves, so there is always a way back in.
pub struct SetUserFlags {
    unit_of_work: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetUserFlagsError {
    #[error("user not found")]
    NotFound,
    #[error("superusers cannot demote, deactivate or delete themselves")]
    SelfAction,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<RepositoryError> for SetUserFlagsError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::NotFound => Self::NotFound,
            other => Self::Repository(other),
        }
    }
}

impl SetUserFlags {
    pub fn new(
        unit_of_work: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { unit_of_work, clock, signals }
    }

    /// Sets the flags given on user `target`, as `actor`, and returns the user as they are now.
    ///
    /// # Errors
    /// [`SetUserFlagsError`]; nothing changes unless the call succeeds.
    #[instrument(name = "set_user_flags", skip_all, fields(actor = %actor, target = %target))]
    pub async fn execute(
        &self,
        actor: UserId,
        target: UserId,
        flags: UserFlags,
    ) -> Result<UserOverview, SetUserFlagsError> {
        if actor == target && (flags.is_active == Some(false) || flags.is_superuser == Some(false)) {
            return Err(SetUserFlagsError::SelfAction);
        }
        let transaction = self.unit_of_work.begin().await?;
        transaction.users().set_flags(target, flags).await?;
        if flags.is_active == Some(false) {
            transaction.sessions().revoke_all(target, None, self.clock.now()).await?;
        }
        let overview = transaction.users().find_overview(target).await?.ok_or(SetUserFlagsError::NotFound)?;
        transaction.commit().await?;
        // Either flag decides what the user's credentials may do (a demoted user loses the
        // admin routes at once): whoever holds them, a stream or a cache, must look again.
        if flags.is_active.is_some() || flags.is_superuser.is_some() {
            self.signals.publish(target, Signal::Access);
        }
        Ok(overview)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::Signal;
    use crate::ports::{MockSessionRepository, MockUnitOfWork, MockUserRepository};
    use crate::use_cases::fixtures::{clock, now, signalling, silent, transaction_with_users, user, user_id};

    fn deactivate() -> UserFlags {
        UserFlags { is_active: Some(false), is_superuser: None }
    }

    fn overview() -> UserOverview {
        UserOverview { user: todo_domain::User { is_active: false, ..user(2) }, todo_count: 4 }
    }

    #[tokio::test]
    async fn deactivating_a_user_ends_their_sessions_in_the_same_transaction() {
        let mut users = MockUserRepository::new();
        users.expect_set_flags().with(eq(user_id(2)), eq(deactivate())).times(1).returning(|_, _| Ok(()));
        users.expect_find_overview().with(eq(user_id(2))).returning(|_| Ok(Some(overview())));
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke_all()
            .with(eq(user_id(2)), eq(None), eq(now()))
            .times(1)
            .returning(|_, _, _| Ok(3));
        let set = SetUserFlags::new(
            Arc::new(transaction_with_users(sessions, users, true)),
            Arc::new(clock()),
            Arc::new(signalling(2, Signal::Access, 1)),
        );
        assert_eq!(set.execute(user_id(1), user_id(2), deactivate()).await.unwrap(), overview());
    }

    #[tokio::test]
    async fn promoting_or_demoting_touches_no_session_but_signals_the_change() {
        for is_superuser in [true, false] {
            let flags = UserFlags { is_active: None, is_superuser: Some(is_superuser) };
            let mut users = MockUserRepository::new();
            users.expect_set_flags().with(eq(user_id(2)), eq(flags)).times(1).returning(|_, _| Ok(()));
            users.expect_find_overview().returning(|_| Ok(Some(overview())));
            let unit_of_work = transaction_with_users(MockSessionRepository::new(), users, true);
            let signals = Arc::new(signalling(2, Signal::Access, 1));
            let set = SetUserFlags::new(Arc::new(unit_of_work), Arc::new(clock()), signals);
            assert!(set.execute(user_id(1), user_id(2), flags).await.is_ok());
        }
    }

    #[tokio::test]
    async fn an_unknown_user_is_not_found_and_nothing_commits() {
        let mut users = MockUserRepository::new();
        users.expect_set_flags().returning(|_, _| Err(RepositoryError::NotFound));
        let unit_of_work = transaction_with_users(MockSessionRepository::new(), users, false);
        let set = SetUserFlags::new(Arc::new(unit_of_work), Arc::new(clock()), Arc::new(silent()));
        let result = set.execute(user_id(1), user_id(9), deactivate()).await;
        assert!(matches!(result, Err(SetUserFlagsError::NotFound)), "{result:?}");
    }

    #[tokio::test]
    async fn nobody_demotes_or_deactivates_themselves() {
        let set = SetUserFlags::new(Arc::new(MockUnitOfWork::new()), Arc::new(clock()), Arc::new(silent()));
        for flags in [deactivate(), UserFlags { is_active: None, is_superuser: Some(false) }] {
            let result = set.execute(user_id(1), user_id(1), flags).await;
            assert!(matches!(result, Err(SetUserFlagsError::SelfAction)), "{result:?}");
        }
    }
}
