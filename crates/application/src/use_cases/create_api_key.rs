use std::sync::Arc;

use chrono::TimeDelta;
use todo_domain::{API_KEY_PREFIX, API_KEY_SHOWN_CHARS, ApiKey, ApiKeyName, Scope, Scopes};
use tracing::instrument;

use super::Principal;
use crate::ports::{ApiKeyRepository, Clock, RepositoryError, Secrets};

/// Makes an API key for the caller. The key is returned once, here, and stored only as its
/// hash; its scopes are at most the caller's own.
pub struct CreateApiKey {
    keys: Arc<dyn ApiKeyRepository>,
    secrets: Arc<dyn Secrets>,
    clock: Arc<dyn Clock>,
}

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct ApiKeyRequest {
    pub name: ApiKeyName,
    /// `None`: `todos:read todos:write`.
    pub scopes: Option<Scopes>,
    /// `None`: the key never expires. At most [`todo_domain::API_KEY_MAX_DAYS`], checked by the caller.
    pub expires_in_days: Option<u32>,
}

/// A new key, with the key itself: the only time it is ever seen.
#[derive(Debug)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateApiKeyError {
    /// The caller asked for a scope they do not have themselves.
    #[error("the caller lacks scope {}", .0.as_str())]
    ScopeNotHeld(Scope),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl CreateApiKey {
    pub fn new(keys: Arc<dyn ApiKeyRepository>, secrets: Arc<dyn Secrets>, clock: Arc<dyn Clock>) -> Self {
        Self { keys, secrets, clock }
    }

    /// # Errors
    /// [`CreateApiKeyError`].
    #[instrument(name = "create_api_key", skip_all, fields(user_id = %principal.user.id))]
    pub async fn execute(
        &self,
        principal: &Principal,
        request: ApiKeyRequest,
    ) -> Result<CreatedApiKey, CreateApiKeyError> {
        let scopes =
            request.scopes.unwrap_or_else(|| [Scope::TodosRead, Scope::TodosWrite].into_iter().collect());
        if let Some(missing) = scopes.iter().find(|scope| !principal.may(*scope)) {
            return Err(CreateApiKeyError::ScopeNotHeld(missing));
        }
        let issued = self.secrets.issue();
        let secret = format!("{API_KEY_PREFIX}{}", issued.secret);
        let now = self.clock.now();
        let key = ApiKey {
            id: self.secrets.api_key_id(),
            user_id: principal.user.id,
            name: request.name,
            prefix: secret.chars().take(API_KEY_SHOWN_CHARS).collect(),
            scopes,
            created_at: now,
            expires_at: request.expires_in_days.map(|days| now + TimeDelta::days(i64::from(days))),
            last_used_at: None,
            revoked_at: None,
        };
        self.keys.insert(&key, &self.secrets.hash(&secret)).await?;
        Ok(CreatedApiKey { key, secret })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockApiKeyRepository, TokenHash};
    use crate::use_cases::Credential;
    use crate::use_cases::fixtures::{api_key_id, clock, now, secrets, session_id, user, user_id};

    fn principal(scopes: &str) -> Principal {
        Principal {
            user: user(1),
            credential: Credential::Session(session_id()),
            scopes: Scopes::parse(scopes).unwrap(),
        }
    }

    fn request(scopes: Option<&str>, days: Option<u32>) -> ApiKeyRequest {
        ApiKeyRequest {
            name: ApiKeyName::parse("backup").unwrap(),
            scopes: scopes.map(|scopes| Scopes::parse(scopes).unwrap()),
            expires_in_days: days,
        }
    }

    #[tokio::test]
    async fn the_key_is_returned_once_and_only_its_hash_is_stored() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert()
            .withf(|key, hash| {
                key.id == api_key_id()
                    && key.user_id == user_id(1)
                    && key.prefix == "tdk_refr"
                    && key.scopes == Scopes::parse("todos:read todos:write").unwrap()
                    && key.expires_at == Some(now() + TimeDelta::days(30))
                    && *hash == TokenHash("hash-of-tdk_refresh-secret".into())
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let create = CreateApiKey::new(Arc::new(keys), Arc::new(secrets()), Arc::new(clock()));
        let created =
            create.execute(&principal("todos:read todos:write"), request(None, Some(30))).await.unwrap();
        assert_eq!(created.secret, "tdk_refresh-secret");
        assert_eq!(created.key.created_at, now());
    }

    #[tokio::test]
    async fn a_key_may_not_have_a_scope_its_maker_lacks() {
        let create =
            CreateApiKey::new(Arc::new(MockApiKeyRepository::new()), Arc::new(secrets()), Arc::new(clock()));
        let result = create.execute(&principal("todos:read"), request(None, None)).await;
        assert!(matches!(result, Err(CreateApiKeyError::ScopeNotHeld(Scope::TodosWrite))), "{result:?}");
        let result = create.execute(&principal("todos:read todos:write"), request(Some("admin"), None)).await;
        assert!(matches!(result, Err(CreateApiKeyError::ScopeNotHeld(Scope::Admin))), "{result:?}");
    }
}
