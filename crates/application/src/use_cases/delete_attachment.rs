use std::sync::Arc;

use todo_domain::{AttachmentId, TodoId, UserId};
use tracing::instrument;

use super::find_owned;
use crate::ports::{AttachmentRepository, RepositoryError, TodoRepository};

/// Deletes an attachment of one of the caller's todos. Its record goes now; its blob goes on
/// the orphan ledger in the same statement, for [`super::SweepOrphanBlobs`] to remove.
pub struct DeleteAttachment {
    todos: Arc<dyn TodoRepository>,
    attachments: Arc<dyn AttachmentRepository>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteAttachmentError {
    #[error("todo not found")]
    TodoNotFound,
    #[error("attachment not found")]
    NotFound,
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<RepositoryError> for DeleteAttachmentError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::NotFound => Self::NotFound,
            other => Self::Repository(other),
        }
    }
}

impl DeleteAttachment {
    pub fn new(todos: Arc<dyn TodoRepository>, attachments: Arc<dyn AttachmentRepository>) -> Self {
        Self { todos, attachments }
    }

    #[instrument(name = "delete_attachment", skip_all, fields(user_id = %owner, todo_id = %todo))]
    pub async fn execute(
        &self,
        owner: UserId,
        todo: TodoId,
        id: AttachmentId,
    ) -> Result<(), DeleteAttachmentError> {
        find_owned(self.todos.as_ref(), owner, todo).await?.ok_or(DeleteAttachmentError::TodoNotFound)?;
        let attachment = self.attachments.find(todo, id).await?.ok_or(DeleteAttachmentError::NotFound)?;
        self.attachments.delete(attachment.id).await?;
        Ok(())
    }
}
