//! The caller's own todos. Every handler takes the caller first, with the scope it needs
//! (`todos:read` to read, `todos:write` to change); the path, query and body come as
//! `Result`s, so authentication answers before validation, and path and body problems are
//! reported together.

use actix_web::http::StatusCode;
use actix_web::http::header::ETAG;
use actix_web::{HttpResponse, web};
use todo_domain::Todo;

use super::{read, with_and_without_slash};
use crate::dto::{TodoCreate, TodoListQuery, TodoReplace, TodoResponse, TodoUpdate};
use crate::errors::ApiError;
use todo_application::use_cases::Principal;

use crate::extract::{
    IdempotencyKeyHeader, IfMatch, IfNoneMatch, Scoped, TodoIdPath, TodosRead, TodosWrite, ValidJson,
    ValidQuery, answered, both, entity_tag, recorded,
};
use crate::responses::{
    AuthenticationFailed, Forbidden, IdempotencyKeyParam, IdempotencyRefused, IfMatchHeader,
    IfNoneMatchHeader, InvalidOrKeyReused, InvalidRequest, NotModified, PayloadTooLarge, PreconditionFailed,
    TodoId, TodoNotFound, Unavailable,
};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(with_and_without_slash("/todos", |resource| {
        resource.route(web::post().to(create_todo)).route(read().to(list_todos))
    }))
    .service(
        web::resource("/todos/{todo_id}")
            .route(read().to(get_todo))
            .route(web::patch().to(update_todo))
            .route(web::put().to(replace_todo))
            .route(web::delete().to(delete_todo)),
    );
}

/// Create a todo.
///
/// With an `Idempotency-Key`, a repeat within 24 hours replays the first answer (without
/// `ETag`) and creates nothing.
#[utoipa::path(post, path = "/todos/", tag = "todos", security(("OAuth2PasswordBearer" = ["todos:write"]), ("APIKeyHeader" = [])),
    params(IdempotencyKeyParam),
    request_body(content = TodoCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "The new todo, not yet completed. Headers: `ETag`, its entity tag \
            (unless the request had an `Idempotency-Key`); `Idempotent-Replayed: true` on the replay of an \
            earlier answer", body = TodoResponse),
        IdempotencyRefused, AuthenticationFailed, Forbidden, PayloadTooLarge, InvalidOrKeyReused, Unavailable,
    ))]
pub(crate) async fn create_todo(
    Scoped(Principal { user, .. }, _): Scoped<TodosWrite>,
    state: web::Data<AppState>,
    key: Result<IdempotencyKeyHeader, ApiError>,
    body: Result<ValidJson<TodoCreate>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (IdempotencyKeyHeader(key), ValidJson(body)) = both(key, body)?;
    let (title, description) = body.into_domain()?;
    let Some(key) = key else {
        let todo = state.create_todo.execute(user.id, title, description).await?;
        return Ok(tagged(HttpResponse::Created(), todo));
    };
    let render = |todo: &Todo| recorded(StatusCode::CREATED, &TodoResponse::from(todo.clone()));
    Ok(answered(state.create_todo_once.execute(user.id, title, description, key, &render).await?))
}

/// List the caller's todos, in id order.
#[utoipa::path(get, path = "/todos/", tag = "todos", security(("OAuth2PasswordBearer" = ["todos:read"]), ("APIKeyHeader" = [])),
    params(TodoListQuery),
    responses(
        (status = 200, description = "One page of the caller's own todos", body = Vec<TodoResponse>),
        AuthenticationFailed, Forbidden, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn list_todos(
    Scoped(Principal { user, .. }, _): Scoped<TodosRead>,
    state: web::Data<AppState>,
    query: Result<ValidQuery<TodoListQuery>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query?.0.into_domain()?;
    let todos = state.list_todos.execute(user.id, filter, page).await?;
    Ok(HttpResponse::Ok().json(todos.into_iter().map(TodoResponse::from).collect::<Vec<_>>()))
}

/// Read one of the caller's todos.
#[utoipa::path(get, path = "/todos/{todo_id}", tag = "todos", security(("OAuth2PasswordBearer" = ["todos:read"]), ("APIKeyHeader" = [])),
    params(TodoId, IfNoneMatchHeader),
    responses(
        (status = 200, description = "The todo", body = TodoResponse,
            headers(("ETag" = String, description = "Its entity tag: it changes whenever the todo does"))),
        NotModified, AuthenticationFailed, Forbidden, TodoNotFound, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn get_todo(
    Scoped(Principal { user, .. }, _): Scoped<TodosRead>,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
    held: IfNoneMatch,
) -> Result<HttpResponse, ApiError> {
    let todo = state.get_todo.execute(user.id, id?.0).await?;
    if held.holds(todo.revision) {
        return Ok(HttpResponse::NotModified().insert_header((ETAG, entity_tag(todo.revision))).finish());
    }
    Ok(tagged(HttpResponse::Ok(), todo))
}

/// Change some fields of one of the caller's todos.
///
/// Only the fields present change; `description: null` clears the description.
/// `updated_at` is set.
#[utoipa::path(patch, path = "/todos/{todo_id}", tag = "todos", security(("OAuth2PasswordBearer" = ["todos:write"]), ("APIKeyHeader" = [])),
    params(TodoId, IfMatchHeader),
    request_body(content = TodoUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The changed todo", body = TodoResponse,
            headers(("ETag" = String, description = "Its new entity tag"))),
        AuthenticationFailed, Forbidden, TodoNotFound, PreconditionFailed, PayloadTooLarge, InvalidRequest,
        Unavailable,
    ))]
pub(crate) async fn update_todo(
    Scoped(Principal { user, .. }, _): Scoped<TodosWrite>,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
    IfMatch(precondition): IfMatch,
    body: Result<ValidJson<TodoUpdate>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (TodoIdPath(id), ValidJson(body)) = both(id, body)?;
    let todo = state.update_todo.execute(user.id, id, body.into_domain()?, &precondition).await?;
    Ok(tagged(HttpResponse::Ok(), todo))
}

/// Replace one of the caller's todos.
///
/// Every field is replaced; a description left out or `null` is cleared. `updated_at` is set.
#[utoipa::path(put, path = "/todos/{todo_id}", tag = "todos", security(("OAuth2PasswordBearer" = ["todos:write"]), ("APIKeyHeader" = [])),
    params(TodoId, IfMatchHeader),
    request_body(content = TodoReplace, content_type = "application/json"),
    responses(
        (status = 200, description = "The replaced todo", body = TodoResponse,
            headers(("ETag" = String, description = "Its new entity tag"))),
        AuthenticationFailed, Forbidden, TodoNotFound, PreconditionFailed, PayloadTooLarge, InvalidRequest,
        Unavailable,
    ))]
pub(crate) async fn replace_todo(
    Scoped(Principal { user, .. }, _): Scoped<TodosWrite>,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
    IfMatch(precondition): IfMatch,
    body: Result<ValidJson<TodoReplace>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (TodoIdPath(id), ValidJson(body)) = both(id, body)?;
    let todo = state.replace_todo.execute(user.id, id, body.into_domain()?, &precondition).await?;
    Ok(tagged(HttpResponse::Ok(), todo))
}

/// Delete one of the caller's todos.
#[utoipa::path(delete, path = "/todos/{todo_id}", tag = "todos", security(("OAuth2PasswordBearer" = ["todos:write"]), ("APIKeyHeader" = [])),
    params(TodoId, IfMatchHeader),
    responses(
        (status = 204, description = "Deleted; no body"),
        AuthenticationFailed, Forbidden, TodoNotFound, PreconditionFailed, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn delete_todo(
    Scoped(Principal { user, .. }, _): Scoped<TodosWrite>,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
    IfMatch(precondition): IfMatch,
) -> Result<HttpResponse, ApiError> {
    state.delete_todo.execute(user.id, id?.0, &precondition).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A todo as the body, with its entity tag.
fn tagged(mut response: actix_web::HttpResponseBuilder, todo: Todo) -> HttpResponse {
    response.insert_header((ETAG, entity_tag(todo.revision))).json(TodoResponse::from(todo))
}
