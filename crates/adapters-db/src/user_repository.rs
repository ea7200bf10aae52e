use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use todo_application::ports::{RepositoryError, UserRepository};
use todo_domain::{EmailAddress, NewUser, PasswordHash, User, UserId, Username};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::users;
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
        created_at: row.created_at,
    })
}
