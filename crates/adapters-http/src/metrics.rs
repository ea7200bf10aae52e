//! Prometheus metrics of the HTTP layer: requests by route template, method and
//! status, a latency histogram, and requests in flight; rendered at `/metrics`
//! together with whatever else the registry holds (pool, build information).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::middleware::MatchedRoute;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Seconds: from half a millisecond to ten seconds.
const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StreamLabels {
    /// `sse` or `websocket`.
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DropLabels {
    kind: &'static str,
    /// `slow_consumer`, `silent_peer` or `error`.
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// The registry and the HTTP metrics in it. Built once, shared by every worker.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Histogram>,
    in_flight: Gauge,
    streams_open: Family<StreamLabels, Gauge>,
    events_delivered: Family<StreamLabels, Counter>,
    streams_dropped: Family<DropLabels, Counter>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let duration =
            Family::<RouteLabels, Histogram>::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        let in_flight = Gauge::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer HTTP requests", duration.clone());
        registry.register("http_requests_in_flight", "HTTP requests being answered now", in_flight.clone());
        let streams_open = Family::<StreamLabels, Gauge>::default();
        let events_delivered = Family::<StreamLabels, Counter>::default();
        let streams_dropped = Family::<DropLabels, Counter>::default();
        registry.register("event_streams_open", "Live event streams open now, by kind", streams_open.clone());
        registry.register(
            "events_delivered",
            "Events written to live streams, by kind",
            events_delivered.clone(),
        );
        registry.register(
            "event_streams_dropped",
            "Live event streams closed by the service: a client too far behind, a silent peer, an error",
            streams_dropped.clone(),
        );
        Self { registry, requests, duration, in_flight, streams_open, events_delivered, streams_dropped }
    }

    /// A live stream of `kind` opened; it counts as open until the guard is dropped.
    pub(crate) fn stream_opened(&self, kind: &'static str) -> OpenStream {
        let gauge = self.streams_open.get_or_create(&StreamLabels { kind }).clone();
        gauge.inc();
        OpenStream(gauge)
    }

    pub(crate) fn event_delivered(&self, kind: &'static str) {
        self.events_delivered.get_or_create(&StreamLabels { kind }).inc();
    }

    pub(crate) fn stream_dropped(&self, kind: &'static str, reason: &'static str) {
        self.streams_dropped.get_or_create(&DropLabels { kind, reason }).inc();
    }

    /// For other layers to add their metrics before the registry is shared.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    fn observe(&self, request: &HttpRequest, status: StatusCode, seconds: f64) {
        // The route template, never the raw path, keeps the number of series bounded. The
        // request's span has looked it up already, unless this app has no such middleware.
        let matched = request.extensions().get::<MatchedRoute>().map(|matched| matched.0.clone());
        let route =
            matched.unwrap_or_else(|| request.match_pattern()).unwrap_or_else(|| "unmatched".to_owned());
        let method = request.method().as_str().to_owned();
        self.duration
            .get_or_create(&RouteLabels { method: method.clone(), route: route.clone() })
            .observe(seconds);
        self.requests.get_or_create(&RequestLabels { method, route, status: status.as_u16() }).inc();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts the request in flight while it runs, then records its outcome.
pub async fn record<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let Some(metrics) = req.app_data::<web::Data<Metrics>>().cloned() else { return next.call(req).await };
    let started = Instant::now();
    metrics.in_flight.inc();
    let _done = InFlight(&metrics.in_flight);
    let result = next.call(req).await;
    let seconds = started.elapsed().as_secs_f64();
    if let Ok(response) = &result {
        metrics.observe(response.request(), response.status(), seconds);
    }
    result
}

/// One open live stream, counted until dropped.
pub(crate) struct OpenStream(Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Decrements the in-flight gauge however the request ends, cancellation included.
struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Prometheus metrics.
///
/// Requests by route template, method and status; latency; requests in flight; the
/// database pool; the build. OpenMetrics text format.
#[utoipa::path(get, path = "/metrics", tag = "health", responses(
    (status = 200, description = "Every metric", content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8",
        body = String, example = "http_requests_in_flight 1"),
))]
pub async fn render(metrics: web::Data<Metrics>) -> HttpResponse {
    let mut text = String::new();
    match encode(&mut text, &metrics.registry) {
        Ok(()) => HttpResponse::Ok().content_type(CONTENT_TYPE).body(text),
        Err(error) => crate::errors::ApiError::Internal(Box::new(error)).error_response(),
    }
}
