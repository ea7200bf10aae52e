//! Everything the handlers need, built once by the bootstrap crate and shared by
//! every worker through `web::Data`.

use todo_application::use_cases::{
    Authenticate, CheckReadiness, CreateTodo, DeleteTodo, GetTodo, ListSessions, ListTodos, LogIn, LogOut,
    RefreshSession, RegisterUser, ReplaceTodo, RevokeSession, UpdateTodo,
};

/// The use cases, ready to run. Handlers hold no other state.
pub struct AppState {
    pub register_user: RegisterUser,
    pub log_in: LogIn,
    pub refresh_session: RefreshSession,
    pub log_out: LogOut,
    pub list_sessions: ListSessions,
    pub revoke_session: RevokeSession,
    pub authenticate: Authenticate,
    pub check_readiness: CheckReadiness,
    pub create_todo: CreateTodo,
    pub list_todos: ListTodos,
    pub get_todo: GetTodo,
    pub update_todo: UpdateTodo,
    pub replace_todo: ReplaceTodo,
    pub delete_todo: DeleteTodo,
}
