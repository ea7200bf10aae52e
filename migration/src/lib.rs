//! The schema, as an ordered list of migrations. One file per change, named after
//! the day it was written, each able to go `up` and `down`; the same migrations
//! build the schema on SQLite and on PostgreSQL.
//!
//! The service applies pending migrations at start (`todo-api serve`) and offers
//! `todo-api migrate up|down|status` to operators.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_users;
mod m20261121_000002_create_todos;
mod m20261202_000003_create_jobs;
mod m20261202_000004_create_sessions;
mod m20261202_000005_accounts;
mod m20261202_000006_todo_events;
mod m20261202_000007_todo_revisions;
mod m20261202_000008_idempotency_keys;
mod m20261202_000009_attachments;
mod m20261204_000010_job_trace_parent;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_users::Migration),
            Box::new(m20261121_000002_create_todos::Migration),
            Box::new(m20261202_000003_create_jobs::Migration),
            Box::new(m20261202_000004_create_sessions::Migration),
            Box::new(m20261202_000005_accounts::Migration),
            Box::new(m20261202_000006_todo_events::Migration),
            Box::new(m20261202_000007_todo_revisions::Migration),
            Box::new(m20261202_000008_idempotency_keys::Migration),
            Box::new(m20261202_000009_attachments::Migration),
            Box::new(m20261204_000010_job_trace_parent::Migration),
        ]
    }
}
