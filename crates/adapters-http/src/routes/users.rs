use actix_web::{HttpResponse, web};
use todo_application::use_cases::Principal;
use todo_domain::SessionId;

use super::read;
use crate::dto::{SessionResponse, UserResponse};
use crate::errors::{ApiError, ErrorResponse, SESSION_NOT_FOUND};
use crate::extract::Caller;
use crate::responses::{AuthenticationFailed, Unavailable};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/users/me").route(read().to(me)))
        .service(
            web::resource("/users/me/sessions")
                .route(read().to(list_sessions))
                .route(web::delete().to(revoke_all_sessions)),
        )
        .service(web::resource("/users/me/sessions/{session_id}").route(web::delete().to(revoke_session)));
}

/// The caller.
#[utoipa::path(get, path = "/users/me", tag = "users", security(("OAuth2PasswordBearer" = [])), responses(
    (status = 200, description = "The user the token was issued to", body = UserResponse),
    AuthenticationFailed, Unavailable,
))]
pub(crate) async fn me(Caller(Principal { user, .. }): Caller) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse::from(user))
}

/// The caller's open sessions, oldest first; `current` marks the one making the request.
#[utoipa::path(get, path = "/users/me/sessions", tag = "users", security(("OAuth2PasswordBearer" = [])), responses(
    (status = 200, description = "Every session neither logged out, revoked nor expired", body = Vec<SessionResponse>),
    AuthenticationFailed, Unavailable,
))]
pub(crate) async fn list_sessions(
    Caller(principal): Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let sessions = state.list_sessions.execute(&principal).await?;
    let sessions: Vec<_> =
        sessions.into_iter().map(|(session, current)| SessionResponse::new(session, current)).collect();
    Ok(HttpResponse::Ok().json(sessions))
}

/// Revoke one of the caller's sessions: its tokens stop working at once.
#[utoipa::path(delete, path = "/users/me/sessions/{session_id}", tag = "users", security(("OAuth2PasswordBearer" = [])),
    params(("session_id" = String, Path, description = "The session's id, as listed")),
    responses(
        (status = 204, description = "The session is closed"),
        (status = 404, description = "The caller has no open session with this id", body = ErrorResponse,
            example = json!({ "detail": "Session not found" })),
        AuthenticationFailed, Unavailable,
    ))]
pub(crate) async fn revoke_session(
    Caller(principal): Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = SessionId::parse(path.into_inner()).map_err(|_| ApiError::NotFound(SESSION_NOT_FOUND))?;
    state.revoke_session.execute(&principal, Some(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke every session of the caller, this one included: log out everywhere.
#[utoipa::path(delete, path = "/users/me/sessions", tag = "users", security(("OAuth2PasswordBearer" = [])), responses(
    (status = 204, description = "Every session is closed"),
    AuthenticationFailed, Unavailable,
))]
pub(crate) async fn revoke_all_sessions(
    Caller(principal): Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.revoke_session.execute(&principal, None).await?;
    Ok(HttpResponse::NoContent().finish())
}
