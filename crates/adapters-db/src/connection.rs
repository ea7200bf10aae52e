//! Opening the connections, and running the migrations over them.

use std::time::Duration;

use crate::sqlite::{InProcessSqlite, Location};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};
use todo_migration::{MigrationStatus, Migrator, MigratorTrait};

/// What the pool needs to know, as plain values.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    /// `sqlite://todo.db` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a connection (PostgreSQL) or for another process's
    /// lock on the file (SQLite) before it is told the database is unavailable.
    pub acquire_timeout: Duration,
}

/// The connections the repositories share: a sea-orm connection, plus what is
/// needed to report on them.
#[derive(Debug, Clone)]
pub struct Pool {
    db: DatabaseConnection,
    sqlite: Option<InProcessSqlite>,
}

/// Opens the connections. SQLite runs in-process (see [`InProcessSqlite`]); its file
/// is created if missing. PostgreSQL goes through sqlx's pool.
///
/// # Errors
/// The driver's error when the database cannot be reached or opened.
pub async fn connect(options: &DatabaseOptions) -> Result<Pool, DbErr> {
    if options.url.starts_with("sqlite:") {
        let location = Location::parse(&options.url)?;
        let sqlite = InProcessSqlite::open(&location, options.max_connections, options.acquire_timeout)?;
        return Ok(Pool { db: sqlite.connection().await?, sqlite: Some(sqlite) });
    }
    let mut connect = ConnectOptions::new(options.url.clone());
    connect
        .max_connections(options.max_connections)
        .min_connections(1)
        .acquire_timeout(options.acquire_timeout)
        .connect_timeout(options.acquire_timeout)
        .sqlx_logging(false);
    Ok(Pool { db: Database::connect(connect).await?, sqlite: None })
}

impl Pool {
    /// The connection to hand to repositories and migrations.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// How many connections are open and how many are idle.
    pub fn stats(&self) -> Option<PoolStats> {
        if let Some(sqlite) = &self.sqlite {
            let (size, idle) = sqlite.usage();
            let size = u32::try_from(size).unwrap_or(u32::MAX);
            return Some(PoolStats { size, idle, max: size });
        }
        match self.db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                Some(PoolStats {
                    size: pool.size(),
                    idle: pool.num_idle(),
                    max: pool.options().get_max_connections(),
                })
            }
            _ => None,
        }
    }

    /// Closes the connections once every clone is done with them.
    ///
    /// # Errors
    /// The driver's, if closing fails.
    pub async fn close(self) -> Result<(), DbErr> {
        self.db.close().await
    }
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
