//! The one place where sea-orm's errors become the ports' `RepositoryError`.

use std::error::Error as StdError;
use std::future::Future;
use std::time::Duration;

use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};
use todo_application::ports::{RepositoryError, UniqueKey};

/// Classifies a database error: a broken unique index becomes `Conflict` with the
/// key named by the index, an unreachable or overloaded database `Unavailable`,
/// and anything else `Unexpected`.
pub fn to_repository_error(error: DbErr) -> RepositoryError {
    let unique_violation = match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => Some(message),
        _ => crate::sqlite::unique_violation(&error).map(str::to_owned),
    };
    if let Some(message) = unique_violation {
        // The unique indexes are named users_username_key and users_email_key.
        if message.contains("username") {
            return RepositoryError::Conflict(UniqueKey::Username);
        }
        if message.contains("email") {
            return RepositoryError::Conflict(UniqueKey::Email);
        }
    }
    if is_unavailable(&error) {
        return RepositoryError::Unavailable(Box::new(error));
    }
    RepositoryError::Unexpected(Box::new(error))
}

fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => matches!(
            inner.as_ref(),
            sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
        ),
        _ => false,
    }
}

/// Runs one database operation with a deadline. A database that stops answering
/// (a dead network path rather than a refused connection) would otherwise hold the
/// request forever; past the deadline it is `Unavailable`, which clients see as 503.
pub async fn bounded<T>(
    deadline: Duration,
    operation: impl Future<Output = Result<T, DbErr>>,
) -> Result<T, RepositoryError> {
    match tokio::time::timeout(deadline, operation).await {
        Ok(result) => result.map_err(to_repository_error),
        Err(_) => Err(RepositoryError::Unavailable(
            format!("no answer from the database within {deadline:?}").into(),
        )),
    }
}

/// A stored row that the domain refuses: corrupt data, never the caller's fault.
pub fn corrupt_row(table: &str, id: i64, reason: impl StdError + Send + Sync + 'static) -> RepositoryError {
    RepositoryError::Unexpected(format!("row {id} of {table} is not valid: {reason}").into())
}
