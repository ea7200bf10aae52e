use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261121_000001_create_users::Users;
use crate::m20261121_000002_create_todos::Todos;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Attachments, and the ledger of blobs to remove from the blob store: those of uploads not
/// yet recorded, and those of deleted attachments. A trigger puts a deleted attachment's blob
/// on the ledger in the deleting statement itself, whether the attachment, its todo or its
/// user was deleted, so that no blob is ever forgotten.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(
                        ColumnDef::new(Attachments::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Attachments::TodoId).big_integer().not_null())
                    .col(ColumnDef::new(Attachments::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Attachments::BlobKey).string_len(64).not_null())
                    .col(ColumnDef::new(Attachments::Filename).string_len(255).not_null())
                    .col(ColumnDef::new(Attachments::ContentType).string_len(255).not_null())
                    .col(ColumnDef::new(Attachments::Size).big_integer().not_null())
                    .col(ColumnDef::new(Attachments::Sha256).string_len(64).not_null())
                    .col(ColumnDef::new(Attachments::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("attachments_todo_id_fkey")
                            .from(Attachments::Table, Attachments::TodoId)
                            .to(Todos::Table, Todos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("attachments_user_id_fkey")
                            .from(Attachments::Table, Attachments::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("attachments_todo_id_idx", Attachments::TodoId),
            ("attachments_user_id_idx", Attachments::UserId),
        ] {
            let index = Index::create().name(name).table(Attachments::Table).col(column).to_owned();
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrphanBlobs::Table)
                    .col(ColumnDef::new(OrphanBlobs::BlobKey).string_len(64).not_null().primary_key())
                    // Milliseconds since 1970: written by the trigger too, in SQL of each database.
                    .col(ColumnDef::new(OrphanBlobs::CollectAfterMs).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        let index = Index::create()
            .name("orphan_blobs_collect_after_ms_idx")
            .table(OrphanBlobs::Table)
            .col(OrphanBlobs::CollectAfterMs)
            .to_owned();
        manager.create_index(index).await?;
        let trigger = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_TRIGGER,
            _ => SQLITE_TRIGGER,
        };
        manager.get_connection().execute_unprepared(trigger).await.map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop_trigger = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "DROP TRIGGER IF EXISTS attachments_orphan_blob ON attachments;\n\
                 DROP FUNCTION IF EXISTS attachments_orphan_blob()"
            }
            _ => "DROP TRIGGER IF EXISTS attachments_orphan_blob",
        };
        manager.get_connection().execute_unprepared(drop_trigger).await?;
        manager.drop_table(Table::drop().table(OrphanBlobs::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Attachments::Table).to_owned()).await
    }
}

const SQLITE_TRIGGER: &str = "CREATE TRIGGER attachments_orphan_blob AFTER DELETE ON attachments BEGIN
       INSERT OR IGNORE INTO orphan_blobs (blob_key, collect_after_ms)
       VALUES (OLD.blob_key, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
     END";

const POSTGRES_TRIGGER: &str = "CREATE FUNCTION attachments_orphan_blob() RETURNS trigger AS $$
     BEGIN
       INSERT INTO orphan_blobs (blob_key, collect_after_ms)
       VALUES (OLD.blob_key, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT)
       ON CONFLICT (blob_key) DO NOTHING;
       RETURN NULL;
     END
     $$ LANGUAGE plpgsql;
     CREATE TRIGGER attachments_orphan_blob AFTER DELETE ON attachments
     FOR EACH ROW EXECUTE FUNCTION attachments_orphan_blob()";

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    TodoId,
    UserId,
    BlobKey,
    Filename,
    ContentType,
    Size,
    Sha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrphanBlobs {
    Table,
    BlobKey,
    CollectAfterMs,
}
