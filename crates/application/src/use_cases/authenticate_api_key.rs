use std::sync::Arc;

use tracing::instrument;

use super::{Credential, Principal};
use crate::ports::{ApiKeyRepository, Clock, RepositoryError, Secrets};

/// Turns an `X-API-Key` into its active owner, with the key's scopes. The key and its owner
/// are read in one query; the use is written down at most once a minute per key, so a busy
/// script does not turn every read into a write.
pub struct AuthenticateApiKey {
    keys: Arc<dyn ApiKeyRepository>,
    secrets: Arc<dyn Secrets>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthenticateApiKeyError {
    /// Unknown, revoked or expired.
    #[error("the API key is not valid")]
    InvalidKey,
    #[error("the user is inactive")]
    Inactive,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl AuthenticateApiKey {
    pub fn new(keys: Arc<dyn ApiKeyRepository>, secrets: Arc<dyn Secrets>, clock: Arc<dyn Clock>) -> Self {
        Self { keys, secrets, clock }
    }

    /// # Errors
    /// [`AuthenticateApiKeyError`].
    #[instrument(name = "authenticate_api_key", skip_all, fields(user_id))]
    pub async fn execute(&self, key: &str) -> Result<Principal, AuthenticateApiKeyError> {
        let found = self.keys.find_by_hash(&self.secrets.hash(key)).await?;
        let now = self.clock.now();
        let Some((user, key)) = found.filter(|(_, key)| key.is_active(now)) else {
            return Err(AuthenticateApiKeyError::InvalidKey);
        };
        if !user.is_active {
            return Err(AuthenticateApiKeyError::Inactive);
        }
        tracing::Span::current().record("user_id", user.id.get());
        if key.use_is_worth_recording(now) {
            // Bookkeeping: a failure to record is logged, and the request goes on.
            if let Err(error) = self.keys.record_use(&key.id, now).await {
                tracing::warn!(key_id = %key.id, error = %error, "could not record the API key's use");
            }
        }
        Ok(Principal { user, credential: Credential::ApiKey(key.id), scopes: key.scopes })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use mockall::predicate::eq;
    use todo_domain::{ApiKey, ApiKeyName, Scopes, User};

    use super::*;
    use crate::ports::{MockApiKeyRepository, TokenHash};
    use crate::use_cases::fixtures::{api_key_id, clock, now, secrets, unavailable, user, user_id};

    fn key() -> ApiKey {
        ApiKey {
            id: api_key_id(),
            user_id: user_id(1),
            name: ApiKeyName::parse("backup script").unwrap(),
            prefix: "tdk_abcd".into(),
            scopes: Scopes::parse("todos:read").unwrap(),
            created_at: now() - TimeDelta::days(3),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
        }
    }

    fn keys_holding(found: Option<(User, ApiKey)>) -> MockApiKeyRepository {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_by_hash()
            .with(eq(TokenHash("hash-of-tdk_key".into())))
            .returning(move |_| Ok(found.clone()));
        keys
    }

    async fn authenticate(keys: MockApiKeyRepository) -> Result<Principal, AuthenticateApiKeyError> {
        AuthenticateApiKey::new(Arc::new(keys), Arc::new(secrets()), Arc::new(clock()))
            .execute("tdk_key")
            .await
    }

    #[tokio::test]
    async fn a_key_authenticates_its_owner_with_its_scopes_and_records_the_use() {
        let mut keys = keys_holding(Some((user(1), key())));
        keys.expect_record_use().with(eq(api_key_id()), eq(now())).times(1).returning(|_, _| Ok(()));
        let principal = authenticate(keys).await.unwrap();
        assert_eq!(principal.user, user(1));
        assert_eq!(principal.credential, Credential::ApiKey(api_key_id()));
        assert_eq!(principal.scopes, Scopes::parse("todos:read").unwrap());
        assert_eq!(principal.session(), None);
    }

    #[tokio::test]
    async fn a_use_within_a_minute_of_the_last_recorded_one_writes_nothing() {
        let recent = ApiKey { last_used_at: Some(now() - TimeDelta::seconds(59)), ..key() };
        let keys = keys_holding(Some((user(1), recent)));
        assert!(authenticate(keys).await.is_ok());
        let older = ApiKey { last_used_at: Some(now() - TimeDelta::seconds(60)), ..key() };
        let mut keys = keys_holding(Some((user(1), older)));
        keys.expect_record_use().times(1).returning(|_, _| Err(unavailable()));
        assert!(authenticate(keys).await.is_ok(), "a failure to record does not fail the request");
    }

    #[tokio::test]
    async fn unknown_revoked_and_expired_keys_and_inactive_owners_are_refused() {
        let revoked = ApiKey { revoked_at: Some(now()), ..key() };
        let expired = ApiKey { expires_at: Some(now()), ..key() };
        for found in [None, Some((user(1), revoked)), Some((user(1), expired))] {
            let result = authenticate(keys_holding(found)).await;
            assert!(matches!(result, Err(AuthenticateApiKeyError::InvalidKey)), "{result:?}");
        }
        let inactive = User { is_active: false, ..user(1) };
        let result = authenticate(keys_holding(Some((inactive, key())))).await;
        assert!(matches!(result, Err(AuthenticateApiKeyError::Inactive)), "{result:?}");
    }
}
