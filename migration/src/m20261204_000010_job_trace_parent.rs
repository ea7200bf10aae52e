use sea_orm_migration::prelude::*;

use crate::m20261202_000003_create_jobs::Jobs;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The W3C `traceparent` of the work that enqueued each job, so that the job's run joins the
/// same trace (docs/adr/0020-traces.md). Null when no trace was being recorded.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(TraceParent::TraceParent).string_len(64).null().to_owned();
        manager.alter_table(Table::alter().table(Jobs::Table).add_column(column).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop = Table::alter().table(Jobs::Table).drop_column(TraceParent::TraceParent).to_owned();
        manager.alter_table(drop).await
    }
}

#[derive(DeriveIden)]
enum TraceParent {
    TraceParent,
}
