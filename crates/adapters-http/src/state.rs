//! Everything the handlers need, built once by the bootstrap crate and shared by
//! every worker through `web::Data`.

use todo_application::use_cases::{
    AttachFile, Authenticate, AuthenticateApiKey, ChangePassword, CheckReadiness, ConfirmPasswordReset,
    CreateApiKey, CreateTodo, CreateTodoOnce, DeleteAttachment, DeleteTodo, DeleteUser, ExportTodos,
    FollowTodoEvents, GetAttachment, GetTodo, ImportTodos, ListApiKeys, ListAttachments, ListJobs,
    ListSessions, ListTodos, ListUsers, LogIn, LogOut, LogOutByRefreshToken, RefreshSession, RegisterUser,
    ReplaceTodo, RequestPasswordReset, RetryJob, RevokeApiKey, RevokeSession, SetUserFlags, UpdateTodo,
};

/// The use cases, ready to run. Handlers hold no other state.
pub struct AppState {
    pub register_user: RegisterUser,
    pub log_in: LogIn,
    pub refresh_session: RefreshSession,
    pub log_out: LogOut,
    pub log_out_by_refresh_token: LogOutByRefreshToken,
    pub list_sessions: ListSessions,
    pub revoke_session: RevokeSession,
    pub authenticate: Authenticate,
    pub authenticate_api_key: AuthenticateApiKey,
    pub change_password: ChangePassword,
    pub request_password_reset: RequestPasswordReset,
    pub confirm_password_reset: ConfirmPasswordReset,
    pub create_api_key: CreateApiKey,
    pub list_api_keys: ListApiKeys,
    pub revoke_api_key: RevokeApiKey,
    pub list_users: ListUsers,
    pub set_user_flags: SetUserFlags,
    pub delete_user: DeleteUser,
    pub list_jobs: ListJobs,
    pub retry_job: RetryJob,
    pub check_readiness: CheckReadiness,
    pub create_todo: CreateTodo,
    pub list_todos: ListTodos,
    pub get_todo: GetTodo,
    pub update_todo: UpdateTodo,
    pub replace_todo: ReplaceTodo,
    pub delete_todo: DeleteTodo,
    pub follow_todo_events: FollowTodoEvents,
    pub export_todos: ExportTodos,
    pub create_todo_once: CreateTodoOnce,
    pub import_todos: ImportTodos,
    pub attach_file: AttachFile,
    pub list_attachments: ListAttachments,
    pub get_attachment: GetAttachment,
    pub delete_attachment: DeleteAttachment,
}
