use todo_domain::UserId;

use super::{Credential, CredentialStores};
use crate::ports::RepositoryError;

/// Whether a stream's credential still holds: the session open (or the key active) and the
/// user active.
pub(super) struct AccessCheck {
    stores: CredentialStores,
}

impl AccessCheck {
    pub(super) fn new(stores: CredentialStores) -> Self {
        Self { stores }
    }

    pub(super) async fn still_valid(
        &self,
        user: UserId,
        credential: &Credential,
    ) -> Result<bool, RepositoryError> {
        let now = self.stores.clock.now();
        match credential {
            Credential::Session(session) => Ok(self
                .stores
                .principals
                .find(user, session)
                .await?
                .is_some_and(|(user, session)| user.is_active && session.is_active(now))),
            Credential::ApiKey(key) => {
                let active = self.stores.users.find_by_id(user).await?.is_some_and(|user| user.is_active);
                Ok(active
                    && self
                        .stores
                        .keys
                        .list(user)
                        .await?
                        .iter()
                        .any(|found| &found.id == key && found.is_active(now)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeDelta;
    use todo_domain::{ApiKey, ApiKeyName, Scopes, User};

    use super::*;
    use crate::ports::{MockApiKeyRepository, MockPrincipalStore, MockUserRepository};
    use crate::use_cases::fixtures::{api_key_id, clock, now, user, user_id};

    fn key(revoked: bool) -> ApiKey {
        ApiKey {
            id: api_key_id(),
            user_id: user_id(1),
            name: ApiKeyName::parse("script").unwrap(),
            prefix: "tdk_abcd".into(),
            scopes: Scopes::parse("todos:read").unwrap(),
            created_at: now() - TimeDelta::days(3),
            expires_at: None,
            last_used_at: None,
            revoked_at: revoked.then(now),
        }
    }

    async fn key_still_valid(owner: User, keys: Vec<ApiKey>) -> bool {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().returning(move |_| Ok(Some(owner.clone())));
        let mut listed = MockApiKeyRepository::new();
        listed.expect_list().returning(move |_| Ok(keys.clone()));
        let check = AccessCheck::new(CredentialStores {
            principals: Arc::new(MockPrincipalStore::new()),
            users: Arc::new(users),
            keys: Arc::new(listed),
            clock: Arc::new(clock()),
        });
        check.still_valid(user_id(1), &Credential::ApiKey(api_key_id())).await.unwrap()
    }

    #[tokio::test]
    async fn an_api_key_stream_holds_while_the_key_and_its_owner_are_active() {
        assert!(key_still_valid(user(1), vec![key(false)]).await);
        assert!(!key_still_valid(user(1), vec![key(true)]).await, "revoked");
        assert!(!key_still_valid(user(1), vec![]).await, "gone");
        let inactive = User { is_active: false, ..user(1) };
        assert!(!key_still_valid(inactive, vec![key(false)]).await, "owner deactivated");
    }
}
