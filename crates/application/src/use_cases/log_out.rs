use std::sync::Arc;

use tracing::instrument;

use super::Principal;
use crate::ports::{Clock, EventSignals, RepositoryError, SessionRepository, Signal};

/// Ends the caller's current session: its access and refresh tokens stop working at once.
pub struct LogOut {
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
    signals: Arc<dyn EventSignals>,
}

impl LogOut {
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { sessions, clock, signals }
    }

    /// # Errors
    /// The store's; a session revoked meanwhile is not an error, and a caller with an API key
    /// has no session to end.
    #[instrument(name = "log_out", skip_all, fields(user_id = %principal.user.id))]
    pub async fn execute(&self, principal: &Principal) -> Result<(), RepositoryError> {
        let Some(session) = principal.session() else { return Ok(()) };
        match self.sessions.revoke(principal.user.id, session, self.clock.now()).await {
            Ok(()) => {
                // The session's open streams close.
                self.signals.publish(principal.user.id, Signal::Access);
                Ok(())
            }
            Err(RepositoryError::NotFound) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
