//! Sessions and refresh tokens ([`SeaOrmSessionRepository`]), and the user and session behind
//! an access token in one query ([`SeaOrmPrincipalStore`]).

use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use todo_application::ports::{
    NewRefreshToken, PrincipalStore, RepositoryError, SessionRepository, Spent, TokenHash,
};
use todo_domain::{Scopes, Session, SessionId, Timestamp, User, UserId};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::{refresh_tokens, sessions};
use crate::errors::corrupt_row;
use crate::executor::Executor;
use crate::user_repository::to_user;

/// [`SessionRepository`] on any database sea-orm supports, outside or inside a transaction.
pub struct SeaOrmSessionRepository {
    executor: Executor,
}

impl SeaOrmSessionRepository {
    /// Every operation gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }

    pub(crate) fn within(executor: Executor) -> Self {
        Self { executor }
    }

    /// Sets `revoked_at` on the active sessions `filter` selects; says how many.
    async fn revoke_where(&self, filter: sea_orm::Condition, now: Timestamp) -> Result<u64, RepositoryError> {
        let update = sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(Some(now)))
            .filter(filter)
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(now));
        Ok(self.executor.run(update.exec(&self.executor.writer())).await?.rows_affected)
    }
}

#[async_trait]
impl SessionRepository for SeaOrmSessionRepository {
    #[instrument(name = "db.sessions.insert", skip_all)]
    async fn insert(&self, session: &Session) -> Result<(), RepositoryError> {
        let row = sessions::ActiveModel {
            id: Set(session.id.to_string()),
            user_id: Set(session.user_id.get()),
            scope: Set(session.scopes.to_string()),
            created_at: Set(session.created_at),
            last_used_at: Set(session.last_used_at),
            expires_at: Set(session.expires_at),
            user_agent: Set(session.user_agent.clone()),
            revoked_at: Set(session.revoked_at),
        };
        let writer = self.executor.writer();
        self.executor.run(sessions::Entity::insert(row).exec_without_returning(&writer)).await.map(drop)
    }

    #[instrument(name = "db.refresh_tokens.insert", skip_all)]
    async fn insert_refresh_token(&self, token: NewRefreshToken) -> Result<(), RepositoryError> {
        let row = refresh_tokens::ActiveModel {
            hash: Set(token.hash.0),
            session_id: Set(token.session.to_string()),
            created_at: Set(token.created_at),
            expires_at: Set(token.expires_at),
            spent_at: Set(None),
        };
        let writer = self.executor.writer();
        self.executor.run(refresh_tokens::Entity::insert(row).exec_without_returning(&writer)).await.map(drop)
    }

    #[instrument(name = "db.refresh_tokens.spend", skip_all)]
    async fn spend_refresh_token(&self, hash: &TokenHash, now: Timestamp) -> Result<Spent, RepositoryError> {
        // One conditional statement: of two concurrent calls, the database lets one change the row.
        let spend = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::SpentAt, Expr::value(Some(now)))
            .filter(refresh_tokens::Column::Hash.eq(&hash.0))
            .filter(refresh_tokens::Column::SpentAt.is_null())
            .filter(refresh_tokens::Column::ExpiresAt.gt(now));
        let spent_now = self.executor.run(spend.exec(&self.executor.writer())).await?.rows_affected == 1;
        let writer = self.executor.writer();
        let token = refresh_tokens::Entity::find_by_id(hash.0.clone()).one(&writer);
        let Some(token) = self.executor.run(token).await? else { return Ok(Spent::Unknown) };
        let session = SessionId::parse(token.session_id.clone()).map_err(|error| {
            RepositoryError::Unexpected(
                format!("refresh token of session {:?}: {error}", token.session_id).into(),
            )
        })?;
        Ok(match token.spent_at {
            Some(_) if spent_now => Spent::Now(session),
            Some(at) => Spent::Earlier { session, at },
            None => Spent::Expired,
        })
    }

    #[instrument(name = "db.sessions.find", skip_all)]
    async fn find(&self, id: &SessionId) -> Result<Option<Session>, RepositoryError> {
        let row = self.executor.one(sessions::Entity::find_by_id(id.to_string())).await?;
        row.map(to_session).transpose()
    }

    #[instrument(name = "db.sessions.touch", skip_all)]
    async fn touch(&self, id: &SessionId, now: Timestamp) -> Result<(), RepositoryError> {
        let update = sessions::Entity::update_many()
            .col_expr(sessions::Column::LastUsedAt, Expr::value(now))
            .filter(sessions::Column::Id.eq(id.as_str()));
        self.executor.run(update.exec(&self.executor.writer())).await.map(drop)
    }

    #[instrument(name = "db.sessions.list_active", skip_all)]
    async fn list_active(&self, user: UserId, now: Timestamp) -> Result<Vec<Session>, RepositoryError> {
        let query = sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(user.get()))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .order_by_asc(sessions::Column::CreatedAt)
            .order_by_asc(sessions::Column::Id);
        self.executor.all(query).await?.into_iter().map(to_session).collect()
    }

    #[instrument(name = "db.sessions.revoke", skip_all)]
    async fn revoke(&self, user: UserId, id: &SessionId, now: Timestamp) -> Result<(), RepositoryError> {
        let filter = sea_orm::Condition::all()
            .add(sessions::Column::Id.eq(id.as_str()))
            .add(sessions::Column::UserId.eq(user.get()));
        match self.revoke_where(filter, now).await? {
            0 => Err(RepositoryError::NotFound),
            _ => Ok(()),
        }
    }

    #[instrument(name = "db.sessions.revoke_by_refresh_token", skip_all)]
    async fn revoke_by_refresh_token(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<UserId>, RepositoryError> {
        let session_of_token = Query::select()
            .column(refresh_tokens::Column::SessionId)
            .from(refresh_tokens::Entity)
            .and_where(refresh_tokens::Column::Hash.eq(&hash.0))
            .to_owned();
        let filter = sea_orm::Condition::all().add(sessions::Column::Id.in_subquery(session_of_token));
        // A session's owner never changes: reading it apart from the revocation is safe.
        let owner = sessions::Entity::find()
            .select_only()
            .column(sessions::Column::UserId)
            .filter(filter.clone())
            .into_tuple::<i64>();
        let Some(owner) = self.executor.run(owner.one(&self.executor.writer())).await? else {
            return Ok(None);
        };
        if self.revoke_where(filter, now).await? == 0 {
            return Ok(None);
        }
        Ok(UserId::new(owner).ok())
    }

    #[instrument(name = "db.sessions.revoke_all", skip_all)]
    async fn revoke_all(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: Timestamp,
    ) -> Result<u64, RepositoryError> {
        let mut filter = sea_orm::Condition::all().add(sessions::Column::UserId.eq(user.get()));
        if let Some(kept) = except {
            filter = filter.add(sessions::Column::Id.ne(kept.as_str()));
        }
        self.revoke_where(filter, now).await
    }
}

/// [`PrincipalStore`]: `sessions JOIN users`, one round trip (in-process on SQLite).
pub struct SeaOrmPrincipalStore {
    executor: Executor,
}

impl SeaOrmPrincipalStore {
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }
}

#[async_trait]
impl PrincipalStore for SeaOrmPrincipalStore {
    #[instrument(name = "db.principal", skip_all)]
    async fn find(
        &self,
        user: UserId,
        session: &SessionId,
    ) -> Result<Option<(User, Session)>, RepositoryError> {
        let query = sessions::Entity::find_by_id(session.to_string())
            .join(JoinType::InnerJoin, sessions::Relation::User.def())
            .filter(sessions::Column::UserId.eq(user.get()))
            .select_also(crate::entities::users::Entity);
        let Some((session, user)) = self.executor.one_pair(query).await? else { return Ok(None) };
        Ok(Some((to_user(user)?, to_session(session)?)))
    }
}

/// A row back into a domain session, through the value objects' constructors.
fn to_session(row: sessions::Model) -> Result<Session, RepositoryError> {
    let corrupt =
        |why: String| corrupt_row("sessions", 0, std::io::Error::other(format!("session {}: {why}", row.id)));
    Ok(Session {
        id: SessionId::parse(row.id.clone()).map_err(|error| corrupt(error.to_string()))?,
        user_id: UserId::new(row.user_id).map_err(|error| corrupt(error.to_string()))?,
        scopes: Scopes::parse(&row.scope).map_err(|error| corrupt(error.to_string()))?,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        expires_at: row.expires_at,
        user_agent: row.user_agent.clone(),
        revoked_at: row.revoked_at,
    })
}
