use actix_web::{HttpResponse, web};
use todo_application::use_cases::Principal;
use todo_domain::{ApiKeyId, SessionId};

use super::{read, with_and_without_slash};
use crate::dto::{
    ApiKeyCreate, ApiKeyResponse, CreatedApiKeyResponse, PasswordChange, SessionResponse, UserResponse,
};
use crate::errors::{API_KEY_NOT_FOUND, ApiError, ErrorResponse, SESSION_NOT_FOUND};
use crate::extract::{Caller, SessionCaller, ValidJson};
use crate::responses::{
    AuthenticationFailed, Forbidden, InvalidRequest, PayloadTooLarge, TooManyRequests, Unavailable,
};
use crate::state::AppState;

/// Under one scope: a path outside `/users/me` is told apart by its prefix alone, and never
/// runs the patterns of the dynamic routes below (a regular expression each: as top-level
/// routes tried before `/todos/`, they and `/todos/`'s own two-path resource cost 4.5% of the
/// service's CPU under `GET /todos/`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/users/me")
            .service(web::resource("").route(read().to(me)))
            .service(with_and_without_slash("/sessions", |resource| {
                resource.route(read().to(list_sessions)).route(web::delete().to(revoke_all_sessions))
            }))
            .service(web::resource("/sessions/{session_id}").route(web::delete().to(revoke_session)))
            .service(web::resource("/password").route(web::put().to(change_password)))
            .service(with_and_without_slash("/api-keys", |resource| {
                resource.route(web::post().to(create_api_key)).route(read().to(list_api_keys))
            }))
            .service(web::resource("/api-keys/{key_id}").route(web::delete().to(revoke_api_key))),
    );
}

/// The caller.
#[utoipa::path(get, path = "/users/me", tag = "users", security(("OAuth2PasswordBearer" = []), ("APIKeyHeader" = [])), responses(
    (status = 200, description = "The user the token was issued to", body = UserResponse),
    AuthenticationFailed, Unavailable,
))]
pub(crate) async fn me(Caller(Principal { user, .. }): Caller) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse::from(user))
}

/// The caller's open sessions, oldest first; `current` marks the one making the request.
#[utoipa::path(get, path = "/users/me/sessions", tag = "users", security(("OAuth2PasswordBearer" = [])), responses(
    (status = 200, description = "Every session neither logged out, revoked nor expired", body = Vec<SessionResponse>),
    AuthenticationFailed, Forbidden, Unavailable,
))]
pub(crate) async fn list_sessions(
    SessionCaller(principal): SessionCaller,
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
        AuthenticationFailed, Forbidden, Unavailable,
    ))]
pub(crate) async fn revoke_session(
    SessionCaller(principal): SessionCaller,
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
    AuthenticationFailed, Forbidden, Unavailable,
))]
pub(crate) async fn revoke_all_sessions(
    SessionCaller(principal): SessionCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.revoke_session.execute(&principal, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the caller's password, given the current one.
///
/// Every other session of the caller ends; this one goes on. Wrong current passwords are
/// limited per user, like failed log-ins. Not with an API key.
#[utoipa::path(put, path = "/users/me/password", tag = "users", security(("OAuth2PasswordBearer" = [])),
    request_body(content = PasswordChange, content_type = "application/json"),
    responses(
        (status = 204, description = "The password is changed"),
        (status = 400, description = "The current password is wrong", body = ErrorResponse,
            example = json!({ "detail": "Incorrect password" })),
        AuthenticationFailed, Forbidden, PayloadTooLarge, InvalidRequest, TooManyRequests, Unavailable,
    ))]
pub(crate) async fn change_password(
    SessionCaller(principal): SessionCaller,
    state: web::Data<AppState>,
    body: Result<ValidJson<PasswordChange>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    // Authentication answers first: the body is looked at only for a caller who may send it.
    let (current, new) = body?.0.into_domain()?;
    state.change_password.execute(&principal, current, new).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Make an API key: for scripts and services, sent as `X-API-Key`.
///
/// The key is in this answer only; the service keeps a hash of it. Its scopes default to
/// `todos:read todos:write` and cannot exceed the caller's (403 naming the scope lacking).
/// Not with an API key.
#[utoipa::path(post, path = "/users/me/api-keys", tag = "users", security(("OAuth2PasswordBearer" = [])),
    request_body(content = ApiKeyCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "The new key, with the key itself", body = CreatedApiKeyResponse),
        AuthenticationFailed, Forbidden, PayloadTooLarge, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn create_api_key(
    SessionCaller(principal): SessionCaller,
    state: web::Data<AppState>,
    body: Result<ValidJson<ApiKeyCreate>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let created = state.create_api_key.execute(&principal, body?.0.into_domain()?).await?;
    Ok(HttpResponse::Created().json(CreatedApiKeyResponse::from(created)))
}

/// The caller's API keys that are not revoked, oldest first; never the keys themselves.
#[utoipa::path(get, path = "/users/me/api-keys", tag = "users", security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 200, description = "The keys, expired ones included", body = Vec<ApiKeyResponse>),
        AuthenticationFailed, Forbidden, Unavailable,
    ))]
pub(crate) async fn list_api_keys(
    SessionCaller(principal): SessionCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let keys = state.list_api_keys.execute(&principal).await?;
    Ok(HttpResponse::Ok().json(keys.into_iter().map(ApiKeyResponse::from).collect::<Vec<_>>()))
}

/// Revoke one of the caller's API keys: it stops working at once.
#[utoipa::path(delete, path = "/users/me/api-keys/{key_id}", tag = "users", security(("OAuth2PasswordBearer" = [])),
    params(("key_id" = String, Path, description = "The key's id, as listed")),
    responses(
        (status = 204, description = "The key is revoked"),
        (status = 404, description = "The caller has no such key", body = ErrorResponse,
            example = json!({ "detail": "API key not found" })),
        AuthenticationFailed, Forbidden, Unavailable,
    ))]
pub(crate) async fn revoke_api_key(
    SessionCaller(principal): SessionCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = ApiKeyId::parse(path.into_inner()).map_err(|_| ApiError::NotFound(API_KEY_NOT_FOUND))?;
    state.revoke_api_key.execute(&principal, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
