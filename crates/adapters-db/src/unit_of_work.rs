//! [`UnitOfWork`] as a database transaction, with the same repositories working inside it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use sea_orm::{DatabaseTransaction, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use todo_application::ports::{
    ApiKeyRepository, AttachmentRepository, IdempotencyStore, JobId, JobQueue, NewJob,
    PasswordResetRepository, RepositoryError, SessionRepository, TodoRepository, TraceContext, Transaction,
    UnitOfWork, UserRepository,
};
use tracing::instrument;

use crate::connection::Pool;
use crate::executor::Executor;
use crate::job_queue::SeaOrmJobQueue;
use crate::{
    SeaOrmApiKeyRepository, SeaOrmAttachmentRepository, SeaOrmIdempotencyStore,
    SeaOrmPasswordResetRepository, SeaOrmSessionRepository, SeaOrmTodoRepository, SeaOrmUserRepository,
};

/// Told, after a commit, the kinds of the jobs it enqueued: to wake this process's workers
/// and count them. Other processes learn of them from the database.
pub type JobsCommitted = Arc<dyn Fn(&[&'static str]) + Send + Sync>;

/// Begins transactions on a writer connection. On SQLite a transaction takes the write lock
/// at once (`BEGIN IMMEDIATE`), so one that reads before it writes can never be refused
/// halfway; other writers wait for the lock in SQLite's busy handler, up to `acquire_timeout`.
pub struct SeaOrmUnitOfWork {
    pool: Pool,
    deadline: Duration,
    jobs_committed: Option<JobsCommitted>,
    traces: Option<Arc<dyn TraceContext>>,
}

impl SeaOrmUnitOfWork {
    /// Beginning, every statement inside, and the commit each give up after `deadline`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { pool: pool.clone(), deadline, jobs_committed: None, traces: None }
    }

    /// Stores with each job the trace it was enqueued in, as `traces` reads it.
    #[must_use]
    pub fn with_traces(mut self, traces: Arc<dyn TraceContext>) -> Self {
        self.traces = Some(traces);
        self
    }

    /// Calls `listener` after each commit that enqueued jobs.
    #[must_use]
    pub fn on_jobs_committed(mut self, listener: JobsCommitted) -> Self {
        self.jobs_committed = Some(listener);
        self
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
            todos: SeaOrmTodoRepository::within(within.clone()),
            sessions: SeaOrmSessionRepository::within(within.clone()),
            password_resets: SeaOrmPasswordResetRepository::within(within.clone()),
            api_keys: SeaOrmApiKeyRepository::within(within.clone()),
            attachments: SeaOrmAttachmentRepository::within(within.clone()),
            idempotency_keys: SeaOrmIdempotencyStore::within(within.clone()),
            jobs: EnqueuedJobs {
                queue: SeaOrmJobQueue::within(within, self.traces.clone()),
                kinds: Mutex::default(),
            },
            transaction,
            executor,
            jobs_committed: self.jobs_committed.clone(),
        }))
    }
}

/// One open transaction; dropped without a commit, it rolls back.
struct SeaOrmTransaction {
    users: SeaOrmUserRepository,
    todos: SeaOrmTodoRepository,
    sessions: SeaOrmSessionRepository,
    password_resets: SeaOrmPasswordResetRepository,
    api_keys: SeaOrmApiKeyRepository,
    attachments: SeaOrmAttachmentRepository,
    idempotency_keys: SeaOrmIdempotencyStore,
    jobs: EnqueuedJobs,
    transaction: Arc<DatabaseTransaction>,
    /// For the deadline of the commit.
    executor: Executor,
    jobs_committed: Option<JobsCommitted>,
}

/// The transaction's job queue, remembering the kinds enqueued for the commit's listener.
struct EnqueuedJobs {
    queue: SeaOrmJobQueue,
    kinds: Mutex<Vec<&'static str>>,
}

#[async_trait]
impl JobQueue for EnqueuedJobs {
    async fn enqueue(&self, job: NewJob) -> Result<JobId, RepositoryError> {
        let kind = job.kind;
        let id = self.queue.enqueue(job).await?;
        self.kinds.lock().unwrap_or_else(PoisonError::into_inner).push(kind);
        Ok(id)
    }
}

#[async_trait]
impl Transaction for SeaOrmTransaction {
    fn users(&self) -> &dyn UserRepository {
        &self.users
    }

    fn todos(&self) -> &dyn TodoRepository {
        &self.todos
    }

    fn sessions(&self) -> &dyn SessionRepository {
        &self.sessions
    }

    fn password_resets(&self) -> &dyn PasswordResetRepository {
        &self.password_resets
    }

    fn api_keys(&self) -> &dyn ApiKeyRepository {
        &self.api_keys
    }

    fn attachments(&self) -> &dyn AttachmentRepository {
        &self.attachments
    }

    fn idempotency_keys(&self) -> &dyn IdempotencyStore {
        &self.idempotency_keys
    }

    fn jobs(&self) -> &dyn JobQueue {
        &self.jobs
    }

    #[instrument(name = "db.commit", skip_all)]
    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        let Self {
            users,
            todos,
            sessions,
            password_resets,
            api_keys,
            attachments,
            idempotency_keys,
            jobs,
            transaction,
            executor,
            jobs_committed,
        } = *self;
        let kinds = jobs.kinds.into_inner().unwrap_or_else(PoisonError::into_inner);
        // The repositories hold the only other handles on the transaction.
        drop((users, todos, sessions, password_resets, api_keys, attachments, idempotency_keys, jobs.queue));
        let transaction = Arc::into_inner(transaction)
            .ok_or_else(|| RepositoryError::Unexpected("BUG: the transaction is still shared".into()))?;
        executor.run(transaction.commit()).await?;
        if let Some(listener) = jobs_committed.filter(|_| !kinds.is_empty()) {
            listener(&kinds);
        }
        Ok(())
    }
}
