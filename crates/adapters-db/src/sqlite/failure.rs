//! rusqlite's errors as sea-orm's, classified so that the repositories can tell a
//! broken unique index and an unusable database from anything else.

use rusqlite::ErrorCode;
use sea_orm::{DbErr, RuntimeErr};

/// Starts the message of every unique-index violation; SQLite's own message follows.
const UNIQUE_VIOLATION: &str = "unique constraint violated: ";

/// SQLite's extended result codes for a duplicate in a unique index or primary key.
const SQLITE_CONSTRAINT_UNIQUE: i32 = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY: i32 = 1555;

/// SQLite's message when `error` is a unique-index violation from this module.
pub fn unique_violation(error: &DbErr) -> Option<&str> {
    match error {
        DbErr::Exec(RuntimeErr::Internal(message)) | DbErr::Query(RuntimeErr::Internal(message)) => {
            message.strip_prefix(UNIQUE_VIOLATION)
        }
        _ => None,
    }
}

/// Another connection (another process) holds the lock this statement needs.
pub(super) fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(error.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

pub(super) fn query_error(error: rusqlite::Error) -> DbErr {
    classify(error, DbErr::Query)
}

pub(super) fn exec_error(error: rusqlite::Error) -> DbErr {
    classify(error, DbErr::Exec)
}

/// The database cannot be used at all for now: sea-orm's connection error.
pub(super) fn connection_error(error: impl std::fmt::Display) -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(error.to_string()))
}

/// Locks held too long, a full disk, an I/O failure: the database is unusable for now,
/// which sea-orm calls a connection error. Everything else belongs to the statement.
fn classify(error: rusqlite::Error, statement_error: fn(RuntimeErr) -> DbErr) -> DbErr {
    if let rusqlite::Error::SqliteFailure(failure, _) = &error {
        if matches!(failure.extended_code, SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY) {
            return statement_error(RuntimeErr::Internal(format!("{UNIQUE_VIOLATION}{error}")));
        }
        let unavailable = matches!(
            failure.code,
            ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::CannotOpen
                | ErrorCode::OutOfMemory
                | ErrorCode::ReadOnly
        );
        if unavailable {
            return connection_error(error);
        }
    }
    statement_error(RuntimeErr::Internal(error.to_string()))
}
