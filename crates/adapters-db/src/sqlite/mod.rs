//! SQLite through sea-orm's stock sqlx driver, with plain reads optionally run in-process.
//!
//! - Writes and transactions go to the writer pool, half of `max_connections`. SQLite
//!   lets one connection write at a time; the others wait for its lock in SQLite's busy
//!   handler, up to `acquire_timeout`. One writer would never wait for a lock, but then
//!   every write also waits for the previous one's hand-overs between threads, which
//!   halves write throughput (ADR 0001).
//! - Plain reads go to read-only connections. In WAL mode they never wait for a writer,
//!   so a long transaction holds up other writes but no read.
//! - With `in_process_reads`, those reads run in the request's thread on rusqlite
//!   connections ([`InProcessReads`]); when none is free they go to sqlx's readers.
//!
//! `docs/adr/0001-sqlite-driver.md` gives the figures behind this split.

mod in_process;
mod limits;
mod location;
mod rows;
mod values;

use std::sync::Arc;

use sea_orm::sqlx::Connection as _;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{DatabaseConnection, DbErr, RuntimeErr, SqlxSqliteConnector};

pub(crate) use in_process::{FromSqliteRow, InProcessReads};
pub(crate) use location::Location;

use crate::connection::DatabaseOptions;

/// The connections to one SQLite database.
pub(crate) struct Connections {
    pub writer: DatabaseConnection,
    /// `None` for an in-memory database, where the writer reads too.
    pub reader: Option<DatabaseConnection>,
    pub in_process: Option<InProcessReads>,
}

/// Opens the writers (creating the file in WAL mode where the URL allows), then the
/// readers, half of `max_connections` each (at least one), then as many in-process readers
/// if asked for. An in-memory database is private to one connection, which does everything.
///
/// # Errors
/// When the file cannot be opened or created, or is not a SQLite database.
pub(crate) async fn open(options: &DatabaseOptions) -> Result<Connections, DbErr> {
    let common = SqliteConnectOptions::new()
        // How long a statement waits for another connection's lock on the file.
        .busy_timeout(options.acquire_timeout)
        // fsync at checkpoints only: a crash of the process loses nothing, of the machine
        // at most the last transactions.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true);
    let Location::File { path, create } = Location::parse(&options.url)? else {
        let memory = pool(common.in_memory(true), 1, options).await?;
        return Ok(Connections { writer: memory, reader: None, in_process: None });
    };
    // WAL is a property of the file: set it once, on a connection of its own, before the pools
    // open theirs. Changing the journal mode cannot wait for a lock, so a writer connection
    // opened later, under load, must not try it.
    let wal = common.clone().filename(&path).create_if_missing(create).journal_mode(SqliteJournalMode::Wal);
    let first = SqliteConnection::connect_with(&wal).await.map_err(connection_error)?;
    first.close().await.map_err(connection_error)?;
    let writers = (options.max_connections / 2).max(1);
    let writer = pool(common.clone().filename(&path), writers, options).await?;
    let readers = options.max_connections.saturating_sub(writers).max(1);
    let reader = pool(common.filename(&path).pragma("query_only", "ON"), readers, options).await?;
    let in_process = match options.in_process_reads {
        true => Some(InProcessReads::open(&path, readers, options.query_timeout)?),
        false => None,
    };
    Ok(Connections { writer, reader: Some(reader), in_process })
}

/// A pool of up to `size` connections that are kept open: a SQLite connection costs
/// little to keep, and its page cache is worth keeping. No ping before each use: that is
/// a round trip to the connection's thread for every statement, and a local file does
/// not drop connections the way a network does.
async fn pool(
    connect: SqliteConnectOptions,
    size: u32,
    options: &DatabaseOptions,
) -> Result<DatabaseConnection, DbErr> {
    let pool = SqlitePoolOptions::new()
        .max_connections(size)
        .min_connections(1)
        .acquire_timeout(options.acquire_timeout)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .connect_with(connect)
        .await
        .map_err(connection_error)?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

fn connection_error(error: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error)))
}
