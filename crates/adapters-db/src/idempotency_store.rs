//! Idempotency keys ([`SeaOrmIdempotencyStore`]): each claim, take-over and completion is
//! one conditional statement, so of two requests racing for a key exactly one works.

use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use todo_application::ports::{Claim, IdempotencyStore, KeyedRequest, RecordedAnswer, RepositoryError};
use todo_domain::{IdempotencyKey, Timestamp, UserId};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::idempotency_keys as keys;
use crate::executor::Executor;

/// [`IdempotencyStore`] on any database sea-orm supports, outside or inside a transaction.
pub struct SeaOrmIdempotencyStore {
    executor: Executor,
}

impl SeaOrmIdempotencyStore {
    /// Every operation gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }

    pub(crate) fn within(executor: Executor) -> Self {
        Self { executor }
    }

    fn this(user: UserId, key: &IdempotencyKey) -> impl sea_orm::sea_query::IntoCondition {
        keys::Column::UserId.eq(user.get()).and(keys::Column::IdempotencyKey.eq(key.as_str()))
    }

    /// Runs a conditional update: did it change the row?
    async fn changed(&self, update: sea_orm::UpdateMany<keys::Entity>) -> Result<bool, RepositoryError> {
        Ok(self.executor.run(update.exec(&self.executor.writer())).await?.rows_affected == 1)
    }
}

#[async_trait]
impl IdempotencyStore for SeaOrmIdempotencyStore {
    #[instrument(name = "db.idempotency_keys.claim", skip_all)]
    async fn claim(
        &self,
        user: UserId,
        request: &KeyedRequest,
        now: Timestamp,
        lease_until: Timestamp,
        expired_before: Timestamp,
    ) -> Result<Claim, RepositoryError> {
        let row = keys::ActiveModel {
            user_id: Set(user.get()),
            idempotency_key: Set(request.key.as_str().to_owned()),
            fingerprint: Set(request.fingerprint.0.clone()),
            status: Set(None),
            body: Set(None),
            created_at: Set(now),
            locked_until: Set(lease_until),
            claim_token: Set(request.claim.clone()),
        };
        let conflict =
            OnConflict::columns([keys::Column::UserId, keys::Column::IdempotencyKey]).do_nothing().to_owned();
        let insert = keys::Entity::insert(row).on_conflict(conflict);
        let writer = self.executor.writer();
        if self.executor.run(insert.exec_without_returning(&writer)).await? == 1 {
            return Ok(Claim::Claimed);
        }
        let found = keys::Entity::find().filter(Self::this(user, &request.key));
        let Some(found) = self.executor.run(found.one(&writer)).await? else {
            // Pruned between the two statements: the next attempt will insert.
            return Ok(Claim::InFlight);
        };
        let take_over = || {
            keys::Entity::update_many()
                .col_expr(keys::Column::Fingerprint, Expr::value(request.fingerprint.0.clone()))
                .col_expr(keys::Column::Status, Expr::value(None::<i32>))
                .col_expr(keys::Column::Body, Expr::value(None::<String>))
                .col_expr(keys::Column::LockedUntil, Expr::value(lease_until))
                .col_expr(keys::Column::ClaimToken, Expr::value(request.claim.clone()))
                .filter(Self::this(user, &request.key))
        };
        if found.created_at < expired_before {
            // Forgotten, if not yet pruned: a new first use, unless another request got there.
            let renewed = take_over()
                .col_expr(keys::Column::CreatedAt, Expr::value(now))
                .filter(keys::Column::CreatedAt.eq(found.created_at));
            return Ok(if self.changed(renewed).await? { Claim::Claimed } else { Claim::InFlight });
        }
        if found.fingerprint != request.fingerprint.0 {
            return Ok(Claim::OtherRequest);
        }
        if let (Some(status), Some(body)) = (found.status, found.body) {
            let status = u16::try_from(status).unwrap_or(500);
            return Ok(Claim::Answered(RecordedAnswer { status, body }));
        }
        if found.locked_until > now {
            return Ok(Claim::InFlight);
        }
        // The process working on it is gone: its lease ended without an answer.
        let orphan = take_over()
            .filter(keys::Column::Status.is_null())
            .filter(keys::Column::LockedUntil.eq(found.locked_until));
        Ok(if self.changed(orphan).await? { Claim::Claimed } else { Claim::InFlight })
    }

    #[instrument(name = "db.idempotency_keys.complete", skip_all)]
    async fn complete(
        &self,
        user: UserId,
        request: &KeyedRequest,
        answer: &RecordedAnswer,
    ) -> Result<(), RepositoryError> {
        let update = keys::Entity::update_many()
            .col_expr(keys::Column::Status, Expr::value(i32::from(answer.status)))
            .col_expr(keys::Column::Body, Expr::value(answer.body.clone()))
            .filter(Self::this(user, &request.key))
            .filter(keys::Column::Status.is_null())
            .filter(keys::Column::ClaimToken.eq(&request.claim));
        if self.changed(update).await? { Ok(()) } else { Err(RepositoryError::NotFound) }
    }

    #[instrument(name = "db.idempotency_keys.release", skip_all)]
    async fn release(&self, user: UserId, request: &KeyedRequest) -> Result<(), RepositoryError> {
        let delete = keys::Entity::delete_many()
            .filter(Self::this(user, &request.key))
            .filter(keys::Column::Status.is_null())
            .filter(keys::Column::ClaimToken.eq(&request.claim));
        self.executor.run(delete.exec(&self.executor.writer())).await.map(drop)
    }

    #[instrument(name = "db.idempotency_keys.prune", skip_all)]
    async fn prune(&self, before: Timestamp, limit: u64) -> Result<u64, RepositoryError> {
        let oldest = Query::select()
            .columns([keys::Column::UserId, keys::Column::IdempotencyKey])
            .from(keys::Entity)
            .and_where(keys::Column::CreatedAt.lt(before))
            .order_by(keys::Column::CreatedAt, sea_orm::Order::Asc)
            .limit(limit)
            .to_owned();
        let batch = Expr::tuple([Expr::col(keys::Column::UserId), Expr::col(keys::Column::IdempotencyKey)])
            .in_subquery(oldest);
        let delete = keys::Entity::delete_many().filter(batch);
        Ok(self.executor.run(delete.exec(&self.executor.writer())).await?.rows_affected)
    }
}
