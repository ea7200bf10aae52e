use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    // 64-bit ids that are never reused: AUTOINCREMENT on SQLite, identity on PostgreSQL.
                    .col(ColumnDef::new(Users::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Users::Username).string_len(50).not_null())
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null())
                    .col(ColumnDef::new(Users::PasswordHash).text().not_null())
                    .col(ColumnDef::new(Users::IsActive).boolean().not_null().default(true))
                    .col(ColumnDef::new(Users::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        // The adapters map a violation of either index back to the key by its name.
        manager
            .create_index(
                Index::create()
                    .name("users_username_key")
                    .table(Users::Table)
                    .col(Users::Username)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // On lower(email): unique regardless of case, even for rows written by other tools.
        // Plain SQL because the query builder has no expression indexes for SQLite;
        // the statement is the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX users_email_key ON users (lower(email))")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Username,
    Email,
    PasswordHash,
    IsActive,
    CreatedAt,
}
