use std::sync::Arc;

use todo_domain::SessionId;
use tracing::instrument;

use super::Principal;
use crate::ports::{Clock, EventSignals, RepositoryError, SessionRepository, Signal};

/// Ends one of the caller's sessions, or all of them ("log out everywhere").
pub struct RevokeSession {
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum RevokeSessionError {
    /// No open session of the caller's has this id: someone else's is the same answer.
    #[error("session not found")]
    NotFound,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl RevokeSession {
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { sessions, clock, signals }
    }

    /// Revokes session `id` of the caller, or every one of them with `None`.
    ///
    /// # Errors
    /// [`RevokeSessionError::NotFound`], or the store's.
    #[instrument(name = "revoke_session", skip_all, fields(user_id = %principal.user.id))]
    pub async fn execute(
        &self,
        principal: &Principal,
        id: Option<&SessionId>,
    ) -> Result<(), RevokeSessionError> {
        let (user, now) = (principal.user.id, self.clock.now());
        let revoked = match id {
            Some(id) => self.sessions.revoke(user, id, now).await,
            None => self.sessions.revoke_all(user, None, now).await.map(drop),
        };
        revoked.map_err(|error| match error {
            RepositoryError::NotFound => RevokeSessionError::NotFound,
            other => RevokeSessionError::Repository(other),
        })?;
        self.signals.publish(user, Signal::Access);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::{Scopes, Session};

    use super::*;
    use crate::ports::MockSessionRepository;
    use crate::ports::Signal;
    use crate::use_cases::fixtures::{
        clock, now, session, session_id, signalling, silent, unavailable, user, user_id,
    };
    use crate::use_cases::{Credential, ListSessions, LogOut};

    fn principal() -> Principal {
        Principal {
            user: user(1),
            credential: Credential::Session(session_id()),
            scopes: Scopes::allowed_for(false),
        }
    }

    fn other_id() -> SessionId {
        SessionId::parse("ffffffffffffffffffffffffffffffff").unwrap()
    }

    #[tokio::test]
    async fn revoking_one_session_or_all_of_them() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke()
            .with(eq(user_id(1)), eq(other_id()), eq(now()))
            .times(1)
            .returning(|_, _, _| Ok(()));
        sessions
            .expect_revoke_all()
            .with(eq(user_id(1)), eq(None), eq(now()))
            .times(1)
            .returning(|_, _, _| Ok(3));
        let revoke = RevokeSession::new(
            Arc::new(sessions),
            Arc::new(clock()),
            Arc::new(signalling(1, Signal::Access, 2)),
        );
        assert!(revoke.execute(&principal(), Some(&other_id())).await.is_ok());
        assert!(revoke.execute(&principal(), None).await.is_ok());
    }

    #[tokio::test]
    async fn another_users_or_an_unknown_session_is_not_found() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_revoke().returning(|_, _, _| Err(RepositoryError::NotFound));
        let revoke = RevokeSession::new(Arc::new(sessions), Arc::new(clock()), Arc::new(silent()));
        assert!(matches!(
            revoke.execute(&principal(), Some(&other_id())).await,
            Err(RevokeSessionError::NotFound)
        ));
    }

    #[tokio::test]
    async fn logging_out_revokes_the_current_session_and_is_idempotent() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke()
            .with(eq(user_id(1)), eq(session_id()), eq(now()))
            .times(1)
            .returning(|_, _, _| Ok(()));
        sessions.expect_revoke().returning(|_, _, _| Err(RepositoryError::NotFound));
        let log_out =
            LogOut::new(Arc::new(sessions), Arc::new(clock()), Arc::new(signalling(1, Signal::Access, 1)));
        assert!(log_out.execute(&principal()).await.is_ok());
        assert!(log_out.execute(&principal()).await.is_ok(), "already revoked meanwhile");
        let mut failing = MockSessionRepository::new();
        failing.expect_revoke().returning(|_, _, _| Err(unavailable()));
        assert!(
            LogOut::new(Arc::new(failing), Arc::new(clock()), Arc::new(silent()))
                .execute(&principal())
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn the_list_marks_the_current_session() {
        let mut sessions = MockSessionRepository::new();
        let other = Session { id: other_id(), ..session(1) };
        sessions
            .expect_list_active()
            .with(eq(user_id(1)), eq(now()))
            .returning(move |_, _| Ok(vec![session(1), other.clone()]));
        let listed =
            ListSessions::new(Arc::new(sessions), Arc::new(clock())).execute(&principal()).await.unwrap();
        let marks: Vec<_> = listed.iter().map(|(session, current)| (session.id.clone(), *current)).collect();
        assert_eq!(marks, [(session_id(), true), (other_id(), false)]);
    }
}
