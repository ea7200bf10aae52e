//! Password-reset tokens, stored by hash ([`SeaOrmPasswordResetRepository`]).

use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use todo_application::ports::{NewPasswordReset, PasswordResetRepository, RepositoryError, TokenHash};
use todo_domain::{Timestamp, UserId};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::password_reset_tokens as tokens;
use crate::errors::corrupt_row;
use crate::executor::Executor;

/// [`PasswordResetRepository`] on any database sea-orm supports, outside or inside a transaction.
pub struct SeaOrmPasswordResetRepository {
    executor: Executor,
}

impl SeaOrmPasswordResetRepository {
    /// Every operation gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }

    pub(crate) fn within(executor: Executor) -> Self {
        Self { executor }
    }
}

fn user_of(row: &tokens::Model) -> Result<UserId, RepositoryError> {
    UserId::new(row.user_id).map_err(|error| corrupt_row("password_reset_tokens", row.user_id, error))
}

#[async_trait]
impl PasswordResetRepository for SeaOrmPasswordResetRepository {
    #[instrument(name = "db.password_resets.insert", skip_all)]
    async fn insert(&self, reset: NewPasswordReset) -> Result<(), RepositoryError> {
        let row = tokens::ActiveModel {
            hash: Set(reset.hash.0),
            user_id: Set(reset.user.get()),
            created_at: Set(reset.created_at),
            expires_at: Set(reset.expires_at),
            used_at: Set(None),
        };
        let writer = self.executor.writer();
        self.executor.run(tokens::Entity::insert(row).exec_without_returning(&writer)).await.map(drop)
    }

    #[instrument(name = "db.password_resets.find_valid", skip_all)]
    async fn find_valid(&self, hash: &TokenHash, now: Timestamp) -> Result<Option<UserId>, RepositoryError> {
        let query = tokens::Entity::find_by_id(hash.0.clone())
            .filter(tokens::Column::UsedAt.is_null())
            .filter(tokens::Column::ExpiresAt.gt(now));
        self.executor.one(query).await?.as_ref().map(user_of).transpose()
    }

    #[instrument(name = "db.password_resets.consume", skip_all)]
    async fn consume(&self, hash: &TokenHash, now: Timestamp) -> Result<Option<UserId>, RepositoryError> {
        // One conditional statement: of two concurrent calls, the database lets one change the row.
        let spend = tokens::Entity::update_many()
            .col_expr(tokens::Column::UsedAt, Expr::value(Some(now)))
            .filter(tokens::Column::Hash.eq(&hash.0))
            .filter(tokens::Column::UsedAt.is_null())
            .filter(tokens::Column::ExpiresAt.gt(now));
        if self.executor.run(spend.exec(&self.executor.writer())).await?.rows_affected != 1 {
            return Ok(None);
        }
        let writer = self.executor.writer();
        let Some(row) = self.executor.run(tokens::Entity::find_by_id(hash.0.clone()).one(&writer)).await?
        else {
            return Ok(None);
        };
        let user = user_of(&row)?;
        // The user's other links die with this one: none works after a successful reset.
        self.spend_all(user, now).await?;
        Ok(Some(user))
    }

    #[instrument(name = "db.password_resets.spend_all", skip_all)]
    async fn spend_all(&self, user: UserId, now: Timestamp) -> Result<(), RepositoryError> {
        let unused = tokens::Entity::update_many()
            .col_expr(tokens::Column::UsedAt, Expr::value(Some(now)))
            .filter(tokens::Column::UserId.eq(user.get()))
            .filter(tokens::Column::UsedAt.is_null());
        self.executor.run(unused.exec(&self.executor.writer())).await.map(drop)
    }
}
