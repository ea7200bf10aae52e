use std::sync::Arc;

use todo_domain::{Attachment, TodoId, UserId};
use tracing::instrument;

use super::find_owned;
use crate::ports::{AttachmentRepository, RepositoryError, TodoRepository};

/// The attachments of one of the caller's todos, by id.
pub struct ListAttachments {
    todos: Arc<dyn TodoRepository>,
    attachments: Arc<dyn AttachmentRepository>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListAttachmentsError {
    #[error("todo not found")]
    TodoNotFound,
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl ListAttachments {
    pub fn new(todos: Arc<dyn TodoRepository>, attachments: Arc<dyn AttachmentRepository>) -> Self {
        Self { todos, attachments }
    }

    #[instrument(name = "list_attachments", skip_all, fields(user_id = %owner, todo_id = %todo))]
    pub async fn execute(
        &self,
        owner: UserId,
        todo: TodoId,
    ) -> Result<Vec<Attachment>, ListAttachmentsError> {
        find_owned(self.todos.as_ref(), owner, todo).await?.ok_or(ListAttachmentsError::TodoNotFound)?;
        Ok(self.attachments.list(todo).await?)
    }
}
