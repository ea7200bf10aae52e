//! The database adapter: sea-orm implementations of the repository ports
//! (`SeaOrmUserRepository`, `SeaOrmTodoRepository`) and of the unit of work
//! (`SeaOrmUnitOfWork`), the connections set up for SQLite or PostgreSQL, and the
//! migrations that build the schema.
//!
//! It may import the application's ports, the domain and sea-orm. Every `DbErr`
//! is translated here into the ports' `RepositoryError`, so no caller ever sees
//! the ORM; rows are turned back into domain types through their constructors.

mod abandoned;
mod api_key_repository;
mod attachment_repository;
mod connection;
mod entities;
mod errors;
mod executor;
mod health;
mod idempotency_store;
mod job_payload;
mod job_queue;
mod job_store;
mod job_wakeups;
mod password_reset_repository;
mod session_repository;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod thread_pools;
mod todo_event_log;
mod todo_repository;
mod unit_of_work;
mod user_repository;

pub use api_key_repository::SeaOrmApiKeyRepository;
pub use attachment_repository::SeaOrmAttachmentRepository;
pub use connection::{DatabaseOptions, Pool, PoolStats, connect, migrate_down, migrate_up, migration_status};
pub use health::SeaOrmHealthCheck;
pub use idempotency_store::SeaOrmIdempotencyStore;
pub use job_queue::JOBS_CHANNEL;
pub use job_store::SeaOrmJobStore;
pub use job_wakeups::forward_job_notifications;
pub use password_reset_repository::SeaOrmPasswordResetRepository;
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult, Statement};
pub use session_repository::{SeaOrmPrincipalStore, SeaOrmSessionRepository};
pub use todo_event_log::SeaOrmTodoEventLog;
pub use todo_repository::SeaOrmTodoRepository;
pub use unit_of_work::{JobsCommitted, SeaOrmUnitOfWork};
pub use user_repository::SeaOrmUserRepository;
