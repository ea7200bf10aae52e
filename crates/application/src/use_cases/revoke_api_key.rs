use std::sync::Arc;

use todo_domain::ApiKeyId;
use tracing::instrument;

use super::Principal;
use crate::ports::{ApiKeyRepository, Clock, EventSignals, RepositoryError, Signal};

/// Revokes one of the caller's keys: it stops working at once.
pub struct RevokeApiKey {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum RevokeApiKeyError {
    /// The caller has no such key: someone else's is the same answer.
    #[error("API key not found")]
    NotFound,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl RevokeApiKey {
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        clock: Arc<dyn Clock>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { keys, clock, signals }
    }

    /// # Errors
    /// [`RevokeApiKeyError`].
    #[instrument(name = "revoke_api_key", skip_all, fields(user_id = %principal.user.id, key_id = %id))]
    pub async fn execute(&self, principal: &Principal, id: &ApiKeyId) -> Result<(), RevokeApiKeyError> {
        self.keys.revoke(principal.user.id, id, self.clock.now()).await.map_err(|error| match error {
            RepositoryError::NotFound => RevokeApiKeyError::NotFound,
            other => RevokeApiKeyError::Repository(other),
        })?;
        self.signals.publish(principal.user.id, Signal::Access);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::Scopes;

    use super::*;
    use crate::ports::MockApiKeyRepository;
    use crate::ports::Signal;
    use crate::use_cases::fixtures::{api_key_id, clock, now, session_id, signalling, silent, user, user_id};
    use crate::use_cases::{Credential, ListApiKeys};

    fn principal() -> Principal {
        Principal {
            user: user(1),
            credential: Credential::Session(session_id()),
            scopes: Scopes::allowed_for(false),
        }
    }

    #[tokio::test]
    async fn a_key_of_the_caller_is_revoked_and_anyone_elses_is_not_found() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_revoke()
            .with(eq(user_id(1)), eq(api_key_id()), eq(now()))
            .times(1)
            .returning(|_, _, _| Ok(()));
        let revoke =
            RevokeApiKey::new(Arc::new(keys), Arc::new(clock()), Arc::new(signalling(1, Signal::Access, 1)));
        assert!(revoke.execute(&principal(), &api_key_id()).await.is_ok());
        let mut keys = MockApiKeyRepository::new();
        keys.expect_revoke().returning(|_, _, _| Err(RepositoryError::NotFound));
        let revoke = RevokeApiKey::new(Arc::new(keys), Arc::new(clock()), Arc::new(silent()));
        assert!(matches!(
            revoke.execute(&principal(), &api_key_id()).await,
            Err(RevokeApiKeyError::NotFound)
        ));
    }

    #[tokio::test]
    async fn the_list_is_the_callers() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_list().with(eq(user_id(1))).times(1).returning(|_| Ok(vec![]));
        assert!(ListApiKeys::new(Arc::new(keys)).execute(&principal()).await.unwrap().is_empty());
    }
}
