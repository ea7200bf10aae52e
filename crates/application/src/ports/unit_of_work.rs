use async_trait::async_trait;

use super::{
    ApiKeyRepository, AttachmentRepository, IdempotencyStore, JobQueue, PasswordResetRepository,
    RepositoryError, SessionRepository, TodoRepository, UserRepository,
};

/// Runs several repository calls as one unit: all of them take effect, or none.
///
/// A use case that writes more than one row begins a [`Transaction`], works through
/// the repositories it hands out, and commits. Dropping a transaction without
/// committing it (an early `?`, a panic) rolls everything back.
///
/// # Errors
/// `begin` returns [`RepositoryError::Unavailable`] when no transaction can be started
/// in time (the database is down, or busy with other transactions past the deadline),
/// and [`RepositoryError::Unexpected`] otherwise.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    async fn begin(&self) -> Result<Box<dyn Transaction>, RepositoryError>;
}

/// One open transaction. Its repositories see its own uncommitted writes, and nobody
/// else sees them until [`Transaction::commit`]. They borrow the transaction, so none
/// can outlive it.
///
/// # Errors
/// The repositories keep their own error contracts. `commit` returns
/// [`RepositoryError::Unexpected`] when the database refuses to commit (nothing was written),
/// and [`RepositoryError::Unavailable`] when it did not answer in time: then the outcome is
/// unknown, as with any request whose answer is lost, and a retry must expect either.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Transaction: Send + Sync {
    fn users(&self) -> &dyn UserRepository;
    fn todos(&self) -> &dyn TodoRepository;
    fn sessions(&self) -> &dyn SessionRepository;
    fn password_resets(&self) -> &dyn PasswordResetRepository;
    fn api_keys(&self) -> &dyn ApiKeyRepository;
    fn attachments(&self) -> &dyn AttachmentRepository;
    /// Jobs enqueued here run only if the transaction commits.
    fn jobs(&self) -> &dyn JobQueue;
    /// Answers recorded here are kept only if the transaction commits, with its writes.
    fn idempotency_keys(&self) -> &dyn IdempotencyStore;
    async fn commit(self: Box<Self>) -> Result<(), RepositoryError>;
}
