//! The framework's own answers in the API's error format: a 404 for unknown
//! paths, and `{"detail": ...}` for any error response that is not JSON yet
//! (the router's 405, a refused CORS preflight, ...).

use actix_web::body::{MessageBody, to_bytes};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, Result};
use serde_json::json;

/// The default service: no route matches the path.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({ "detail": "Not Found" }))
}

/// An `ErrorHandlers` hook for every 4xx and 5xx: JSON answers pass untouched;
/// any other keeps its status and headers (`Allow`, CORS, ...) and gets the body
/// `{"detail": <its text, or the status's reason when empty or a 5xx>}`.
pub fn json_error_body<B>(response: ServiceResponse<B>) -> Result<ErrorHandlerResponse<B>>
where
    B: MessageBody + 'static,
{
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let (request, original) = response.into_parts();
    Ok(ErrorHandlerResponse::Future(Box::pin(async move {
        let status = original.status();
        let mut headers = original.headers().clone();
        let text =
            to_bytes(original.into_body()).await.map(|b| String::from_utf8_lossy(&b).trim().to_owned());
        let detail = match text {
            Ok(text) if !text.is_empty() && !status.is_server_error() => text,
            _ => status.canonical_reason().unwrap_or("Error").to_owned(),
        };
        let mut replacement = HttpResponse::build(status).json(json!({ "detail": detail }));
        headers.remove(CONTENT_TYPE);
        headers.remove(CONTENT_LENGTH);
        for (name, value) in headers.iter() {
            replacement.headers_mut().append(name.clone(), value.clone());
        }
        Ok(ServiceResponse::new(request, replacement).map_into_right_body())
    })))
}
