use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261121_000002_create_todos::Todos;
use crate::m20261202_000006_todo_events::{self as events, TodoEvents};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each todo's revision: 1 when created, one more at each change. Entity tags are built
/// on it, and every update is conditional on the revision it was made from, so that two
/// concurrent changes cannot silently overwrite each other (`If-Match`, API.md). The event
/// log records it with each snapshot, so an event's todo is the same todo a read returns.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let revision = ColumnDef::new(Revision::Revision).big_integer().not_null().default(1).to_owned();
        manager.alter_table(Table::alter().table(Todos::Table).add_column(revision).to_owned()).await?;
        let recorded = ColumnDef::new(Revision::TodoRevision).big_integer().null().to_owned();
        manager.alter_table(Table::alter().table(TodoEvents::Table).add_column(recorded).to_owned()).await?;
        let (drop, create) = match manager.get_database_backend() {
            DbBackend::Postgres => (&[][..], POSTGRES_TRIGGERS),
            _ => (events::SQLITE_DROP, SQLITE_TRIGGERS),
        };
        run(manager, drop.iter().chain(create)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Migration 6's triggers back first: SQLite refuses to drop a column a trigger names.
        let (drop, create) = match manager.get_database_backend() {
            DbBackend::Postgres => (events::POSTGRES_DROP, events::POSTGRES_TRIGGERS),
            _ => (events::SQLITE_DROP, events::SQLITE_TRIGGERS),
        };
        run(manager, drop.iter().chain(create)).await?;
        let recorded = Table::alter().table(TodoEvents::Table).drop_column(Revision::TodoRevision).to_owned();
        manager.alter_table(recorded).await?;
        manager
            .alter_table(Table::alter().table(Todos::Table).drop_column(Revision::Revision).to_owned())
            .await
    }
}

/// The statements as one batch, so that they run on one connection: SQLite checks
/// `CREATE TRIGGER` against the schema its connection last read, and a pooled connection
/// other than the one that dropped the trigger may not have read it since.
async fn run<'a>(
    manager: &SchemaManager<'_>,
    statements: impl Iterator<Item = &'a &'a str>,
) -> Result<(), DbErr> {
    let batch = statements.copied().collect::<Vec<_>>().join(";\n");
    manager.get_connection().execute_unprepared(&batch).await.map(drop)
}

/// Those of migration 6 with the revision recorded; the deletion's trigger is unchanged.
const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER todo_events_created AFTER INSERT ON todos BEGIN
       UPDATE users SET last_event_id = last_event_id + 1 WHERE id = NEW.user_id;
       INSERT INTO todo_events (user_id, id, kind, todo_id, title, description, completed,
                                todo_created_at, todo_updated_at, todo_revision, recorded_at_ms)
       SELECT NEW.user_id, last_event_id, 'todo.created', NEW.id, NEW.title, NEW.description,
              NEW.completed, NEW.created_at, NEW.updated_at, NEW.revision,
              CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
       FROM users WHERE id = NEW.user_id;
     END",
    "CREATE TRIGGER todo_events_updated AFTER UPDATE ON todos BEGIN
       UPDATE users SET last_event_id = last_event_id + 1 WHERE id = NEW.user_id;
       INSERT INTO todo_events (user_id, id, kind, todo_id, title, description, completed,
                                todo_created_at, todo_updated_at, todo_revision, recorded_at_ms)
       SELECT NEW.user_id, last_event_id, 'todo.updated', NEW.id, NEW.title, NEW.description,
              NEW.completed, NEW.created_at, NEW.updated_at, NEW.revision,
              CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
       FROM users WHERE id = NEW.user_id;
     END",
    "CREATE TRIGGER todo_events_deleted AFTER DELETE ON todos BEGIN
       UPDATE users SET last_event_id = last_event_id + 1 WHERE id = OLD.user_id;
       INSERT INTO todo_events (user_id, id, kind, todo_id, recorded_at_ms)
       SELECT OLD.user_id, last_event_id, 'todo.deleted', OLD.id,
              CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
       FROM users WHERE id = OLD.user_id;
     END",
];

/// The function of migration 6 with the revision recorded; its trigger stays as it is.
const POSTGRES_TRIGGERS: &[&str] = &["CREATE OR REPLACE FUNCTION todo_events_record() RETURNS trigger AS $$
     DECLARE
       changed todos%ROWTYPE;
       event_id BIGINT;
     BEGIN
       IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
       UPDATE users SET last_event_id = last_event_id + 1 WHERE id = changed.user_id
         RETURNING last_event_id INTO event_id;
       IF event_id IS NULL THEN RETURN NULL; END IF;
       IF TG_OP = 'DELETE' THEN
         INSERT INTO todo_events (user_id, id, kind, todo_id, recorded_at_ms)
         VALUES (changed.user_id, event_id, 'todo.deleted', changed.id,
                 (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
       ELSE
         INSERT INTO todo_events (user_id, id, kind, todo_id, title, description, completed,
                                  todo_created_at, todo_updated_at, todo_revision, recorded_at_ms)
         VALUES (changed.user_id, event_id,
                 CASE TG_OP WHEN 'INSERT' THEN 'todo.created' ELSE 'todo.updated' END,
                 changed.id, changed.title, changed.description, changed.completed,
                 changed.created_at, changed.updated_at, changed.revision,
                 (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
       END IF;
       RETURN NULL;
     END
     $$ LANGUAGE plpgsql"];

#[derive(DeriveIden)]
enum Revision {
    Revision,
    TodoRevision,
}
