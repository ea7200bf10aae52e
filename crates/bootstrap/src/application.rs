//! The running service: database, migrations, wiring and the HTTP server, built
//! the same way by `main` and by the black-box tests.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use todo_adapters_db::{DatabaseOptions, Pool, connect, migrate_up};
use todo_adapters_http::{BodyLimit, CorsPolicy, HttpOptions, TrustProxyHeaders};

use crate::metrics;
use crate::settings::{Environment, Settings};
use crate::wiring;

pub struct Application {
    port: u16,
    server: Server,
    pool: Pool,
}

impl Application {
    /// Checks the settings, connects, migrates (unless told not to), wires the
    /// use cases and binds the listener. Port 0 picks a free port.
    ///
    /// # Errors
    /// Refused settings, an unreachable database, a failed migration, a port in use.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.check()?;
        let pool = connect(&database_options(&settings)).await?;
        if settings.database.migrate_on_start {
            migrate_up(pool.db()).await?;
        }
        let state = web::Data::new(wiring::app_state(&settings, &pool)?);
        let options = HttpOptions {
            body_limit: BodyLimit(settings.server.body_limit_bytes),
            cors: cors(&settings),
            trust_proxy_headers: TrustProxyHeaders(settings.server.trust_proxy_headers),
            metrics: web::Data::new(metrics::metrics(&pool)),
            openapi: todo_adapters_http::openapi::document(),
        };

        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || todo_adapters_http::app(state.clone(), options.clone()))
            .listen(listener)?
            .shutdown_timeout(settings.server.shutdown_timeout_seconds);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        Ok(Self { port, server: server.run(), pool })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server from outside, as the tests do.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or Ctrl-C: then the listener closes, in-flight
    /// requests get the shutdown timeout to finish, and the pool is closed.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await?;
        tracing::info!("server stopped; closing the database pool");
        if let Err(error) = self.pool.close().await {
            tracing::warn!(%error, "closing the database pool failed");
        }
        Ok(())
    }
}

pub fn database_options(settings: &Settings) -> DatabaseOptions {
    DatabaseOptions {
        url: settings.database.url.clone(),
        max_connections: settings.database.max_connections,
        acquire_timeout: settings.database.acquire_timeout(),
        query_timeout: settings.database.query_timeout(),
        in_process_reads: settings.database.sqlite_in_process_reads,
    }
}

/// Unset origins mean any in development and none in production.
fn cors(settings: &Settings) -> CorsPolicy {
    match (&settings.cors.allowed_origins, settings.environment) {
        (Some(origins), _) if origins.iter().any(|o| o == "*") => CorsPolicy::AnyOrigin,
        (Some(origins), _) => CorsPolicy::Origins(origins.clone()),
        (None, Environment::Development) => CorsPolicy::AnyOrigin,
        (None, Environment::Production) => CorsPolicy::Origins(Vec::new()),
    }
}
