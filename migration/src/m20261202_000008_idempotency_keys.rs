use sea_orm_migration::prelude::*;

use crate::m20261121_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The idempotency keys of the last 24 hours: per user, the request each key named (as a
/// fingerprint), and its answer once there is one. A row without an answer is a request
/// still being worked on, until `locked_until`.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(ColumnDef::new(IdempotencyKeys::UserId).big_integer().not_null())
                    .col(ColumnDef::new(IdempotencyKeys::IdempotencyKey).string_len(255).not_null())
                    .col(ColumnDef::new(IdempotencyKeys::Fingerprint).string_len(64).not_null())
                    .col(ColumnDef::new(IdempotencyKeys::Status).integer().null())
                    .col(ColumnDef::new(IdempotencyKeys::Body).text().null())
                    .col(ColumnDef::new(IdempotencyKeys::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(IdempotencyKeys::LockedUntil).timestamp_with_time_zone().not_null())
                    // The attempt that holds the key: only it may answer or release it.
                    .col(ColumnDef::new(IdempotencyKeys::ClaimToken).string_len(64).not_null())
                    .primary_key(
                        Index::create().col(IdempotencyKeys::UserId).col(IdempotencyKeys::IdempotencyKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("idempotency_keys_user_id_fkey")
                            .from(IdempotencyKeys::Table, IdempotencyKeys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Serves the pruning of keys past their 24 hours.
        manager
            .create_index(
                Index::create()
                    .name("idempotency_keys_created_at_idx")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    IdempotencyKey,
    Fingerprint,
    Status,
    Body,
    CreatedAt,
    LockedUntil,
    ClaimToken,
}
