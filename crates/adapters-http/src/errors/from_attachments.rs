//! Which `ApiError` each failure of the attachments' use cases becomes.

use todo_application::ports::BlobError;
use todo_application::use_cases::{
    AttachFileError, DeleteAttachmentError, GetAttachmentError, ListAttachmentsError,
};

use super::{ATTACHMENT_NOT_FOUND, ApiError, QUOTA_EXCEEDED, TODO_NOT_FOUND, TOO_MANY_ATTACHMENTS};

impl From<BlobError> for ApiError {
    fn from(error: BlobError) -> Self {
        match error {
            BlobError::TooLarge(limit) => {
                Self::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) }
            }
            BlobError::Interrupted(_) => Self::BadRequest("The request body could not be read"),
            BlobError::NotFound | BlobError::Unavailable(_) => Self::Unavailable(Box::new(error)),
        }
    }
}

impl From<AttachFileError> for ApiError {
    fn from(error: AttachFileError) -> Self {
        match error {
            AttachFileError::TodoNotFound => Self::NotFound(TODO_NOT_FOUND),
            AttachFileError::TooLarge(limit) => {
                Self::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) }
            }
            AttachFileError::TooMany => Self::Conflict(TOO_MANY_ATTACHMENTS),
            AttachFileError::QuotaExceeded => Self::Conflict(QUOTA_EXCEEDED),
            AttachFileError::Interrupted(error) | AttachFileError::Storage(error) => error.into(),
            AttachFileError::Repository(error) => error.into(),
        }
    }
}

impl From<ListAttachmentsError> for ApiError {
    fn from(error: ListAttachmentsError) -> Self {
        match error {
            ListAttachmentsError::TodoNotFound => Self::NotFound(TODO_NOT_FOUND),
            ListAttachmentsError::Repository(error) => error.into(),
        }
    }
}

impl From<GetAttachmentError> for ApiError {
    fn from(error: GetAttachmentError) -> Self {
        match error {
            GetAttachmentError::TodoNotFound => Self::NotFound(TODO_NOT_FOUND),
            GetAttachmentError::NotFound => Self::NotFound(ATTACHMENT_NOT_FOUND),
            GetAttachmentError::Storage(error) => error.into(),
            GetAttachmentError::Repository(error) => error.into(),
        }
    }
}

impl From<DeleteAttachmentError> for ApiError {
    fn from(error: DeleteAttachmentError) -> Self {
        match error {
            DeleteAttachmentError::TodoNotFound => Self::NotFound(TODO_NOT_FOUND),
            DeleteAttachmentError::NotFound => Self::NotFound(ATTACHMENT_NOT_FOUND),
            DeleteAttachmentError::Repository(error) => error.into(),
        }
    }
}
