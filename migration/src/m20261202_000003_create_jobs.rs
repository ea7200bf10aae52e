use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The durable job queue (docs/adr/0007-job-queue.md): work a request commits to, stored in
/// the same transaction as its data, claimed by workers under a lease.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(ColumnDef::new(Jobs::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Jobs::Kind).string_len(100).not_null())
                    // Versioned JSON, as text: the same on both databases.
                    .col(ColumnDef::new(Jobs::Payload).text().not_null())
                    // queued, running, succeeded, failed (to be retried at run_at) or dead.
                    .col(ColumnDef::new(Jobs::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Jobs::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(Jobs::MaxAttempts).integer().not_null())
                    .col(ColumnDef::new(Jobs::RunAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Jobs::LockedUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Jobs::LockedBy).string_len(200).null())
                    .col(ColumnDef::new(Jobs::LastError).text().null())
                    .col(ColumnDef::new(Jobs::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Jobs::FinishedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        // Serves the claim: the ready jobs of a status in run_at order.
        manager
            .create_index(
                Index::create()
                    .name("jobs_status_run_at_idx")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::RunAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Jobs::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    Status,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedUntil,
    LockedBy,
    LastError,
    CreatedAt,
    FinishedAt,
}
