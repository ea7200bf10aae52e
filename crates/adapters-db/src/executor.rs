//! Where a repository's statements run, and how long they may take.
//!
//! The same repository code serves both cases: outside a transaction its writes go to
//! the writer and its reads to the readers (in-process on SQLite when enabled); inside
//! a transaction every statement goes to that transaction's connection.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    DatabaseExecutor, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QuerySelect, QueryTrait, Select,
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

    /// The first row that `select` finds, if any.
    pub(crate) async fn one<E>(&self, select: Select<E>) -> Result<Option<E::Model>, RepositoryError>
    where
        E: EntityTrait,
        E::Model: FromSqliteRow + Send + Sync,
    {
        Ok(self.all(select.limit(1)).await?.into_iter().next())
    }
}
