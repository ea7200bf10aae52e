use actix_web::http::header::RETRY_AFTER;
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::read;
use crate::draining::Draining;
use crate::errors::ApiError;
use crate::responses::Unavailable;
use crate::state::AppState;
use todo_application::use_cases::CheckReadiness;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(read().to(root)))
        .service(web::resource("/health").route(read().to(liveness)))
        .service(web::resource("/health/ready").route(read().to(readiness)));
}

/// Welcome message.
#[utoipa::path(get, path = "/", tag = "health", responses(
    (status = 200, description = "The service answers", body = Object, example = json!({ "message": "Welcome to TODO API" })),
))]
pub(crate) async fn root() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "message": "Welcome to TODO API" }))
}

/// Liveness: the process answers. No I/O, so a slow database never gets the
/// service restarted.
#[utoipa::path(get, path = "/health", tag = "health", summary = "Liveness", responses(
    (status = 200, description = "The process serves HTTP", body = Object, example = json!({ "status": "healthy" })),
))]
pub(crate) async fn liveness() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "healthy" }))
}

/// Readiness: the database answers too, within the probe's timeout (1 s), and the process is
/// not draining before a stop.
#[utoipa::path(get, path = "/health/ready", tag = "health", summary = "Readiness", responses(
    (status = 200, description = "The database answers", body = Object, example = json!({ "status": "ready" })),
    Unavailable,
))]
pub(crate) async fn readiness(
    state: web::Data<AppState>,
    draining: Option<web::Data<Draining>>,
) -> Result<HttpResponse, ApiError> {
    if draining.is_some_and(|draining| !draining.is_ready()) {
        return Ok(HttpResponse::ServiceUnavailable()
            .insert_header((RETRY_AFTER, "5"))
            .json(json!({ "detail": "Service is shutting down" })));
    }
    answer(&state.check_readiness).await
}

/// Readiness where the process holds only this use case (`crate::operations`).
pub(crate) async fn ready(readiness: web::Data<CheckReadiness>) -> Result<HttpResponse, ApiError> {
    answer(&readiness).await
}

async fn answer(readiness: &CheckReadiness) -> Result<HttpResponse, ApiError> {
    readiness.execute().await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}
