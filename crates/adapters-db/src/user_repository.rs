use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use todo_application::ports::{RepositoryError, UserFlags, UserOverview, UserRepository};
use todo_domain::{EmailAddress, NewUser, Page, PasswordHash, User, UserId, Username};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::{todos, users};
use crate::errors::corrupt_row;
use crate::executor::Executor;

/// [`UserRepository`] on any database sea-orm supports, outside or inside a transaction.
pub struct SeaOrmUserRepository {
    executor: Executor,
}

impl SeaOrmUserRepository {
    /// Every operation gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }

    pub(crate) fn within(executor: Executor) -> Self {
        Self { executor }
    }

    async fn find_one(&self, query: sea_orm::Select<users::Entity>) -> Result<Option<User>, RepositoryError> {
        self.executor.one(query).await?.map(to_user).transpose()
    }

    /// Runs an update of user `id`; `NotFound` when no row has that id.
    async fn update_one(
        &self,
        update: sea_orm::UpdateMany<users::Entity>,
        id: UserId,
    ) -> Result<(), RepositoryError> {
        let update = update.filter(users::Column::Id.eq(id.get()));
        match self.executor.run(update.exec(&self.executor.writer())).await?.rows_affected {
            0 => Err(RepositoryError::NotFound),
            _ => Ok(()),
        }
    }

    /// The users with their todo counts: the count in one grouped query for the whole page.
    /// Administrators' reads are rare, so they go through sqlx rather than the in-process
    /// readers, which know only the entities' rows.
    async fn with_todo_counts(&self, users: Vec<users::Model>) -> Result<Vec<UserOverview>, RepositoryError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = users.iter().map(|user| user.id).collect();
        let counts = todos::Entity::find()
            .select_only()
            .column(todos::Column::UserId)
            .column_as(todos::Column::Id.count(), "count")
            .filter(todos::Column::UserId.is_in(ids))
            .group_by(todos::Column::UserId)
            .into_tuple::<(i64, i64)>();
        let counts: std::collections::HashMap<i64, i64> =
            self.executor.run(counts.all(&self.executor.writer())).await?.into_iter().collect();
        users
            .into_iter()
            .map(|row| {
                let todo_count = counts.get(&row.id).copied().unwrap_or(0).unsigned_abs();
                Ok(UserOverview { user: to_user(row)?, todo_count })
            })
            .collect()
    }
}

#[async_trait]
impl UserRepository for SeaOrmUserRepository {
    #[instrument(name = "db.users.insert", skip_all)]
    async fn insert(&self, user: NewUser) -> Result<User, RepositoryError> {
        let row = users::ActiveModel {
            username: Set(user.username.as_str().to_owned()),
            email: Set(user.email.as_str().to_owned()),
            password_hash: Set(user.password_hash.as_str().to_owned()),
            is_active: Set(true),
            is_superuser: Set(user.is_superuser),
            created_at: Set(user.created_at),
            ..Default::default()
        };
        let id = self.executor.insert(row).await?;
        Ok(User {
            id: UserId::new(id).map_err(|error| corrupt_row("users", id, error))?,
            username: user.username,
            email: user.email,
            password_hash: user.password_hash,
            is_active: true,
            is_superuser: user.is_superuser,
            created_at: user.created_at,
        })
    }

    #[instrument(name = "db.users.find_by_id", skip_all)]
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        self.find_one(users::Entity::find_by_id(id.get())).await
    }

    #[instrument(name = "db.users.find_by_username", skip_all)]
    async fn find_by_username(&self, username: &Username) -> Result<Option<User>, RepositoryError> {
        self.find_one(users::Entity::find().filter(users::Column::Username.eq(username.as_str()))).await
    }

    #[instrument(name = "db.users.find_by_email", skip_all)]
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<User>, RepositoryError> {
        // Written as lower(email) so that the unique index on that expression serves it.
        let lower_email = Expr::expr(Func::lower(Expr::col(users::Column::Email)));
        self.find_one(users::Entity::find().filter(lower_email.eq(email.as_str()))).await
    }

    #[instrument(name = "db.users.set_password", skip_all)]
    async fn set_password(&self, id: UserId, hash: PasswordHash) -> Result<(), RepositoryError> {
        let update = users::Entity::update_many()
            .col_expr(users::Column::PasswordHash, Expr::value(hash.as_str().to_owned()));
        self.update_one(update, id).await
    }

    #[instrument(name = "db.users.set_flags", skip_all)]
    async fn set_flags(&self, id: UserId, flags: UserFlags) -> Result<(), RepositoryError> {
        let mut update = users::Entity::update_many();
        if let Some(active) = flags.is_active {
            update = update.col_expr(users::Column::IsActive, Expr::value(active));
        }
        if let Some(superuser) = flags.is_superuser {
            update = update.col_expr(users::Column::IsSuperuser, Expr::value(superuser));
        }
        if flags == UserFlags::default() {
            // Nothing to set: the row is only checked for.
            return match self.find_by_id(id).await? {
                Some(_) => Ok(()),
                None => Err(RepositoryError::NotFound),
            };
        }
        self.update_one(update, id).await
    }

    #[instrument(name = "db.users.delete", skip_all)]
    async fn delete(&self, id: UserId) -> Result<(), RepositoryError> {
        let delete = users::Entity::delete_by_id(id.get());
        match self.executor.run(delete.exec(&self.executor.writer())).await?.rows_affected {
            0 => Err(RepositoryError::NotFound),
            _ => Ok(()),
        }
    }

    #[instrument(name = "db.users.list_overviews", skip_all)]
    async fn list_overviews(&self, page: Page) -> Result<Vec<UserOverview>, RepositoryError> {
        let query = users::Entity::find()
            .order_by_asc(users::Column::Id)
            .offset(u64::try_from(page.skip()).ok())
            .limit(u64::try_from(page.limit()).ok());
        let rows = self.executor.all(query).await?;
        self.with_todo_counts(rows).await
    }

    #[instrument(name = "db.users.find_overview", skip_all)]
    async fn find_overview(&self, id: UserId) -> Result<Option<UserOverview>, RepositoryError> {
        let rows = self.executor.all(users::Entity::find_by_id(id.get())).await?;
        Ok(self.with_todo_counts(rows).await?.pop())
    }
}

/// A row back into a domain user, through the value objects' constructors.
pub(crate) fn to_user(row: users::Model) -> Result<User, RepositoryError> {
    let id = row.id;
    Ok(User {
        id: UserId::new(id).map_err(|e| corrupt_row("users", id, e))?,
        username: Username::parse(row.username).map_err(|e| corrupt_row("users", id, e))?,
        email: EmailAddress::parse(row.email).map_err(|e| corrupt_row("users", id, e))?,
        password_hash: PasswordHash::new(row.password_hash),
        is_active: row.is_active,
        is_superuser: row.is_superuser,
        created_at: row.created_at,
    })
}
