//! The use cases, one per file. Each is built with `new` from the ports it uses
//! and does its work in `execute`; each has its own error enum, so that adding a
//! failure mode breaks the build wherever it must be handled.

mod authenticate;
mod check_readiness;
mod create_todo;
mod delete_todo;
mod get_todo;
mod issued_tokens;
mod list_jobs;
mod list_sessions;
mod list_todos;
mod log_in;
mod log_out;
mod process_next_job;
mod refresh_session;
mod register_user;
mod replace_todo;
mod retry_job;
mod revoke_session;
mod send_welcome_email;
mod update_todo;

#[cfg(test)]
mod fixtures;

pub use authenticate::{Authenticate, AuthenticateError, Principal};
pub use check_readiness::{CheckReadiness, CheckReadinessError};
pub use create_todo::{CreateTodo, CreateTodoError};
pub use delete_todo::{DeleteTodo, DeleteTodoError};
pub use get_todo::{GetTodo, GetTodoError};
pub use issued_tokens::IssuedTokens;
pub use list_jobs::ListJobs;
pub use list_sessions::ListSessions;
pub use list_todos::{ListTodos, ListTodosError};
pub use log_in::{LogIn, LogInAttempt, LogInError};
pub use log_out::LogOut;
pub use process_next_job::{JobOutcome, ProcessNextJob, ProcessedJob};
pub use refresh_session::{RefreshSession, RefreshSessionError};
pub use register_user::{RegisterUser, RegisterUserError};
pub use replace_todo::{ReplaceTodo, ReplaceTodoError};
pub use retry_job::{RetryJob, RetryJobError};
pub use revoke_session::{RevokeSession, RevokeSessionError};
pub use send_welcome_email::SendWelcomeEmail;
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
