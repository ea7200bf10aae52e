use std::sync::Arc;

use tracing::instrument;

use crate::ports::{Clock, EventSignals, RepositoryError, Secrets, SessionRepository, Signal};

/// Ends the session a refresh token belongs to: how a browser that keeps only its refresh
/// token (in a cookie) logs out. An unknown token, or a session already closed, is no error:
/// logging out twice is logging out.
pub struct LogOutByRefreshToken {
    sessions: Arc<dyn SessionRepository>,
    secrets: Arc<dyn Secrets>,
    clock: Arc<dyn Clock>,
    signals: Arc<dyn EventSignals>,
}

impl LogOutByRefreshToken {
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        secrets: Arc<dyn Secrets>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { sessions, secrets, clock, signals }
    }

    /// # Errors
    /// The store's.
    #[instrument(name = "log_out_by_refresh_token", skip_all)]
    pub async fn execute(&self, refresh_token: &str) -> Result<(), RepositoryError> {
        let hash = self.secrets.hash(refresh_token);
        if let Some(user) = self.sessions.revoke_by_refresh_token(&hash, self.clock.now()).await? {
            // The session's open streams close.
            self.signals.publish(user, Signal::Access);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::{MockSessionRepository, TokenHash};
    use crate::use_cases::fixtures::{clock, now, secrets, signalling, silent, unavailable, user_id};

    #[tokio::test]
    async fn the_session_of_the_token_is_revoked_and_none_is_no_error() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke_by_refresh_token()
            .with(eq(TokenHash("hash-of-cookie".into())), eq(now()))
            .times(1)
            .returning(|_, _| Ok(Some(user_id(1))));
        sessions.expect_revoke_by_refresh_token().times(1).returning(|_, _| Ok(None));
        let signals = Arc::new(signalling(1, Signal::Access, 1));
        let log_out =
            LogOutByRefreshToken::new(Arc::new(sessions), Arc::new(secrets()), Arc::new(clock()), signals);
        assert!(log_out.execute("cookie").await.is_ok());
        assert!(log_out.execute("cookie").await.is_ok(), "again");
        let mut failing = MockSessionRepository::new();
        failing.expect_revoke_by_refresh_token().returning(|_, _| Err(unavailable()));
        let log_out = LogOutByRefreshToken::new(
            Arc::new(failing),
            Arc::new(secrets()),
            Arc::new(clock()),
            Arc::new(silent()),
        );
        assert!(log_out.execute("cookie").await.is_err());
    }
}
