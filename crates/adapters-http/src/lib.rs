//! The HTTP adapter: actix-web routes, request and response DTOs, extractors,
//! validation in FastAPI's 422 format, middleware, and the single mapping of
//! application errors to HTTP answers ([`errors`]).
//!
//! It may import the application's use cases and ports, the domain, and HTTP
//! crates (actix-web, garde, serde). It never sees the database or the crypto
//! crates: it holds use cases, built elsewhere, in [`AppState`].

mod cors;
mod docs;
mod download;
mod draining;
mod dto;
pub mod errors;
mod extract;
mod metrics;
mod middleware;
pub mod openapi;
mod responses;
mod routes;
mod state;
mod streams;
pub mod validation;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, web};

pub use cors::CorsPolicy;
pub use draining::Draining;
pub use extract::{BodyLimit, TrustProxyHeaders};
pub use metrics::Metrics;
pub use routes::static_files::StaticDir;
pub use state::AppState;
pub use streams::{EventStreamOptions, StreamsClosing};
use todo_application::ports::TraceContext;
use todo_application::use_cases::CheckReadiness;

/// How the HTTP layer behaves, as plain values from the configuration.
#[derive(Clone)]
pub struct HttpOptions {
    pub body_limit: BodyLimit,
    pub cors: CorsPolicy,
    /// `Secure` on the browser session's cookie: HTTPS only (production).
    pub secure_cookies: bool,
    pub trust_proxy_headers: TrustProxyHeaders,
    pub metrics: web::Data<Metrics>,
    /// How live event streams pace themselves.
    pub events: EventStreamOptions,
    /// Closes every live stream on shutdown.
    pub streams_closing: StreamsClosing,
    /// Set on SIGTERM: readiness answers 503; later every response closes its connection.
    pub draining: Draining,
    /// Built once with [`openapi::document`]; each worker serves a clone.
    pub openapi: utoipa::openapi::OpenApi,
    /// Served under `/static/` when set.
    pub static_dir: Option<StaticDir>,
    /// Which trace each request's span joins: the caller's `traceparent`, if any.
    pub traces: web::Data<dyn TraceContext>,
}

/// The whole application: routes, fallbacks and middleware around shared state.
/// Called once per worker by the server; everything expensive lives in `state`.
pub fn app(
    state: web::Data<AppState>,
    options: HttpOptions,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .app_data(options.body_limit)
        .app_data(options.trust_proxy_headers)
        .app_data(routes::browser_session::BrowserSessions {
            cors: options.cors.clone(),
            secure_cookies: options.secure_cookies,
        })
        .app_data(options.metrics)
        .app_data(web::Data::new(options.events))
        .app_data(web::Data::new(options.streams_closing.clone()))
        .app_data(web::Data::new(options.draining))
        .app_data(options.traces)
        .configure(routes::configure)
        .configure(|cfg| docs::configure(cfg, &options.openapi))
        .configure(|cfg| routes::static_files::configure(cfg, options.static_dir))
        .service(web::resource("/metrics").route(routes::read().to(metrics::render)))
        .default_service(web::to(middleware::not_found))
        .wrap(options.cors.middleware())
        .wrap(ErrorHandlers::new().default_handler(middleware::json_error_body))
        .wrap(from_fn(metrics::record))
        .wrap(from_fn(middleware::request_context))
        .wrap(from_fn(draining::close_connections_when_stopping))
}

/// What a process without the API serves (`todo-api worker`): liveness, readiness and
/// metrics, for the orchestrator and the monitoring that watch it.
pub fn operations(
    readiness: web::Data<CheckReadiness>,
    metrics: web::Data<Metrics>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(readiness)
        .app_data(metrics)
        .service(web::resource("/health").route(routes::read().to(routes::health::liveness)))
        .service(web::resource("/health/ready").route(routes::read().to(routes::health::ready)))
        .service(web::resource("/metrics").route(routes::read().to(metrics::render)))
        .default_service(web::to(middleware::not_found))
        .wrap(ErrorHandlers::new().default_handler(middleware::json_error_body))
        .wrap(from_fn(middleware::request_context))
}
