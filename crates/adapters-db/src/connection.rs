//! Opening the connection pool, and running the migrations over it.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};
use todo_migration::{MigrationStatus, Migrator, MigratorTrait};

/// How long a SQLite writer waits for another one to finish before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the pool needs to know, as plain values.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    /// `sqlite://todo.db` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a connection before it is told the database is unavailable.
    pub acquire_timeout: Duration,
}

/// Opens the pool. SQLite files are created if missing and run in WAL mode, so
/// that readers never wait for writers, with a busy timeout so that concurrent
/// writers queue instead of failing with "database is locked".
///
/// # Errors
/// The driver's error when the database cannot be reached or opened.
pub async fn connect(options: &DatabaseOptions) -> Result<DatabaseConnection, DbErr> {
    let mut connect = ConnectOptions::new(options.url.clone());
    connect
        .max_connections(options.max_connections)
        .min_connections(1)
        .acquire_timeout(options.acquire_timeout)
        .connect_timeout(options.acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    Database::connect(connect).await
}

/// Applies every pending migration.
///
/// # Errors
/// The first migration that fails, which is rolled back where the database allows.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Rolls back the last `steps` applied migrations.
///
/// # Errors
/// The first migration that fails to roll back.
pub async fn migrate_down(db: &DatabaseConnection, steps: u32) -> Result<(), DbErr> {
    Migrator::down(db, Some(steps)).await
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

/// How many connections the pool holds and how many are idle.
pub fn pool_stats(db: &DatabaseConnection) -> Option<PoolStats> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            Some(PoolStats {
                size: pool.size(),
                idle: pool.num_idle(),
                max: pool.options().get_max_connections(),
            })
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            Some(PoolStats {
                size: pool.size(),
                idle: pool.num_idle(),
                max: pool.options().get_max_connections(),
            })
        }
        _ => None,
    }
}
