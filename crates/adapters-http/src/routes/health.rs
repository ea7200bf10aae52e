use actix_web::{HttpResponse, web};
use serde_json::json;

use super::read;
use crate::errors::ApiError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(read().to(root)))
        .service(web::resource("/health").route(read().to(liveness)))
        .service(web::resource("/health/ready").route(read().to(readiness)));
}

async fn root() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "message": "Welcome to TODO API" }))
}

/// Liveness: the process answers. No I/O, so a slow database never gets the
/// service restarted.
async fn liveness() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "healthy" }))
}

/// Readiness: the database answers too, within the probe's timeout.
async fn readiness(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.check_readiness.execute().await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}
