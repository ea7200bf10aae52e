//! The caller's own todos. Every handler takes the [`CurrentUser`] first; the
//! path, query and body come as `Result`s, so authentication answers before
//! validation, and path and body problems are reported together.

use actix_web::{HttpResponse, web};

use super::read;
use crate::dto::{TodoCreate, TodoListQuery, TodoReplace, TodoResponse, TodoUpdate};
use crate::errors::ApiError;
use crate::extract::{CurrentUser, TodoIdPath, ValidJson, ValidQuery, both};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(["/todos", "/todos/"]).route(web::post().to(create_todo)).route(read().to(list_todos)),
    )
    .service(
        web::resource("/todos/{todo_id}")
            .route(read().to(get_todo))
            .route(web::patch().to(update_todo))
            .route(web::put().to(replace_todo))
            .route(web::delete().to(delete_todo)),
    );
}

async fn create_todo(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    body: Result<ValidJson<TodoCreate>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (title, description) = body?.0.into_domain()?;
    let todo = state.create_todo.execute(user.id, title, description).await?;
    Ok(HttpResponse::Created().json(TodoResponse::from(todo)))
}

async fn list_todos(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    query: Result<ValidQuery<TodoListQuery>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query?.0.into_domain()?;
    let todos = state.list_todos.execute(user.id, filter, page).await?;
    Ok(HttpResponse::Ok().json(todos.into_iter().map(TodoResponse::from).collect::<Vec<_>>()))
}

async fn get_todo(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let todo = state.get_todo.execute(user.id, id?.0).await?;
    Ok(HttpResponse::Ok().json(TodoResponse::from(todo)))
}

async fn update_todo(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
    body: Result<ValidJson<TodoUpdate>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (TodoIdPath(id), ValidJson(body)) = both(id, body)?;
    let todo = state.update_todo.execute(user.id, id, body.into_domain()?).await?;
    Ok(HttpResponse::Ok().json(TodoResponse::from(todo)))
}

async fn replace_todo(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
    body: Result<ValidJson<TodoReplace>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (TodoIdPath(id), ValidJson(body)) = both(id, body)?;
    let todo = state.replace_todo.execute(user.id, id, body.into_domain()?).await?;
    Ok(HttpResponse::Ok().json(TodoResponse::from(todo)))
}

async fn delete_todo(
    CurrentUser(user): CurrentUser,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
) -> Result<HttpResponse, ApiError> {
    state.delete_todo.execute(user.id, id?.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
