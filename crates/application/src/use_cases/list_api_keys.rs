use std::sync::Arc;

use todo_domain::ApiKey;
use tracing::instrument;

use super::Principal;
use crate::ports::{ApiKeyRepository, RepositoryError};

/// The caller's keys that are not revoked (expired ones too, so that they can be seen and
/// revoked), oldest first. Never the keys themselves: only their first characters.
pub struct ListApiKeys {
    keys: Arc<dyn ApiKeyRepository>,
}

impl ListApiKeys {
    pub fn new(keys: Arc<dyn ApiKeyRepository>) -> Self {
        Self { keys }
    }

    /// # Errors
    /// The store's.
    #[instrument(name = "list_api_keys", skip_all, fields(user_id = %principal.user.id))]
    pub async fn execute(&self, principal: &Principal) -> Result<Vec<ApiKey>, RepositoryError> {
        self.keys.list(principal.user.id).await
    }
}
