//! Plain reads run in the request's own thread, on read-only rusqlite connections.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every statement and
//! row over a channel; for a read that takes microseconds, those hand-overs cost more
//! than the read (ADR 0001 has the figures). sea-orm still builds each statement; only
//! its execution and the reading of rows into models happen here. Writes and
//! transactions never come here: the caller falls back to sqlx whenever this says no.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, Row};
use sea_orm::{DbErr, RuntimeErr, Statement};

use super::{limits, values};

/// Distinct statements each connection keeps prepared; the repositories use about ten.
const PREPARED_STATEMENTS: usize = 32;
/// SQLite virtual-machine steps between two looks at the deadline (a few microseconds).
const STEPS_BETWEEN_DEADLINE_CHECKS: i32 = 1000;

/// A row read straight into a model, by column position.
pub(crate) trait FromSqliteRow: Sized {
    /// The columns, in the order sea-orm selects them for the entity (checked on every query).
    const COLUMNS: &'static [&'static str];
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
}

/// Read-only connections to one SQLite file, each used by one thread at a time.
#[derive(Debug)]
pub(crate) struct InProcessReads {
    connections: Box<[Mutex<Connection>]>,
    deadline: Duration,
}

impl InProcessReads {
    /// Opens `count` connections to the database at `path`, which must exist in WAL mode.
    /// A statement still running after `deadline` is interrupted.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub(crate) fn open(path: &Path, count: u32, deadline: Duration) -> Result<Self, DbErr> {
        let connections = (0..count.max(1))
            .map(|_| {
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let connection = Connection::open_with_flags(path, flags)?;
                connection.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
                // A lock is not waited for here, in a request's thread; the pool waits instead.
                connection.busy_timeout(Duration::ZERO)?;
                // Read-write at the file level so that it can map the WAL index like any
                // reader, but refusing every statement that would write.
                connection.pragma_update(None, "query_only", true)?;
                Ok(Mutex::new(connection))
            })
            .collect::<rusqlite::Result<_>>()
            .map_err(|error| DbErr::Conn(RuntimeErr::Internal(error.to_string())))?;
        Ok(Self { connections, deadline })
    }

    /// Runs a `SELECT` and reads its rows, or says `None` when every connection is in use
    /// by another thread or another process holds a lock that reads must wait for: the
    /// caller then reads through the pool, which can wait without holding this thread.
    pub(crate) fn query<T: FromSqliteRow>(&self, statement: &Statement) -> Option<Result<Vec<T>, DbErr>> {
        let connection = self.free_connection()?;
        let deadline = Instant::now() + self.deadline;
        let result = connection
            .progress_handler(STEPS_BETWEEN_DEADLINE_CHECKS, Some(move || Instant::now() >= deadline))
            .and_then(|()| read(&connection, statement));
        let _ = connection.progress_handler(0, None::<fn() -> bool>);
        match result {
            Err(error) if is_busy(&error) => None,
            Err(error) if is_interrupted(&error) => Some(Err(DbErr::Conn(RuntimeErr::Internal(format!(
                "no answer from the database within {:?}",
                self.deadline
            ))))),
            Err(error) if is_unavailable(&error) => {
                Some(Err(DbErr::Conn(RuntimeErr::Internal(error.to_string()))))
            }
            result => Some(result.map_err(|error| DbErr::Query(RuntimeErr::Internal(error.to_string())))),
        }
    }

    /// How many connections there are, and how many no thread is using.
    pub(crate) fn usage(&self) -> (usize, usize) {
        let idle = self.connections.iter().filter(|connection| connection.try_lock().is_ok()).count();
        (self.connections.len(), idle)
    }

    /// The first connection no other thread is using. Always starting from the first keeps
    /// the work, and the page cache it fills, on as few connections as are busy at once.
    fn free_connection(&self) -> Option<MutexGuard<'_, Connection>> {
        self.connections.iter().find_map(|connection| connection.try_lock().ok())
    }
}

fn read<T: FromSqliteRow>(connection: &Connection, statement: &Statement) -> rusqlite::Result<Vec<T>> {
    let values = statement.values.as_ref().map_or(&[][..], |values| &values.0[..]);
    let (sql, values) = limits::inline(&statement.sql, values);
    let mut prepared = connection.prepare_cached(&sql)?;
    let columns = prepared.column_count();
    let expected = (0..columns).map(|index| prepared.column_name(index).unwrap_or_default());
    if columns != T::COLUMNS.len() || !expected.eq(T::COLUMNS.iter().copied()) {
        let error = format!("the statement's columns are not {:?}: {}", T::COLUMNS, statement.sql);
        return Err(rusqlite::Error::ToSqlConversionFailure(error.into()));
    }
    values::bind(&mut prepared, values)?;
    let mut rows = prepared.raw_query();
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        read.push(T::from_row(row)?);
    }
    Ok(read)
}

/// Another process holds a lock this read must wait for (a WAL checkpoint or recovery).
fn is_busy(error: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    matches!(error.sqlite_error_code(), Some(DatabaseBusy | DatabaseLocked))
}

/// The file cannot be read for now (I/O error, full disk, cannot open): the same answer,
/// 503, as the sqlx connections give for these.
fn is_unavailable(error: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, DiskFull, SystemIoFailure};
    matches!(error.sqlite_error_code(), Some(SystemIoFailure | DiskFull | CannotOpen))
}

fn is_interrupted(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;

    use super::*;

    struct Count(i64);

    impl FromSqliteRow for Count {
        const COLUMNS: &'static [&'static str] = &["n"];
        fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
            row.get(0).map(Count)
        }
    }

    fn database() -> (tempfile::TempDir, std::path::PathBuf) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("t.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (7);")
            .unwrap();
        (directory, path)
    }

    fn select(sql: &str) -> Statement {
        Statement::from_string(DbBackend::Sqlite, sql)
    }

    #[test]
    fn a_read_returns_its_rows_and_refuses_columns_it_does_not_expect() {
        let (_directory, path) = database();
        let reads = InProcessReads::open(&path, 1, Duration::from_secs(5)).unwrap();
        let rows: Vec<Count> = reads.query(&select("SELECT n FROM t")).unwrap().unwrap();
        assert_eq!(rows.iter().map(|row| row.0).collect::<Vec<_>>(), [7]);
        let wrong = reads.query::<Count>(&select("SELECT n AS m FROM t")).unwrap();
        assert!(wrong.is_err(), "read a column it does not know");
        let write = reads.query::<Count>(&select("DELETE FROM t RETURNING n")).unwrap();
        assert!(write.is_err(), "a read-only connection wrote");
    }

    #[test]
    fn a_read_running_past_the_deadline_is_interrupted() {
        let (_directory, path) = database();
        let reads = InProcessReads::open(&path, 1, Duration::from_millis(50)).unwrap();
        let endless =
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c";
        let started = Instant::now();
        let result = reads.query::<Count>(&select(endless)).unwrap();
        assert!(matches!(result, Err(DbErr::Conn(_))), "{:?}", result.map(|rows| rows.len()));
        assert!(started.elapsed() < Duration::from_secs(2), "interrupted after {:?}", started.elapsed());
        // The connection is usable again, with a fresh deadline.
        assert!(reads.query::<Count>(&select("SELECT n FROM t")).unwrap().is_ok());
    }

    #[test]
    fn a_read_that_would_wait_for_a_lock_is_left_to_the_pool() {
        let (_directory, path) = database();
        let reads = InProcessReads::open(&path, 1, Duration::from_secs(5)).unwrap();
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE t SET n = 8;")
            .unwrap();
        assert!(reads.query::<Count>(&select("SELECT n FROM t")).is_none());
        holder.execute_batch("COMMIT; PRAGMA locking_mode = NORMAL; SELECT * FROM t;").unwrap();
        drop(holder);
        let rows = reads.query::<Count>(&select("SELECT n FROM t")).unwrap().unwrap();
        assert_eq!(rows[0].0, 8);
    }

    #[test]
    fn a_busy_connection_is_not_waited_for() {
        let (_directory, path) = database();
        let reads = InProcessReads::open(&path, 1, Duration::from_secs(5)).unwrap();
        let _in_use = reads.connections[0].lock().unwrap();
        assert!(reads.query::<Count>(&select("SELECT n FROM t")).is_none());
        assert_eq!(reads.usage(), (1, 0));
    }
}
