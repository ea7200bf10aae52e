use sea_orm_migration::prelude::*;

use crate::m20261121_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Todos::Table)
                    .col(ColumnDef::new(Todos::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Todos::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Todos::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Todos::Description).text().null())
                    .col(ColumnDef::new(Todos::Completed).boolean().not_null().default(false))
                    .col(ColumnDef::new(Todos::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Todos::UpdatedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("todos_user_id_fkey")
                            .from(Todos::Table, Todos::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Serves "this user's todos in id order", the query behind every list.
        manager
            .create_index(
                Index::create()
                    .name("todos_user_id_id_idx")
                    .table(Todos::Table)
                    .col(Todos::UserId)
                    .col(Todos::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Todos::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Todos {
    Table,
    Id,
    UserId,
    Title,
    Description,
    Completed,
    CreatedAt,
    UpdatedAt,
}
