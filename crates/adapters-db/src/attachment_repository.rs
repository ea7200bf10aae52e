//! Attachments and the orphan-blob ledger ([`SeaOrmAttachmentRepository`]).

use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, LockType, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use todo_application::ports::{
    AttachmentRepository, AttachmentUsage, BlobKey, NewAttachment, RepositoryError,
};
use todo_domain::{Attachment, AttachmentId, FileName, Timestamp, TodoId, UserId};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::{attachments, orphan_blobs, todos, users};
use crate::errors::corrupt_row;
use crate::executor::Executor;

/// [`AttachmentRepository`] on any database sea-orm supports, outside or inside a transaction.
pub struct SeaOrmAttachmentRepository {
    executor: Executor,
}

impl SeaOrmAttachmentRepository {
    /// Every operation gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }

    pub(crate) fn within(executor: Executor) -> Self {
        Self { executor }
    }
}

#[async_trait]
impl AttachmentRepository for SeaOrmAttachmentRepository {
    #[instrument(name = "db.attachments.usage", skip_all)]
    async fn usage(&self, owner: UserId, todo: TodoId) -> Result<AttachmentUsage, RepositoryError> {
        let writer = self.executor.writer();
        // Inside a transaction on PostgreSQL, locks the todo (against its deletion) and then the
        // user's row (against another upload) to the commit: uploads of one user take turns, in
        // the order a todo's deletion takes the same rows (the todo, then through the event
        // trigger the user), so the two cannot deadlock. SQLite's writing transactions hold the
        // whole database already; sea-query leaves the clauses out there.
        let todo_lock = todos::Entity::find_by_id(todo.get())
            .select_only()
            .column(todos::Column::Id)
            .lock(LockType::KeyShare);
        self.executor.run(todo_lock.into_tuple::<i64>().one(&writer)).await?;
        let user_lock = users::Entity::find_by_id(owner.get())
            .select_only()
            .column(users::Column::Id)
            .lock(LockType::NoKeyUpdate);
        self.executor.run(user_lock.into_tuple::<i64>().one(&writer)).await?;
        let on_todo = attachments::Entity::find()
            .filter(attachments::Column::TodoId.eq(todo.get()))
            .select_only()
            .column_as(attachments::Column::Id.count(), "count")
            .into_tuple::<i64>();
        let on_todo = self.executor.run(on_todo.one(&writer)).await?.unwrap_or(0);
        let user_bytes = attachments::Entity::find()
            .filter(attachments::Column::UserId.eq(owner.get()))
            .select_only()
            .column_as(Expr::cust("CAST(COALESCE(SUM(size), 0) AS BIGINT)"), "bytes")
            .into_tuple::<i64>();
        let user_bytes = self.executor.run(user_bytes.one(&writer)).await?.unwrap_or(0);
        Ok(AttachmentUsage {
            on_todo: u64::try_from(on_todo).unwrap_or(0),
            user_bytes: u64::try_from(user_bytes).unwrap_or(0),
        })
    }

    #[instrument(name = "db.attachments.insert", skip_all)]
    async fn insert(&self, new: NewAttachment) -> Result<Attachment, RepositoryError> {
        let row = attachments::ActiveModel {
            todo_id: Set(new.todo_id.get()),
            user_id: Set(new.owner.get()),
            blob_key: Set(new.blob_key.0.clone()),
            filename: Set(new.filename.as_str().to_owned()),
            content_type: Set(new.content_type.clone()),
            size: Set(i64::try_from(new.blob.size).unwrap_or(i64::MAX)),
            sha256: Set(new.blob.sha256.clone()),
            created_at: Set(new.created_at),
            ..Default::default()
        };
        let id = self.executor.insert(row).await?;
        Ok(Attachment {
            id: AttachmentId::new(id).map_err(|error| corrupt_row("attachments", id, error))?,
            todo_id: new.todo_id,
            owner: new.owner,
            filename: new.filename,
            content_type: new.content_type,
            size: new.blob.size,
            sha256: new.blob.sha256,
            blob_key: new.blob_key.0,
            created_at: new.created_at,
        })
    }

    #[instrument(name = "db.attachments.list", skip_all)]
    async fn list(&self, todo: TodoId) -> Result<Vec<Attachment>, RepositoryError> {
        let query = attachments::Entity::find()
            .filter(attachments::Column::TodoId.eq(todo.get()))
            .order_by_asc(attachments::Column::Id);
        let rows = self.executor.run(query.all(&self.executor.writer())).await?;
        rows.into_iter().map(to_attachment).collect()
    }

    #[instrument(name = "db.attachments.find", skip_all)]
    async fn find(&self, todo: TodoId, id: AttachmentId) -> Result<Option<Attachment>, RepositoryError> {
        let query =
            attachments::Entity::find_by_id(id.get()).filter(attachments::Column::TodoId.eq(todo.get()));
        let row = self.executor.run(query.one(&self.executor.writer())).await?;
        row.map(to_attachment).transpose()
    }

    #[instrument(name = "db.attachments.delete", skip_all)]
    async fn delete(&self, id: AttachmentId) -> Result<(), RepositoryError> {
        let delete = attachments::Entity::delete_by_id(id.get());
        let result = self.executor.run(delete.exec(&self.executor.writer())).await?;
        if result.rows_affected == 0 { Err(RepositoryError::NotFound) } else { Ok(()) }
    }

    #[instrument(name = "db.orphan_blobs.expect", skip_all)]
    async fn expect_orphan(&self, key: &BlobKey, collect_after: Timestamp) -> Result<(), RepositoryError> {
        let row = orphan_blobs::ActiveModel {
            blob_key: Set(key.0.clone()),
            collect_after_ms: Set(collect_after.timestamp_millis()),
        };
        let upsert = OnConflict::column(orphan_blobs::Column::BlobKey)
            .update_column(orphan_blobs::Column::CollectAfterMs)
            .to_owned();
        let insert = orphan_blobs::Entity::insert(row).on_conflict(upsert);
        self.executor.run(insert.exec_without_returning(&self.executor.writer())).await.map(drop)
    }

    #[instrument(name = "db.orphan_blobs.settle", skip_all)]
    async fn settle_upload(&self, key: &BlobKey, collect_after: Timestamp) -> Result<(), RepositoryError> {
        let delete = orphan_blobs::Entity::delete_by_id(key.0.clone())
            .filter(orphan_blobs::Column::CollectAfterMs.eq(collect_after.timestamp_millis()));
        let result = self.executor.run(delete.exec(&self.executor.writer())).await?;
        if result.rows_affected == 0 { Err(RepositoryError::NotFound) } else { Ok(()) }
    }

    #[instrument(name = "db.orphan_blobs.forget", skip_all)]
    async fn forget_orphan(&self, key: &BlobKey) -> Result<(), RepositoryError> {
        let delete = orphan_blobs::Entity::delete_by_id(key.0.clone());
        self.executor.run(delete.exec(&self.executor.writer())).await.map(drop)
    }

    #[instrument(name = "db.orphan_blobs.take", skip_all)]
    async fn take_orphans(
        &self,
        now: Timestamp,
        limit: u64,
        retry_at: Timestamp,
    ) -> Result<Vec<BlobKey>, RepositoryError> {
        let due = orphan_blobs::Entity::find()
            .filter(orphan_blobs::Column::CollectAfterMs.lte(now.timestamp_millis()))
            .order_by_asc(orphan_blobs::Column::CollectAfterMs)
            .limit(limit);
        let writer = self.executor.writer();
        let mut taken = Vec::new();
        for row in self.executor.run(due.all(&writer)).await? {
            // Taken only if still as read: an upload settling it, or another sweep, wins otherwise.
            let take = orphan_blobs::Entity::update_many()
                .col_expr(orphan_blobs::Column::CollectAfterMs, Expr::value(retry_at.timestamp_millis()))
                .filter(orphan_blobs::Column::BlobKey.eq(&row.blob_key))
                .filter(orphan_blobs::Column::CollectAfterMs.eq(row.collect_after_ms));
            if self.executor.run(take.exec(&writer)).await?.rows_affected == 1 {
                taken.push(BlobKey(row.blob_key));
            }
        }
        Ok(taken)
    }
}

fn to_attachment(row: attachments::Model) -> Result<Attachment, RepositoryError> {
    let id = row.id;
    let corrupt = |error: &dyn std::fmt::Display| {
        corrupt_row("attachments", id, std::io::Error::other(error.to_string()))
    };
    Ok(Attachment {
        id: AttachmentId::new(id).map_err(|e| corrupt(&e))?,
        todo_id: TodoId::new(row.todo_id).map_err(|e| corrupt(&e))?,
        owner: UserId::new(row.user_id).map_err(|e| corrupt(&e))?,
        filename: FileName::stored(row.filename),
        content_type: row.content_type,
        size: u64::try_from(row.size).map_err(|e| corrupt(&e))?,
        sha256: row.sha256,
        blob_key: row.blob_key,
        created_at: row.created_at,
    })
}
