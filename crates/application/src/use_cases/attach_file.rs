use std::sync::Arc;

use chrono::TimeDelta;
use todo_domain::{ATTACHMENTS_PER_TODO, Attachment, FileName, Timestamp, TodoId, UserId};
use tracing::instrument;

use super::find_owned;
use crate::ports::{
    AttachmentRepository, AttachmentUsage, BlobError, BlobKey, BlobStore, ByteStream, Clock, NewAttachment,
    RepositoryError, TodoRepository, UnitOfWork,
};

/// How long an upload may run before its blob counts as orphaned (a process that died
/// mid-upload), to be removed by [`super::SweepOrphanBlobs`].
pub const UPLOAD_GRACE: TimeDelta = TimeDelta::hours(1);

/// The size limits of attachments, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// The largest file.
    pub max_bytes: u64,
    /// All of a user's attachments together.
    pub quota_bytes: u64,
}

/// A file as it arrives: its name and type as the client declared them, and its bytes.
pub struct Upload {
    pub filename: FileName,
    pub content_type: String,
    pub content: ByteStream,
}

/// Attaches a file to one of the caller's todos. The bytes stream to the blob store as they
/// arrive; the record is written after, with the limits checked again in its transaction.
/// The blob is on the orphan ledger until the record commits, so a failure at any point
/// leaves nothing behind for long.
pub struct AttachFile {
    todos: Arc<dyn TodoRepository>,
    attachments: Arc<dyn AttachmentRepository>,
    blobs: Arc<dyn BlobStore>,
    unit_of_work: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    limits: AttachmentLimits,
}

#[derive(Debug, thiserror::Error)]
pub enum AttachFileError {
    #[error("todo not found")]
    TodoNotFound,
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the todo has {ATTACHMENTS_PER_TODO} attachments already")]
    TooMany,
    #[error("the user's storage quota would be exceeded")]
    QuotaExceeded,
    #[error("the upload was cut short")]
    Interrupted(#[source] BlobError),
    #[error(transparent)]
    Storage(BlobError),
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<RepositoryError> for AttachFileError {
    fn from(error: RepositoryError) -> Self {
        match error {
            // The todo went while the file streamed in.
            RepositoryError::NotFound => Self::TodoNotFound,
            other => Self::Repository(other),
        }
    }
}

impl From<BlobError> for AttachFileError {
    fn from(error: BlobError) -> Self {
        match error {
            BlobError::TooLarge(limit) => Self::TooLarge(limit),
            BlobError::Interrupted(_) => Self::Interrupted(error),
            other => Self::Storage(other),
        }
    }
}

/// Why an upload was not recorded: before the commit (nothing was), or at it (unknown).
enum Unrecorded {
    Before(AttachFileError),
    AtCommit(AttachFileError),
}

impl AttachFile {
    pub fn new(
        todos: Arc<dyn TodoRepository>,
        attachments: Arc<dyn AttachmentRepository>,
        blobs: Arc<dyn BlobStore>,
        unit_of_work: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        limits: AttachmentLimits,
    ) -> Self {
        Self { todos, attachments, blobs, unit_of_work, clock, limits }
    }

    pub fn limits(&self) -> AttachmentLimits {
        self.limits
    }

    #[instrument(name = "attach_file", skip_all, fields(user_id = %owner, todo_id = %todo))]
    pub async fn execute(
        &self,
        owner: UserId,
        todo: TodoId,
        upload: Upload,
    ) -> Result<Attachment, AttachFileError> {
        find_owned(self.todos.as_ref(), owner, todo).await?.ok_or(AttachFileError::TodoNotFound)?;
        // Refused before any byte is stored when the limits are reached already.
        self.check(self.attachments.usage(owner, todo).await?, 0)?;
        let key = self.blobs.new_key();
        // Millisecond precision, as the ledger keeps it: the record settles exactly this.
        let due = self.clock.now() + UPLOAD_GRACE;
        let due = chrono::DateTime::from_timestamp_millis(due.timestamp_millis()).unwrap_or(due);
        self.attachments.expect_orphan(&key, due).await?;
        let stored = match self.blobs.put(&key, upload.content, self.limits.max_bytes).await {
            Ok(stored) => stored,
            Err(error) => {
                self.discard(&key).await;
                return Err(error.into());
            }
        };
        let new = NewAttachment {
            todo_id: todo,
            owner,
            filename: upload.filename,
            content_type: upload.content_type,
            blob: stored,
            blob_key: key.clone(),
            created_at: self.clock.now(),
        };
        match self.record(new, due).await {
            Ok(attachment) => Ok(attachment),
            Err(Unrecorded::Before(error)) => {
                self.discard(&key).await;
                Err(error)
            }
            // The commit's outcome is unknown: if it took, the blob is the attachment's; if not,
            // the blob is still on the ledger and the sweeper removes it.
            Err(Unrecorded::AtCommit(error)) => Err(error),
        }
    }

    /// The record, and the blob off the ledger, in one transaction that holds the user's
    /// attachments still, so that two uploads at once cannot both take the last of a limit.
    async fn record(&self, new: NewAttachment, due: Timestamp) -> Result<Attachment, Unrecorded> {
        let before = |error: AttachFileError| Unrecorded::Before(error);
        let transaction = self.unit_of_work.begin().await.map_err(|e| before(e.into()))?;
        let usage =
            transaction.attachments().usage(new.owner, new.todo_id).await.map_err(|e| before(e.into()))?;
        self.check(usage, new.blob.size).map_err(before)?;
        let key = new.blob_key.clone();
        let attachment = transaction.attachments().insert(new).await.map_err(|e| before(e.into()))?;
        // Not due as set means the sweeper took the blob: the upload ran past its grace.
        transaction.attachments().settle_upload(&key, due).await.map_err(|error| {
            before(match error {
                RepositoryError::NotFound => AttachFileError::Storage(BlobError::NotFound),
                other => AttachFileError::Repository(other),
            })
        })?;
        transaction.commit().await.map_err(|error| Unrecorded::AtCommit(error.into()))?;
        Ok(attachment)
    }

    /// Room for one more attachment of `adding` bytes (a full quota takes no more, not even
    /// an empty file).
    fn check(&self, usage: AttachmentUsage, adding: u64) -> Result<(), AttachFileError> {
        if usage.on_todo >= ATTACHMENTS_PER_TODO {
            return Err(AttachFileError::TooMany);
        }
        if usage.user_bytes.saturating_add(adding.max(1)) > self.limits.quota_bytes {
            return Err(AttachFileError::QuotaExceeded);
        }
        Ok(())
    }

    /// Removes a blob that will not be recorded, now if possible; otherwise the sweeper will.
    async fn discard(&self, key: &BlobKey) {
        if let Err(error) = self.blobs.delete(key).await {
            tracing::warn!(%error, "an unrecorded blob could not be removed yet; the sweeper will");
            return;
        }
        if let Err(error) = self.attachments.forget_orphan(key).await {
            tracing::warn!(%error, "a removed blob stays on the orphan ledger; the sweeper will clear it");
        }
    }
}
