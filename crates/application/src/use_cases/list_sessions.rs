use std::sync::Arc;

use todo_domain::Session;
use tracing::instrument;

use super::Principal;
use crate::ports::{Clock, RepositoryError, SessionRepository};

/// The caller's open sessions, each marked whether it is the one making this request.
pub struct ListSessions {
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
}

impl ListSessions {
    pub fn new(sessions: Arc<dyn SessionRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { sessions, clock }
    }

    /// # Errors
    /// The store's.
    #[instrument(name = "list_sessions", skip_all, fields(user_id = %principal.user.id))]
    pub async fn execute(&self, principal: &Principal) -> Result<Vec<(Session, bool)>, RepositoryError> {
        let open = self.sessions.list_active(principal.user.id, self.clock.now()).await?;
        Ok(open
            .into_iter()
            .map(|session| {
                let current = principal.session() == Some(&session.id);
                (session, current)
            })
            .collect())
    }
}
