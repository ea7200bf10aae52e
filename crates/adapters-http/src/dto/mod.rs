//! The HTTP schemas, named as in the API: what clients send (`UserCreate`,
//! `TodoCreate`, ...) with their garde rules, and what they receive
//! (`UserResponse`, `TodoResponse`, ...). Each request DTO converts itself into
//! domain values through the domain's constructors.
//!
//! Every request field is an `Option` so that a missing field is a validation
//! problem reported with the others, not a parse failure that hides them.

mod admin;
mod api_keys;
mod attachments;
mod auth;
mod events;
mod passwords;
mod todos;
mod transfer;
mod users;

pub use admin::{AdminUserResponse, AdminUserUpdate, JobListQuery, JobResponse, PageQuery};
pub use api_keys::{ApiKeyCreate, ApiKeyResponse, CreatedApiKeyResponse};
pub use attachments::{AttachmentResponse, AttachmentUpload};
pub use auth::{BrowserToken, PASSWORD_GRANT_PATTERN, PasswordGrant, Token, TokenForm, TokenRequest};
pub use events::{ClientMessage, StreamMessage};
pub use passwords::{PasswordChange, PasswordResetConfirm, PasswordResetRequest};
pub use todos::{TodoCreate, TodoListQuery, TodoReplace, TodoResponse, TodoUpdate};
pub use transfer::{ExportQuery, ImportResponse, TodoImport};
pub use users::{SessionResponse, UserCreate, UserResponse};

use chrono::SecondsFormat;
use todo_domain::Timestamp;

/// `2026-11-21T10:15:30.123456Z`: RFC 3339, UTC, microseconds.
fn rfc3339(timestamp: Timestamp) -> String {
    timestamp.to_rfc3339_opts(SecondsFormat::Micros, true)
}
