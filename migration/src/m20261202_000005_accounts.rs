use sea_orm_migration::prelude::*;

use crate::m20261121_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Superusers, password-reset tokens and API keys: the accounts' administration.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Superuser::IsSuperuser).boolean().not_null().default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasswordResetTokens::Table)
                    // SHA-256 of the token, in hex: the token itself is never stored.
                    .col(ColumnDef::new(PasswordResetTokens::Hash).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(PasswordResetTokens::UserId).big_integer().not_null())
                    .col(ColumnDef::new(PasswordResetTokens::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(PasswordResetTokens::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(PasswordResetTokens::UsedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("password_reset_tokens_user_id_fkey")
                            .from(PasswordResetTokens::Table, PasswordResetTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("password_reset_tokens_user_id_idx")
                    .table(PasswordResetTokens::Table)
                    .col(PasswordResetTokens::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(ColumnDef::new(ApiKeys::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(ApiKeys::UserId).big_integer().not_null())
                    .col(ColumnDef::new(ApiKeys::Name).string_len(400).not_null())
                    .col(ColumnDef::new(ApiKeys::Prefix).string_len(16).not_null())
                    // SHA-256 of the key, in hex, looked up on every request made with a key.
                    .col(ColumnDef::new(ApiKeys::Hash).string_len(64).not_null())
                    .col(ColumnDef::new(ApiKeys::Scope).string_len(200).not_null())
                    .col(ColumnDef::new(ApiKeys::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ApiKeys::ExpiresAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ApiKeys::LastUsedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ApiKeys::RevokedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("api_keys_user_id_fkey")
                            .from(ApiKeys::Table, ApiKeys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("api_keys_hash_key")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::Hash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("api_keys_user_id_idx")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiKeys::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PasswordResetTokens::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Users::Table).drop_column(Superuser::IsSuperuser).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Superuser {
    IsSuperuser,
}

#[derive(DeriveIden)]
pub enum PasswordResetTokens {
    Table,
    Hash,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
pub enum ApiKeys {
    Table,
    Id,
    UserId,
    Name,
    Prefix,
    Hash,
    Scope,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}
