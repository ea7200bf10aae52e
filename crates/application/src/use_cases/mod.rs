//! The use cases, one per file. Each is built with `new` from the ports it uses
//! and does its work in `execute`; each has its own error enum, so that adding a
//! failure mode breaks the build wherever it must be handled.

mod attach_file;
mod authenticate;
mod authenticate_api_key;
mod change_password;
mod check_readiness;
mod confirm_password_reset;
mod create_api_key;
mod create_superuser;
mod create_todo;
mod create_todo_once;
mod delete_attachment;
mod delete_todo;
mod delete_user;
mod export_todos;
mod follow_todo_events;
mod get_attachment;
mod get_todo;
mod idempotency;
mod import_todos;
mod issued_tokens;
mod list_api_keys;
mod list_attachments;
mod list_jobs;
mod list_sessions;
mod list_todos;
mod list_users;
mod log_in;
mod log_out;
mod log_out_by_refresh_token;
mod precondition;
mod process_next_job;
mod prune_todo_events;
mod refresh_session;
mod register_user;
mod replace_todo;
mod request_password_reset;
mod resume_todo_events;
mod retry_job;
mod revoke_api_key;
mod revoke_session;
mod send_password_reset_email;
mod send_welcome_email;
mod set_user_flags;
mod stream_access;
mod sweep_orphan_blobs;
mod todo_event_feed;
mod update_todo;

#[cfg(test)]
mod fixtures;

pub use attach_file::{AttachFile, AttachFileError, AttachmentLimits, UPLOAD_GRACE, Upload};
pub use authenticate::{Authenticate, AuthenticateError, Credential, Principal};
pub use authenticate_api_key::{AuthenticateApiKey, AuthenticateApiKeyError};
pub use change_password::{ChangePassword, ChangePasswordError};
pub use check_readiness::{CheckReadiness, CheckReadinessError};
pub use confirm_password_reset::{ConfirmPasswordReset, ConfirmPasswordResetError};
pub use create_api_key::{ApiKeyRequest, CreateApiKey, CreateApiKeyError, CreatedApiKey};
pub use create_superuser::{CreateSuperuser, CreateSuperuserError};
pub use create_todo::{CreateTodo, CreateTodoError};
pub use create_todo_once::{CreateTodoOnce, CreateTodoOnceError};
pub use delete_attachment::{DeleteAttachment, DeleteAttachmentError};
pub use delete_todo::{DeleteTodo, DeleteTodoError};
pub use delete_user::{DeleteUser, DeleteUserError};
pub use export_todos::{EXPORT_PAGE_SIZE, ExportTodos, ExportTodosError};
pub use follow_todo_events::{CredentialStores, FollowTodoEvents, FollowTodoEventsError};
pub use get_attachment::{GetAttachment, GetAttachmentError};
pub use get_todo::{GetTodo, GetTodoError};
pub use idempotency::{Answer, IdempotencyKeys, KeyError};
pub use import_todos::{IMPORT_MAX_TODOS, ImportTodos, ImportTodosError, ImportedTodo};
pub use issued_tokens::IssuedTokens;
pub use list_api_keys::ListApiKeys;
pub use list_attachments::{ListAttachments, ListAttachmentsError};
pub use list_jobs::ListJobs;
pub use list_sessions::ListSessions;
pub use list_todos::{ListTodos, ListTodosError};
pub use list_users::ListUsers;
pub use log_in::{LogIn, LogInAttempt, LogInError};
pub use log_out::LogOut;
pub use log_out_by_refresh_token::LogOutByRefreshToken;
pub use precondition::Precondition;
pub use process_next_job::{JobOutcome, ProcessNextJob, ProcessedJob};
pub use prune_todo_events::PruneTodoEvents;
pub use refresh_session::{RefreshSession, RefreshSessionError};
pub use register_user::{RegisterUser, RegisterUserError};
pub use replace_todo::{ReplaceTodo, ReplaceTodoError};
pub use request_password_reset::{RequestPasswordReset, RequestPasswordResetError};
pub use resume_todo_events::{ResumeTodoEvents, StreamStart};
pub use retry_job::{RetryJob, RetryJobError};
pub use revoke_api_key::{RevokeApiKey, RevokeApiKeyError};
pub use revoke_session::{RevokeSession, RevokeSessionError};
pub use send_password_reset_email::SendPasswordResetEmail;
pub use send_welcome_email::SendWelcomeEmail;
pub use set_user_flags::{SetUserFlags, SetUserFlagsError};
pub use sweep_orphan_blobs::{SweepOrphanBlobs, SweepOrphanBlobsError};
pub use todo_event_feed::{FeedItem, TodoEventFeed};
pub use update_todo::{UpdateTodo, UpdateTodoError};

use todo_domain::{Todo, TodoId, UserId};

use crate::ports::{RepositoryError, TodoRepository};

/// The todo `id` if `owner` owns it. Someone else's todo is indistinguishable
/// from a missing one, so that ids reveal nothing about other users.
async fn find_owned(
    todos: &dyn TodoRepository,
    owner: UserId,
    id: TodoId,
) -> Result<Option<Todo>, RepositoryError> {
    Ok(todos.find(id).await?.filter(|todo| todo.is_owned_by(owner)))
}
