//! The framework's own 404 and 405 answers, in the API's error format.

use actix_web::dev::ServiceResponse;
use actix_web::http::header::ALLOW;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, Result};
use serde_json::json;

/// The default service: no route matches the path.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({ "detail": "Not Found" }))
}

/// An `ErrorHandlers` hook for 405, which only the router produces: the path
/// exists but not for this method. The `Allow` header is kept.
pub fn method_not_allowed<B>(response: ServiceResponse<B>) -> Result<ErrorHandlerResponse<B>> {
    let (request, original) = response.into_parts();
    let mut replacement = HttpResponse::MethodNotAllowed().json(json!({ "detail": "Method Not Allowed" }));
    if let Some(allow) = original.headers().get(ALLOW) {
        replacement.headers_mut().insert(ALLOW, allow.clone());
    }
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, replacement).map_into_right_body()))
}
