use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261121_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each user's log of todo changes, written by triggers on `todos` inside the change's own
/// statement (docs/adr/0010-todo-events-written-by-the-database.md). `users.last_event_id`
/// numbers a user's events; bumping it locks the user's row until commit, so one user's events
/// commit in id order. A todo deleted with its user (the cascade) leaves no event: the user's row
/// is gone, and the triggers write only for a user that exists.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Counter::LastEventId).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        let sqlite = manager.get_database_backend() == DbBackend::Sqlite;
        let mut events = Table::create();
        events
            .table(TodoEvents::Table)
            .col(ColumnDef::new(TodoEvents::UserId).big_integer().not_null())
            .col(ColumnDef::new(TodoEvents::Id).big_integer().not_null())
            // todo.created, todo.updated or todo.deleted.
            .col(ColumnDef::new(TodoEvents::Kind).string_len(16).not_null())
            .col(ColumnDef::new(TodoEvents::TodoId).big_integer().not_null())
            // The todo as the change left it; NULL for a deletion.
            .col(ColumnDef::new(TodoEvents::Title).string_len(200).null())
            .col(ColumnDef::new(TodoEvents::Description).text().null())
            .col(ColumnDef::new(TodoEvents::Completed).boolean().null())
            .col(ColumnDef::new(TodoEvents::TodoCreatedAt).timestamp_with_time_zone().null())
            .col(ColumnDef::new(TodoEvents::TodoUpdatedAt).timestamp_with_time_zone().null())
            // Milliseconds since the Unix epoch, by the database's clock: for retention.
            .col(ColumnDef::new(TodoEvents::RecordedAtMs).big_integer().not_null())
            .primary_key(Index::create().col(TodoEvents::UserId).col(TodoEvents::Id))
            .foreign_key(
                ForeignKey::create()
                    .name("todo_events_user_id_fkey")
                    .from(TodoEvents::Table, TodoEvents::UserId)
                    .to(Users::Table, Users::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        if sqlite {
            // One B-tree, keyed by (user_id, id), instead of a rowid table plus its key's index:
            // a write to a todo also writes its event, and on SQLite every page a commit
            // dirties is copied to the WAL.
            events.extra("WITHOUT ROWID");
        }
        manager.create_table(events.to_owned()).await?;
        if !sqlite {
            // Pruning finds old events by age. SQLite goes without: each index is one more page
            // per write, and pruning there walks the one table in batches instead.
            manager
                .create_index(
                    Index::create()
                        .name("todo_events_recorded_at_ms_idx")
                        .table(TodoEvents::Table)
                        .col(TodoEvents::RecordedAtMs)
                        .to_owned(),
                )
                .await?;
        }
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_TRIGGERS,
            _ => SQLITE_TRIGGERS,
        };
        let connection = manager.get_connection();
        for statement in statements {
            connection.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DROP,
            _ => SQLITE_DROP,
        };
        let connection = manager.get_connection();
        for statement in statements {
            connection.execute_unprepared(statement).await?;
        }
        manager.drop_table(Table::drop().table(TodoEvents::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Users::Table).drop_column(Counter::LastEventId).to_owned())
            .await
    }
}

/// One trigger per kind of change. `INSERT ... SELECT ... FROM users` writes nothing when the
/// user is gone (a cascade from deleting them).
pub(crate) const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER todo_events_created AFTER INSERT ON todos BEGIN
       UPDATE users SET last_event_id = last_event_id + 1 WHERE id = NEW.user_id;
       INSERT INTO todo_events (user_id, id, kind, todo_id, title, description, completed,
                                todo_created_at, todo_updated_at, recorded_at_ms)
       SELECT NEW.user_id, last_event_id, 'todo.created', NEW.id, NEW.title, NEW.description,
              NEW.completed, NEW.created_at, NEW.updated_at,
              CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
       FROM users WHERE id = NEW.user_id;
     END",
    "CREATE TRIGGER todo_events_updated AFTER UPDATE ON todos BEGIN
       UPDATE users SET last_event_id = last_event_id + 1 WHERE id = NEW.user_id;
       INSERT INTO todo_events (user_id, id, kind, todo_id, title, description, completed,
                                todo_created_at, todo_updated_at, recorded_at_ms)
       SELECT NEW.user_id, last_event_id, 'todo.updated', NEW.id, NEW.title, NEW.description,
              NEW.completed, NEW.created_at, NEW.updated_at,
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

pub(crate) const SQLITE_DROP: &[&str] = &[
    "DROP TRIGGER IF EXISTS todo_events_created",
    "DROP TRIGGER IF EXISTS todo_events_updated",
    "DROP TRIGGER IF EXISTS todo_events_deleted",
];

/// One function for the three kinds. It does not `NOTIFY`: a notification inside the writing
/// transaction holds a database-wide lock across the commit (ADR 0010); the service sends
/// coalesced ones after commits instead.
pub(crate) const POSTGRES_TRIGGERS: &[&str] = &[
    "CREATE FUNCTION todo_events_record() RETURNS trigger AS $$
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
                                  todo_created_at, todo_updated_at, recorded_at_ms)
         VALUES (changed.user_id, event_id,
                 CASE TG_OP WHEN 'INSERT' THEN 'todo.created' ELSE 'todo.updated' END,
                 changed.id, changed.title, changed.description, changed.completed,
                 changed.created_at, changed.updated_at,
                 (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
       END IF;
       RETURN NULL;
     END
     $$ LANGUAGE plpgsql",
    "CREATE TRIGGER todo_events_record AFTER INSERT OR UPDATE OR DELETE ON todos
     FOR EACH ROW EXECUTE FUNCTION todo_events_record()",
];

pub(crate) const POSTGRES_DROP: &[&str] =
    &["DROP TRIGGER IF EXISTS todo_events_record ON todos", "DROP FUNCTION IF EXISTS todo_events_record()"];

#[derive(DeriveIden)]
enum Counter {
    LastEventId,
}

#[derive(DeriveIden)]
pub enum TodoEvents {
    Table,
    UserId,
    Id,
    Kind,
    TodoId,
    Title,
    Description,
    Completed,
    TodoCreatedAt,
    TodoUpdatedAt,
    RecordedAtMs,
}
