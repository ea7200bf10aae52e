//! API keys, stored by the hash of the key ([`SeaOrmApiKeyRepository`]).

use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use todo_application::ports::{ApiKeyRepository, RepositoryError, TokenHash};
use todo_domain::{ApiKey, ApiKeyId, ApiKeyName, Scopes, Timestamp, User, UserId};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::{api_keys, users};
use crate::errors::corrupt_row;
use crate::executor::Executor;
use crate::user_repository::to_user;

/// [`ApiKeyRepository`] on any database sea-orm supports, outside or inside a transaction.
pub struct SeaOrmApiKeyRepository {
    executor: Executor,
}

impl SeaOrmApiKeyRepository {
    /// Every operation gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }

    pub(crate) fn within(executor: Executor) -> Self {
        Self { executor }
    }
}

#[async_trait]
impl ApiKeyRepository for SeaOrmApiKeyRepository {
    #[instrument(name = "db.api_keys.insert", skip_all)]
    async fn insert(&self, key: &ApiKey, hash: &TokenHash) -> Result<(), RepositoryError> {
        let row = api_keys::ActiveModel {
            id: Set(key.id.to_string()),
            user_id: Set(key.user_id.get()),
            name: Set(key.name.as_str().to_owned()),
            prefix: Set(key.prefix.clone()),
            hash: Set(hash.0.clone()),
            scope: Set(key.scopes.to_string()),
            created_at: Set(key.created_at),
            expires_at: Set(key.expires_at),
            last_used_at: Set(key.last_used_at),
            revoked_at: Set(key.revoked_at),
        };
        let writer = self.executor.writer();
        self.executor.run(api_keys::Entity::insert(row).exec_without_returning(&writer)).await.map(drop)
    }

    #[instrument(name = "db.api_keys.list", skip_all)]
    async fn list(&self, user: UserId) -> Result<Vec<ApiKey>, RepositoryError> {
        let query = api_keys::Entity::find()
            .filter(api_keys::Column::UserId.eq(user.get()))
            .filter(api_keys::Column::RevokedAt.is_null())
            .order_by_asc(api_keys::Column::CreatedAt)
            .order_by_asc(api_keys::Column::Id);
        self.executor.all(query).await?.into_iter().map(to_api_key).collect()
    }

    #[instrument(name = "db.api_keys.revoke", skip_all)]
    async fn revoke(&self, user: UserId, id: &ApiKeyId, now: Timestamp) -> Result<(), RepositoryError> {
        let update = api_keys::Entity::update_many()
            .col_expr(api_keys::Column::RevokedAt, Expr::value(Some(now)))
            .filter(api_keys::Column::Id.eq(id.as_str()))
            .filter(api_keys::Column::UserId.eq(user.get()))
            .filter(api_keys::Column::RevokedAt.is_null());
        match self.executor.run(update.exec(&self.executor.writer())).await?.rows_affected {
            0 => Err(RepositoryError::NotFound),
            _ => Ok(()),
        }
    }

    #[instrument(name = "db.api_keys.find_by_hash", skip_all)]
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<(User, ApiKey)>, RepositoryError> {
        let query = api_keys::Entity::find()
            .filter(api_keys::Column::Hash.eq(&hash.0))
            .join(JoinType::InnerJoin, api_keys::Relation::User.def())
            .select_also(users::Entity);
        let Some((key, user)) = self.executor.one_pair(query).await? else { return Ok(None) };
        Ok(Some((to_user(user)?, to_api_key(key)?)))
    }

    #[instrument(name = "db.api_keys.record_use", skip_all)]
    async fn record_use(&self, id: &ApiKeyId, now: Timestamp) -> Result<(), RepositoryError> {
        let update = api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(api_keys::Column::Id.eq(id.as_str()));
        self.executor.run(update.exec(&self.executor.writer())).await.map(drop)
    }
}

/// A row back into a domain key, through the value objects' constructors.
fn to_api_key(row: api_keys::Model) -> Result<ApiKey, RepositoryError> {
    let corrupt =
        |why: String| corrupt_row("api_keys", 0, std::io::Error::other(format!("API key {}: {why}", row.id)));
    Ok(ApiKey {
        id: ApiKeyId::parse(row.id.clone()).map_err(|error| corrupt(error.to_string()))?,
        user_id: UserId::new(row.user_id).map_err(|error| corrupt(error.to_string()))?,
        name: ApiKeyName::parse(row.name.clone()).map_err(|error| corrupt(error.to_string()))?,
        prefix: row.prefix.clone(),
        scopes: Scopes::parse(&row.scope).map_err(|error| corrupt(error.to_string()))?,
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}
