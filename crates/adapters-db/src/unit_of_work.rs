//! [`UnitOfWork`] as a database transaction, with the same repositories working inside it.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sea_orm::{DatabaseTransaction, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use todo_application::ports::{RepositoryError, TodoRepository, Transaction, UnitOfWork, UserRepository};
use tracing::instrument;

use crate::connection::Pool;
use crate::executor::Executor;
use crate::{SeaOrmTodoRepository, SeaOrmUserRepository};

/// Begins transactions on the writer connection. On SQLite a transaction takes the write
/// lock at once (`BEGIN IMMEDIATE`), so one that reads before it writes can never be
/// refused halfway; others wait for the one writer connection in the pool's queue.
pub struct SeaOrmUnitOfWork {
    pool: Pool,
    deadline: Duration,
}

impl SeaOrmUnitOfWork {
    /// Beginning, every statement inside, and the commit each give up after `deadline`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { pool: pool.clone(), deadline }
    }
}

#[async_trait]
impl UnitOfWork for SeaOrmUnitOfWork {
    #[instrument(name = "db.begin", skip_all)]
    async fn begin(&self) -> Result<Box<dyn Transaction>, RepositoryError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let executor = Executor::pool(self.pool.clone(), self.deadline);
        let transaction = executor.run(self.pool.writer().begin_with_options(options)).await?;
        let transaction = Arc::new(transaction);
        let within = Executor::transaction(Arc::clone(&transaction), self.deadline);
        Ok(Box::new(SeaOrmTransaction {
            users: SeaOrmUserRepository::within(within.clone()),
            todos: SeaOrmTodoRepository::within(within),
            transaction,
            executor,
        }))
    }
}

/// One open transaction; dropped without a commit, it rolls back.
struct SeaOrmTransaction {
    users: SeaOrmUserRepository,
    todos: SeaOrmTodoRepository,
    transaction: Arc<DatabaseTransaction>,
    /// For the deadline of the commit.
    executor: Executor,
}

#[async_trait]
impl Transaction for SeaOrmTransaction {
    fn users(&self) -> &dyn UserRepository {
        &self.users
    }

    fn todos(&self) -> &dyn TodoRepository {
        &self.todos
    }

    #[instrument(name = "db.commit", skip_all)]
    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        let Self { users, todos, transaction, executor } = *self;
        // The repositories hold the only other handles on the transaction.
        drop((users, todos));
        let transaction = Arc::into_inner(transaction)
            .ok_or_else(|| RepositoryError::Unexpected("BUG: the transaction is still shared".into()))?;
        executor.run(transaction.commit()).await
    }
}
