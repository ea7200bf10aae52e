//! One span and one log line per request, and the `X-Request-ID` and
//! `X-Process-Time` headers on every response, errors included. The span joins the caller's
//! trace (a W3C `traceparent` header), and its trace id goes into every line it logs.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use todo_application::ports::TraceContext;
use tracing::Instrument;
use tracing::field::Empty;

use crate::errors::framework_error_response;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route template the request matched, `None` when none did; looked up once per request.
#[derive(Clone)]
pub(crate) struct MatchedRoute(pub(crate) Option<String>);
const PROCESS_TIME: HeaderName = HeaderName::from_static("x-process-time");
const TRACEPARENT: &str = "traceparent";

/// Wraps the whole request: picks its id, runs it inside a span carrying that id,
/// then stamps the response and logs method, path, status and latency.
pub async fn request_context<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let started = Instant::now();
    let request_id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // The route, `/todos/{todo_id}`, from the routing table: traces name a request by it, and
    // the metrics label it by it (kept in the request, since each look-up walks the table).
    let route = req.match_pattern();
    req.extensions_mut().insert(MatchedRoute(route.clone()));
    let name =
        route.as_ref().map_or_else(|| req.method().to_string(), |route| format!("{} {route}", req.method()));
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
        trace_id = Empty,
        otel.name = name,
        otel.kind = "server",
        otel.status_code = Empty,
        route = route.as_deref(),
    );
    if let Some(traces) = req.app_data::<web::Data<dyn TraceContext>>() {
        let traceparent = req.headers().get(TRACEPARENT).and_then(|value| value.to_str().ok());
        if let Some(trace_id) = traces.adopt(&span, traceparent) {
            span.record("trace_id", trace_id);
        }
    }
    let result = next.call(req).instrument(span.clone()).await;

    let elapsed = started.elapsed();
    let stamp = |headers: &mut HeaderMap| {
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            headers.insert(REQUEST_ID, value);
        }
        if let Ok(value) = HeaderValue::from_str(&format!("{:.6}", elapsed.as_secs_f64())) {
            headers.insert(PROCESS_TIME, value);
        }
    };
    let log = |status: StatusCode| {
        if status.is_server_error() {
            span.record("otel.status_code", "error");
        }
        // To the microsecond: what a person reads, and a short number in JSON.
        let latency_ms = (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0;
        span.in_scope(|| tracing::info!(status = status.as_u16(), latency_ms, "request completed"));
    };
    match result {
        Ok(mut response) => {
            stamp(response.headers_mut());
            log(response.status());
            Ok(response)
        }
        // An error that no inner layer turned into a response: render it in the API's format.
        Err(error) => {
            let mut response = framework_error_response(&error);
            stamp(response.headers_mut());
            log(response.status());
            Err(InternalError::from_response(error, response).into())
        }
    }
}

/// The client's request id when it is sane: 1 to 128 characters of letters,
/// digits and `-_.:`, so that it can go into logs and headers unescaped.
fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let id = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let sane = (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    sane.then(|| id.to_owned())
}
