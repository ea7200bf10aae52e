//! SQLite in the service's own process. sea-orm builds every statement as usual and
//! hands it to [`InProcessSqlite`] through its proxy connection, which runs it on a
//! rusqlite connection: no driver thread, no channel, no hop per statement or row.
//!
//! Reads run at once, in the calling thread, on one of several read-only connections:
//! in WAL mode a reader never waits for a writer, and a read takes microseconds.
//! Writes, and the rare read that finds the file locked, go to the one writer connection,
//! on a thread of its own, so that waiting for a lock never holds a request thread.

mod failure;
mod limits;
mod location;
mod values;
mod writer;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::Connection;
use sea_orm::{
    Database, DatabaseConnection, DbBackend, DbErr, ProxyDatabaseTrait, ProxyExecResult, ProxyRow, Statement,
};

pub use failure::unique_violation;
pub(crate) use location::Location;
use writer::Writer;

/// Distinct statements each connection keeps prepared; the repositories use about ten.
const PREPARED_STATEMENTS: usize = 32;

/// The connections to one SQLite database, shared by every clone.
#[derive(Debug, Clone)]
pub struct InProcessSqlite {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// Empty for an in-memory database, which only the writer's connection can see.
    readers: Box<[Mutex<Connection>]>,
    writer: Writer,
    /// Transactions opened through the proxy, which cannot tie statements to them.
    transactions: AtomicUsize,
}

impl InProcessSqlite {
    /// Opens the writer and `connections - 1` readers (at least one) on the database
    /// at `location`, creating the file in WAL mode if allowed and missing. The writer
    /// waits up to `busy_timeout` for another process's lock before giving up.
    ///
    /// # Errors
    /// When the file cannot be opened or is not a SQLite database.
    pub fn open(location: &Location, connections: u32, busy_timeout: Duration) -> Result<Self, DbErr> {
        let writer = location.open(true).map_err(failure::connection_error)?;
        configure(&writer, !location.is_memory(), busy_timeout).map_err(failure::connection_error)?;
        let readers = if location.is_memory() { 0 } else { connections.saturating_sub(1).max(1) };
        let readers = (0..readers)
            .map(|_| {
                let reader = location.open(false)?;
                reader.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
                reader.pragma_update(None, "query_only", true)?;
                Ok(Mutex::new(reader))
            })
            .collect::<rusqlite::Result<_>>()
            .map_err(failure::connection_error)?;
        let writer = Writer::start(writer).map_err(failure::connection_error)?;
        let shared = Shared { readers, writer, transactions: AtomicUsize::new(0) };
        Ok(Self { shared: Arc::new(shared) })
    }

    /// A sea-orm connection whose statements run on these connections.
    ///
    /// # Errors
    /// None in practice: sea-orm's proxy connection cannot fail to build.
    pub async fn connection(&self) -> Result<DatabaseConnection, DbErr> {
        Database::connect_proxy(DbBackend::Sqlite, Arc::new(Box::new(self.clone()))).await
    }

    /// All connections, and how many of them no statement is running on.
    pub fn usage(&self) -> (usize, usize) {
        let readers = &self.shared.readers;
        let idle_readers = readers.iter().filter(|reader| reader.try_lock().is_ok()).count();
        (readers.len() + 1, idle_readers + usize::from(self.shared.writer.is_idle()))
    }

    /// The first reader no other thread is using, if any. Always starting from the first
    /// keeps the work, and the page cache it fills, on as few connections as are busy at once.
    fn free_reader(&self) -> Option<MutexGuard<'_, Connection>> {
        self.shared.readers.iter().find_map(|reader| reader.try_lock().ok())
    }

    fn end_transaction(&self) {
        let _ =
            self.shared.transactions.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    }

    /// Statements cannot be tied to a transaction here: refuse them all while one is open
    /// rather than run them outside it. Nothing in this service opens one on SQLite.
    fn refuse_in_transaction(&self) -> Result<(), DbErr> {
        match self.shared.transactions.load(Ordering::SeqCst) {
            0 => Ok(()),
            _ => Err(DbErr::Custom("transactions are not supported on in-process SQLite".to_owned())),
        }
    }
}

/// The writer's settings: WAL so that readers never wait for it, fsync only at
/// checkpoints (a crash of the process loses nothing), foreign keys enforced.
fn configure(writer: &Connection, on_disk: bool, busy_timeout: Duration) -> rusqlite::Result<()> {
    writer.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
    writer.busy_timeout(busy_timeout)?;
    if on_disk {
        writer.pragma_update(None, "journal_mode", "WAL")?;
    }
    writer.pragma_update(None, "synchronous", "NORMAL")?;
    writer.pragma_update(None, "foreign_keys", true)
}

/// Only plain `SELECT`s go to the readers; anything else could write.
fn is_read(statement: &Statement) -> bool {
    statement.sql.trim_start().get(..7).is_some_and(|head| head.eq_ignore_ascii_case("SELECT "))
}

#[async_trait]
impl ProxyDatabaseTrait for InProcessSqlite {
    async fn query(&self, statement: Statement) -> Result<Vec<ProxyRow>, DbErr> {
        self.refuse_in_transaction()?;
        if is_read(&statement)
            && let Some(reader) = self.free_reader()
        {
            match values::query(&reader, &statement) {
                Err(error) if failure::is_busy(&error) => {}
                result => return result.map_err(failure::query_error),
            }
        }
        self.shared
            .writer
            .run(move |writer| values::query(writer, &statement).map_err(failure::query_error))
            .await
    }

    async fn execute(&self, statement: Statement) -> Result<ProxyExecResult, DbErr> {
        self.refuse_in_transaction()?;
        self.shared
            .writer
            .run(move |writer| values::execute(writer, &statement).map_err(failure::exec_error))
            .await
    }

    async fn begin(&self) {
        self.shared.transactions.fetch_add(1, Ordering::SeqCst);
    }

    async fn commit(&self) {
        self.end_transaction();
    }

    async fn rollback(&self) {
        self.end_transaction();
    }

    fn start_rollback(&self) {
        self.end_transaction();
    }

    async fn ping(&self) -> Result<(), DbErr> {
        self.query(Statement::from_string(DbBackend::Sqlite, "SELECT 1")).await.map(drop)
    }
}
