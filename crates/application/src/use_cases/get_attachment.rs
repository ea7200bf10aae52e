use std::ops::Range;
use std::sync::Arc;

use todo_domain::{Attachment, AttachmentId, TodoId, UserId};
use tracing::instrument;

use super::find_owned;
use crate::ports::{
    AttachmentRepository, BlobError, BlobKey, BlobStore, ByteStream, RepositoryError, TodoRepository,
};

/// One attachment of one of the caller's todos, and its bytes.
pub struct GetAttachment {
    todos: Arc<dyn TodoRepository>,
    attachments: Arc<dyn AttachmentRepository>,
    blobs: Arc<dyn BlobStore>,
}

#[derive(Debug, thiserror::Error)]
pub enum GetAttachmentError {
    #[error("todo not found")]
    TodoNotFound,
    #[error("attachment not found")]
    NotFound,
    #[error(transparent)]
    Storage(#[from] BlobError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl GetAttachment {
    pub fn new(
        todos: Arc<dyn TodoRepository>,
        attachments: Arc<dyn AttachmentRepository>,
        blobs: Arc<dyn BlobStore>,
    ) -> Self {
        Self { todos, attachments, blobs }
    }

    /// What is known of it; someone else's todo's attachments do not exist for the caller.
    #[instrument(name = "get_attachment", skip_all, fields(user_id = %owner, todo_id = %todo))]
    pub async fn execute(
        &self,
        owner: UserId,
        todo: TodoId,
        id: AttachmentId,
    ) -> Result<Attachment, GetAttachmentError> {
        find_owned(self.todos.as_ref(), owner, todo).await?.ok_or(GetAttachmentError::TodoNotFound)?;
        self.attachments.find(todo, id).await?.ok_or(GetAttachmentError::NotFound)
    }

    /// Its bytes, or those of `range` (which the caller has checked against its size).
    pub async fn content(
        &self,
        attachment: &Attachment,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, GetAttachmentError> {
        let key = BlobKey(attachment.blob_key.clone());
        self.blobs.get(&key, range).await.map_err(|error| match error {
            // The record is there and the blob is not: storage lost it.
            BlobError::NotFound => {
                GetAttachmentError::Storage(BlobError::Unavailable("the blob is missing".into()))
            }
            other => other.into(),
        })
    }
}
