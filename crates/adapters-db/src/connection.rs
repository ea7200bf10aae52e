//! Opening the connections, and running the migrations over them.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, RuntimeErr, SqlxSqliteConnector,
};
use todo_migration::{MigrationStatus, Migrator, MigratorTrait};

use crate::abandoned;
use crate::sqlite::{self, InProcessReads};
use crate::thread_pools::{self, ThreadPools};

/// What the pool needs to know, as plain values.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    /// `sqlite://todo.db` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a connection, or on SQLite for another process's
    /// lock on the file, before it is told the database is unavailable.
    pub acquire_timeout: Duration,
    /// The longest one statement may run; reads run in-process are interrupted past it.
    pub query_timeout: Duration,
    /// SQLite only: run plain reads in the request's thread (see `sqlite::InProcessReads`).
    pub in_process_reads: bool,
    /// PostgreSQL only: how many HTTP worker threads get a pool of their own (see
    /// `thread_pools`); `max_connections` is shared between them and the rest. 0: one pool.
    pub http_threads: usize,
    /// PostgreSQL only: a connection idle at least this long is pinged before it is handed
    /// out; one used more recently is not. Zero: every time.
    pub ping_idle_after: Duration,
}

/// The connections the repositories share. On PostgreSQL, one pool, or one for each HTTP
/// worker thread and one for the rest of the process (`thread_pools`). On SQLite, the writer
/// connections take every write and transaction, and reads go to read-only connections that
/// never wait for it (see the `sqlite` module).
#[derive(Debug, Clone)]
pub struct Pool {
    writer: DatabaseConnection,
    /// Read-only connections beside the writer, where there are any (SQLite files).
    reader: Option<DatabaseConnection>,
    in_process: Option<Arc<InProcessReads>>,
    /// PostgreSQL: the HTTP worker threads' own pools, where there are any.
    threads: Option<Arc<ThreadPools>>,
}

/// Opens the connections; a SQLite file is created if missing (unless the URL says
/// `mode=rw`).
///
/// # Errors
/// The driver's error when the database cannot be reached or opened.
pub async fn connect(options: &DatabaseOptions) -> Result<Pool, DbErr> {
    if options.url.starts_with("sqlite:") {
        let sqlite = sqlite::open(options).await?;
        let in_process = sqlite.in_process.map(Arc::new);
        return Ok(Pool { writer: sqlite.writer, reader: sqlite.reader, in_process, threads: None });
    }
    let shares = thread_pools::shares(options.max_connections, options.http_threads);
    let limit = options.acquire_timeout;
    let mut connect = ConnectOptions::new(options.url.clone());
    connect
        .max_connections(shares.map_or(options.max_connections, |(_, shared)| shared))
        .min_connections(1)
        .acquire_timeout(options.acquire_timeout)
        .connect_timeout(options.acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_postgres_pool_opts(move |pool| abandoned::check_on_release(pool, limit));
    // A ping is a round trip, a third of those of a plain read. Under load connections are
    // reused within microseconds; one that broke since is found by its statement's error (a
    // 503, and it is closed), or, a server that stopped answering, by the statement's deadline
    // (`abandoned`). HikariCP skips its check within 500 ms of a use too.
    if !options.ping_idle_after.is_zero() {
        connect.test_before_acquire_if_idle_for(options.ping_idle_after);
    }
    let threads = match shares {
        Some((each, _)) => Some(ThreadPools::open(&connect, options.http_threads, each).await?),
        None => None,
    };
    Ok(Pool { writer: Database::connect(connect).await?, reader: None, in_process: None, threads })
}

impl Pool {
    /// The connection that writes: for migrations, and for tests that need raw SQL.
    pub fn db(&self) -> &DatabaseConnection {
        &self.writer
    }

    /// The PostgreSQL pool underneath, for the adapters that speak to PostgreSQL directly
    /// (`LISTEN`/`NOTIFY`); `None` on SQLite.
    pub fn postgres(&self) -> Option<sea_orm::sqlx::PgPool> {
        (self.writer.get_database_backend() == DbBackend::Postgres)
            .then(|| self.writer.get_postgres_connection_pool().clone())
    }

    /// From now on, this thread's statements use a pool of its own, if there are such pools.
    /// Called on each HTTP worker thread as the server starts it.
    pub fn attach_current_thread(&self) {
        if let Some(threads) = &self.threads {
            threads.attach_current_thread();
        }
    }

    pub(crate) fn writer(&self) -> &DatabaseConnection {
        self.threads.as_deref().and_then(ThreadPools::current).unwrap_or(&self.writer)
    }

    pub(crate) fn reader(&self) -> &DatabaseConnection {
        self.reader.as_ref().unwrap_or_else(|| self.writer())
    }

    pub(crate) fn in_process(&self) -> Option<&InProcessReads> {
        self.in_process.as_deref()
    }

    /// How many connections are open and how many are idle, over all the pools.
    pub fn stats(&self) -> Option<PoolStats> {
        let sqlx = |db: &DatabaseConnection| match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                Some((pool.size(), pool.num_idle(), pool.options().get_max_connections()))
            }
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                Some((pool.size(), pool.num_idle(), pool.options().get_max_connections()))
            }
            _ => None,
        };
        let (mut size, mut idle, mut max) = sqlx(&self.writer)?;
        for pool in self.others() {
            let (pool_size, pool_idle, pool_max) = sqlx(pool)?;
            (size, idle, max) = (size + pool_size, idle + pool_idle, max + pool_max);
        }
        if let Some(in_process) = &self.in_process {
            let (count, free) = in_process.usage();
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            (size, idle, max) = (size + count, idle + free, max + count);
        }
        Some(PoolStats { size, idle, max })
    }

    /// Closes the connections once every clone is done with them.
    ///
    /// # Errors
    /// The driver's, if closing fails.
    pub async fn close(self) -> Result<(), DbErr> {
        for pool in self.others() {
            pool.close_by_ref().await?;
        }
        self.writer.close().await
    }

    /// The sqlx pools besides the writer: SQLite's readers, PostgreSQL's worker threads' pools.
    fn others(&self) -> impl Iterator<Item = &DatabaseConnection> {
        self.reader.iter().chain(self.threads.iter().flat_map(|threads| threads.pools()))
    }
}

/// Applies every pending migration.
///
/// # Errors
/// The first migration that fails, which is rolled back where the database allows.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    match one_connection(db).await? {
        Some(single) => finish(Migrator::up(&single, None).await, single).await,
        None => Migrator::up(db, None).await,
    }
}

/// Rolls back the last `steps` applied migrations.
///
/// # Errors
/// The first migration that fails to roll back.
pub async fn migrate_down(db: &DatabaseConnection, steps: u32) -> Result<(), DbErr> {
    match one_connection(db).await? {
        Some(single) => finish(Migrator::down(&single, Some(steps)).await, single).await,
        None => Migrator::down(db, Some(steps)).await,
    }
}

/// On SQLite, a pool of one connection to the same file for the migrations: SQLite checks a
/// `CREATE` against the schema its connection last read, and a pooled connection other than the
/// one that just dropped a table, index or trigger may not have read it since ("already
/// exists"). PostgreSQL runs each migration in a transaction, on one connection already.
async fn one_connection(db: &DatabaseConnection) -> Result<Option<DatabaseConnection>, DbErr> {
    // A database in memory lives in its pool's only connection, which is one already.
    if db.get_database_backend() != DbBackend::Sqlite
        || db.get_sqlite_connection_pool().options().get_max_connections() == 1
    {
        return Ok(None);
    }
    let options = db.get_sqlite_connection_pool().connect_options();
    let pool = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with((*options).clone())
        .await
        .map_err(|error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error))))?;
    Ok(Some(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)))
}

async fn finish(outcome: Result<(), DbErr>, single: DatabaseConnection) -> Result<(), DbErr> {
    single.close().await?;
    outcome
}

/// Every known migration, in order, with whether it has been applied.
///
/// # Errors
/// When the migration table cannot be read.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    let migrations = Migrator::get_migration_with_status(db).await?;
    Ok(migrations.iter().map(|m| (m.name().to_owned(), m.status() == MigrationStatus::Applied)).collect())
}

/// The pool's connections right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections, idle or in use.
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}
