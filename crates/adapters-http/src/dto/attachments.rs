//! Attachments as clients see them, and the multipart form that uploads one.

use serde::Serialize;
use todo_domain::Attachment;
use utoipa::ToSchema;

use super::rfc3339;

/// `POST /todos/{todo_id}/attachments` body: `multipart/form-data` with one part `file`.
/// Other parts are read past and ignored; the document lists none, so that generated forms
/// hold only parts whose headers a browser would send.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    /// The file; its name and type come from the part's headers. At most 10 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// An attachment as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    #[schema(minimum = 1, example = 1)]
    pub id: i64,
    #[schema(minimum = 1, example = 1)]
    pub todo_id: i64,
    /// As the client named it, without path parts or control characters.
    #[schema(example = "receipt.pdf")]
    pub filename: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    /// Bytes.
    #[schema(minimum = 0, example = 48213)]
    pub size: u64,
    /// SHA-256 of the content, hex; also its entity tag.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime, example = "2026-11-21T10:15:30.123456Z")]
    pub created_at: String,
}

impl From<Attachment> for AttachmentResponse {
    fn from(attachment: Attachment) -> Self {
        Self {
            id: attachment.id.get(),
            todo_id: attachment.todo_id.get(),
            filename: attachment.filename.as_str().to_owned(),
            content_type: attachment.content_type,
            size: attachment.size,
            sha256: attachment.sha256,
            created_at: rfc3339(attachment.created_at),
        }
    }
}
