//! The database adapter: sea-orm implementations of the repository ports
//! (`SeaOrmUserRepository`, `SeaOrmTodoRepository`), the connection pool set up
//! for SQLite or PostgreSQL, and the migrations that build the schema.
//!
//! It may import the application's ports, the domain and sea-orm. Every `DbErr`
//! is translated here into the ports' `RepositoryError`, so no caller ever sees
//! the ORM; rows are turned back into domain types through their constructors.

mod connection;
mod entities;
mod errors;
mod health;
#[cfg(feature = "testing")]
pub mod testing;
mod todo_repository;
mod user_repository;

pub use connection::{
    DatabaseOptions, PoolStats, connect, migrate_down, migrate_up, migration_status, pool_stats,
};
pub use health::SeaOrmHealthCheck;
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
pub use todo_repository::SeaOrmTodoRepository;
pub use user_repository::SeaOrmUserRepository;
