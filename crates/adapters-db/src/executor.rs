//! Where a repository's statements run, and how long they may take.
//!
//! The same repository code serves both cases: outside a transaction its writes go to
//! the writer and its reads to the readers (in-process on SQLite when enabled); inside
//! a transaction every statement goes to that transaction's connection.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseExecutor, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    PrimaryKeyTrait, QuerySelect, QueryTrait, Select, SelectTwo,
};
use todo_application::ports::RepositoryError;

use crate::connection::Pool;
use crate::errors::{bounded, to_repository_error};
use crate::sqlite::FromSqliteRow;

#[derive(Debug, Clone)]
pub(crate) struct Executor {
    target: Target,
    /// Every statement gives up after this long with `RepositoryError::Unavailable`.
    deadline: Duration,
}

#[derive(Debug, Clone)]
enum Target {
    Pool(Pool),
    Transaction(Arc<DatabaseTransaction>),
}

impl Executor {
    pub(crate) fn pool(pool: Pool, deadline: Duration) -> Self {
        Self { target: Target::Pool(pool), deadline }
    }

    pub(crate) fn transaction(transaction: Arc<DatabaseTransaction>, deadline: Duration) -> Self {
        Self { target: Target::Transaction(transaction), deadline }
    }

    /// The connection for statements that write.
    pub(crate) fn writer(&self) -> DatabaseExecutor<'_> {
        match &self.target {
            Target::Pool(pool) => pool.writer().into(),
            Target::Transaction(transaction) => transaction.as_ref().into(),
        }
    }

    /// Runs one statement with the deadline.
    pub(crate) async fn run<T>(
        &self,
        statement: impl Future<Output = Result<T, DbErr>>,
    ) -> Result<T, RepositoryError> {
        bounded(self.deadline, statement).await
    }

    /// Inserts one row and returns its new id. SQLite tells the id with the statement's
    /// result; reading it back with `RETURNING` would cost a row's trip from sqlx's
    /// connection thread, a quarter of a write's time (ADR 0001). PostgreSQL returns it.
    pub(crate) async fn insert<A>(&self, row: A) -> Result<i64, RepositoryError>
    where
        A: ActiveModelTrait + Send,
        <<A::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType: Into<i64>,
    {
        let insert = A::Entity::insert(row);
        let writer = self.writer();
        if writer.get_database_backend() != DbBackend::Sqlite {
            return Ok(self.run(insert.exec(&writer)).await?.last_insert_id.into());
        }
        let result = self.run(writer.execute_raw(insert.build(DbBackend::Sqlite))).await?;
        i64::try_from(result.last_insert_id()).map_err(|_| {
            RepositoryError::Unexpected(format!("row id {} out of range", result.last_insert_id()).into())
        })
    }

    /// Every row that `select` finds.
    pub(crate) async fn all<E>(&self, select: Select<E>) -> Result<Vec<E::Model>, RepositoryError>
    where
        E: EntityTrait,
        E::Model: FromSqliteRow + Send + Sync,
    {
        let pool = match &self.target {
            Target::Pool(pool) => pool,
            Target::Transaction(transaction) => return self.run(select.all(transaction.as_ref())).await,
        };
        if let Some(in_process) = pool.in_process()
            && let Some(rows) = in_process.query(&select.build(DbBackend::Sqlite))
        {
            return rows.map_err(to_repository_error);
        }
        self.run(select.all(pool.reader())).await
    }

    /// The first pair of rows that `select` (an inner join) finds, if any: one round trip
    /// for two entities.
    pub(crate) async fn one_pair<E, F>(
        &self,
        select: SelectTwo<E, F>,
    ) -> Result<Option<(E::Model, F::Model)>, RepositoryError>
    where
        E: EntityTrait,
        F: EntityTrait,
        (E::Model, F::Model): FromSqliteRow,
        E::Model: Send + Sync,
        F::Model: Send + Sync,
    {
        let select = select.limit(1);
        let pool = match &self.target {
            Target::Pool(pool) => pool,
            Target::Transaction(transaction) => {
                let found = self.run(select.one(transaction.as_ref())).await?;
                return Ok(found.and_then(|(a, b)| b.map(|b| (a, b))));
            }
        };
        if let Some(in_process) = pool.in_process()
            && let Some(rows) = in_process.query::<(E::Model, F::Model)>(&select.build(DbBackend::Sqlite))
        {
            return rows.map(|rows| rows.into_iter().next()).map_err(to_repository_error);
        }
        let found = self.run(select.one(pool.reader())).await?;
        Ok(found.and_then(|(a, b)| b.map(|b| (a, b))))
    }

    /// The first row that `select` finds, if any.
    pub(crate) async fn one<E>(&self, select: Select<E>) -> Result<Option<E::Model>, RepositoryError>
    where
        E: EntityTrait,
        E::Model: FromSqliteRow + Send + Sync,
    {
        Ok(self.all(select.limit(1)).await?.into_iter().next())
    }
}
