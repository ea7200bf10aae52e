//! The one place where sea-orm's errors become the ports' `RepositoryError`.

use std::error::Error as StdError;
use std::future::Future;
use std::time::Duration;

use sea_orm::sqlx::error::{DatabaseError, ErrorKind};
use sea_orm::{DbErr, RuntimeErr, sqlx};
use todo_application::ports::{RepositoryError, UniqueKey};

use crate::abandoned::watched;

/// A unique index of the schema, as each database names it when a write breaks it.
struct UniqueIndex {
    /// The index's name, which PostgreSQL reports as the broken constraint.
    name: &'static str,
    /// What SQLite reports after `UNIQUE constraint failed: `: the indexed columns as
    /// `table.column`, or `index '<name>'` for an index on an expression.
    sqlite_target: &'static str,
    key: UniqueKey,
}

/// The indexes the migrations create (`migration/src/m20261121_000001_create_users.rs`).
const UNIQUE_INDEXES: [UniqueIndex; 2] = [
    UniqueIndex { name: "users_username_key", sqlite_target: "users.username", key: UniqueKey::Username },
    UniqueIndex { name: "users_email_key", sqlite_target: "index 'users_email_key'", key: UniqueKey::Email },
];

/// SQLite's primary result codes (the low byte of an extended code) that mean the
/// database cannot be used for now: busy, locked, I/O error, disk full, cannot open.
const SQLITE_UNAVAILABLE: [i32; 5] = [5, 6, 10, 13, 14];
/// PostgreSQL's: a lost connection, exhausted resources, a server shutting down, and a
/// transaction chosen as a deadlock's victim or failed serialization (worth retrying: two
/// writers met, as a user's deletion and a write to their todos may, the triggers of
/// ADR 0010 locking the user's row after the todo's).
const POSTGRES_UNAVAILABLE: [&str; 5] = ["08", "53", "57P", "40P01", "40001"];

/// Classifies a database error: a broken unique index becomes `Conflict` with the key
/// that index enforces, a row referring to one that is gone (a todo deleted meanwhile)
/// `NotFound`, an unreachable or overloaded database `Unavailable`, and anything else
/// `Unexpected`.
pub fn to_repository_error(error: DbErr) -> RepositoryError {
    if let Some(key) = database_error(&error).and_then(broken_unique_key) {
        return RepositoryError::Conflict(key);
    }
    if database_error(&error).is_some_and(|database| database.kind() == ErrorKind::ForeignKeyViolation) {
        return RepositoryError::NotFound;
    }
    if is_unavailable(&error) {
        return RepositoryError::Unavailable(Box::new(error));
    }
    RepositoryError::Unexpected(Box::new(error))
}

/// The error as the database itself reported it, if it got that far.
fn database_error(error: &DbErr) -> Option<&dyn DatabaseError> {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            match inner.as_ref() {
                sqlx::Error::Database(database) => Some(database.as_ref()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Which key a unique violation broke, found by the index's identity: the constraint
/// name on PostgreSQL, the indexed target on SQLite (which reports no name for an index
/// on plain columns). A violation of an index not listed here stays unexpected.
fn broken_unique_key(error: &dyn DatabaseError) -> Option<UniqueKey> {
    if error.kind() != ErrorKind::UniqueViolation {
        return None;
    }
    let constraint = error.constraint();
    let sqlite_target = error.message().strip_prefix("UNIQUE constraint failed: ");
    UNIQUE_INDEXES
        .iter()
        .find(|index| constraint == Some(index.name) || sqlite_target == Some(index.sqlite_target))
        .map(|index| index.key)
}

fn is_unavailable(error: &DbErr) -> bool {
    if let Some(database) = database_error(error) {
        let code = database.code().unwrap_or_default();
        return match database.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
            Some(_) => code.parse::<i32>().is_ok_and(|code| SQLITE_UNAVAILABLE.contains(&(code & 0xff))),
            None => POSTGRES_UNAVAILABLE.iter().any(|class| code.starts_with(class)),
        };
    }
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
/// request forever; past the deadline it is `Unavailable`, which clients see as 503. An
/// operation that does not finish is recorded, for the pool's check of returning connections
/// (`abandoned`).
pub async fn bounded<T>(
    deadline: Duration,
    operation: impl Future<Output = Result<T, DbErr>>,
) -> Result<T, RepositoryError> {
    match tokio::time::timeout(deadline, watched(operation)).await {
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
