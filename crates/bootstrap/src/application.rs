//! The running service: database, migrations, wiring, the HTTP server and the job workers,
//! built the same way by `main` and by the black-box tests.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use todo_adapters_db::{DatabaseOptions, Pool, connect, forward_job_notifications, migrate_up};
use todo_adapters_http::{
    BodyLimit, CorsPolicy, Draining, EventStreamOptions, HttpOptions, StaticDir, StreamsClosing,
    TrustProxyHeaders,
};

use crate::metrics;
use crate::settings::{Environment, Settings};
use crate::wiring;
use crate::workers::{AbortOnDrop, JobRuntime, JobWorkers};

pub struct Application {
    port: u16,
    server: Server,
    pool: Pool,
    workers: JobWorkers,
    notifications: Option<AbortOnDrop>,
    signal_tasks: Vec<AbortOnDrop>,
    streams_closing: StreamsClosing,
    draining: Draining,
    drain: Duration,
    /// The listening socket, a second handle to it: closing it refuses new connections at
    /// once, before the server stops (see `run_until_stopped`).
    listening: TcpListener,
    shutdown_timeout: Duration,
}

/// After the listener closed, how long kept-alive connections have to receive their last
/// answer before the server stops.
const LAST_ANSWERS: Duration = Duration::from_millis(100);

impl Application {
    /// Checks the settings, connects, migrates (unless told not to), wires the
    /// use cases, starts the job workers and binds the listener. Port 0 picks a free port.
    ///
    /// # Errors
    /// Refused settings, an unreachable database, a failed migration, a port in use.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let http_threads = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            workers => workers,
        };
        let (pool, wired) = prepare(&settings, http_threads).await?;
        let state = web::Data::new(wired.http);
        let options = HttpOptions {
            body_limit: BodyLimit(settings.server.body_limit_bytes),
            cors: cors(&settings),
            secure_cookies: settings.environment == Environment::Production,
            trust_proxy_headers: TrustProxyHeaders(settings.server.trust_proxy_headers),
            metrics: web::Data::new(metrics::metrics(
                &pool,
                &wired.jobs.metrics,
                &wired.limit_store_unavailable,
            )),
            events: event_streams(&settings),
            streams_closing: StreamsClosing::new(),
            draining: Draining::new(),
            openapi: todo_adapters_http::openapi::document(),
            static_dir: static_dir(&settings)?,
            traces: web::Data::from(wired.traces.clone()),
        };
        let (streams_closing, draining) = (options.streams_closing.clone(), options.draining.clone());

        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let listening = listener.try_clone()?;
        // Signals are handled in `run_until_stopped`, so that the workers stop claiming at once.
        // Each worker thread builds its application here, on its own runtime, and takes a
        // pool of its own (PostgreSQL; see `todo_adapters_db::Pool::attach_current_thread`).
        let threads_pool = pool.clone();
        let server = HttpServer::new(move || {
            threads_pool.attach_current_thread();
            todo_adapters_http::app(state.clone(), options.clone())
        })
        .workers(http_threads)
        .listen(listener)?
        .disable_signals()
        // A client that closes its side has gone: its live stream ends at once, rather than
        // at the next keep-alive that fails to reach it.
        .h1_allow_half_closed(false)
        .shutdown_timeout(settings.server.shutdown_timeout_seconds);
        let (workers, notifications) = start_workers(&wired.jobs, &pool, settings.jobs.workers);
        let shutdown_timeout = Duration::from_secs(settings.server.shutdown_timeout_seconds);
        Ok(Self {
            port,
            server: server.run(),
            pool,
            workers,
            notifications,
            signal_tasks: wired.signal_tasks,
            streams_closing,
            draining,
            drain: Duration::from_secs(settings.server.drain_seconds),
            listening,
            shutdown_timeout,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server from outside, as the tests do.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or Ctrl-C (or [`Self::handle`] stops it). Then it drains: job
    /// workers claim no more jobs and `/health/ready` answers 503, while requests are served
    /// as usual for `server.drain_seconds` so that load balancers move away (a second signal
    /// cuts this short). Then the listener closes (new connections are refused at connect),
    /// every response asks its client to close the connection, live streams end, in-flight
    /// requests and running jobs get the shutdown timeout to finish, and the pool is closed.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (server, stop_claiming) = (self.server.handle(), self.workers.stop_claiming());
        let (streams_closing, draining, drain) =
            (self.streams_closing.clone(), self.draining.clone(), self.drain);
        let listening = self.listening;
        let signals = actix_web::rt::spawn(async move {
            shutdown_signal().await;
            stop_claiming.now();
            draining.stop_being_ready();
            if !drain.is_zero() {
                tracing::info!(?drain, "draining: not ready, still serving");
                tokio::select! {
                    () = tokio::time::sleep(drain) => {}
                    () = shutdown_signal() => tracing::info!("a second signal: draining cut short"),
                }
            }
            tracing::info!("stopping: no new connections; letting the requests and jobs in flight finish");
            // Sealed first, while the server still accepts: what the kernel has queued is served.
            let sealed = crate::listener::seal(&listening).await;
            server.pause().await;
            crate::listener::close_gracefully(listening, sealed).await;
            // Each busy kept-alive connection now gets one last answer, with `Connection: close`,
            // before the server stops: a stopping server closes connections between requests,
            // and a request sent at that instant would be lost.
            draining.close_connections();
            tokio::time::sleep(LAST_ANSWERS).await;
            streams_closing.close_all();
            server.stop(true).await;
        });
        let served = self.server.await;
        signals.abort();
        drop(self.signal_tasks);
        tracing::info!("server stopped; stopping the job workers");
        stop(self.workers, self.notifications, self.pool, self.shutdown_timeout).await;
        served
    }
}

/// The job workers alone, without the API: `todo-api worker`. It answers `/health`,
/// `/health/ready` and `/metrics` on the configured address, for orchestrators and monitoring.
pub struct Worker {
    port: u16,
    operations: Server,
    pool: Pool,
    workers: JobWorkers,
    notifications: Option<AbortOnDrop>,
    shutdown_timeout: Duration,
}

impl Worker {
    /// Checks the settings, connects, migrates (unless told not to), starts `jobs.workers`
    /// workers (at least one) and binds the operations listener. Port 0 picks a free port.
    ///
    /// # Errors
    /// Refused settings, an unreachable database, a failed migration, a port in use.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let (pool, wired) = prepare(&settings, 0).await?;
        let metrics =
            web::Data::new(metrics::metrics(&pool, &wired.jobs.metrics, &wired.limit_store_unavailable));
        let readiness = web::Data::new(wiring::readiness(&pool));
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let operations =
            HttpServer::new(move || todo_adapters_http::operations(readiness.clone(), metrics.clone()))
                .workers(1)
                .disable_signals()
                .listen(listener)?
                .run();
        let (workers, notifications) = start_workers(&wired.jobs, &pool, settings.jobs.workers.max(1));
        let shutdown_timeout = Duration::from_secs(settings.server.shutdown_timeout_seconds);
        Ok(Self { port, operations, pool, workers, notifications, shutdown_timeout })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs jobs until `stop` completes (SIGTERM or Ctrl-C in `main`), then lets running jobs
    /// finish within the shutdown timeout and hands back the rest.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        let operations = self.operations.handle();
        let served = tokio::spawn(self.operations);
        signal.await;
        tracing::info!("stopping the job workers");
        stop(self.workers, self.notifications, self.pool, self.shutdown_timeout).await;
        operations.stop(true).await;
        let _ = served.await;
    }
}

/// SIGTERM or Ctrl-C (SIGINT), whichever comes first; both stop the process gracefully.
///
/// # Panics
/// When the signals cannot be watched (no signal driver in the runtime: a wiring bug).
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).expect("BUG: SIGTERM cannot be watched");
    let mut interrupt = signal(SignalKind::interrupt()).expect("BUG: SIGINT cannot be watched");
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
}

/// What serving and working share: checked settings, the pool, migrations, the wiring.
/// `http_threads` HTTP worker threads will each take a pool of their own on PostgreSQL.
async fn prepare(settings: &Settings, http_threads: usize) -> anyhow::Result<(Pool, wiring::Wired)> {
    settings.check()?;
    let pool = connect(&DatabaseOptions { http_threads, ..database_options(settings) }).await?;
    if settings.database.migrate_on_start {
        migrate_up(pool.db()).await?;
    }
    let wired = wiring::wire(settings, &pool)?;
    Ok((pool, wired))
}

/// `count` workers, woken on PostgreSQL by other processes' commits as well as this one's.
fn start_workers(runtime: &JobRuntime, pool: &Pool, count: usize) -> (JobWorkers, Option<AbortOnDrop>) {
    let notifications = (count > 0)
        .then(|| {
            let wake = runtime.wake.clone();
            forward_job_notifications(pool, std::sync::Arc::new(move || wake.notify_waiters()))
        })
        .flatten()
        .map(AbortOnDrop);
    (JobWorkers::start(runtime, count), notifications)
}

async fn stop(workers: JobWorkers, notifications: Option<AbortOnDrop>, pool: Pool, grace: Duration) {
    workers.stop(grace).await;
    drop(notifications);
    tracing::info!("closing the database pool");
    if let Err(error) = pool.close().await {
        tracing::warn!(%error, "closing the database pool failed");
    }
}

pub fn database_options(settings: &Settings) -> DatabaseOptions {
    DatabaseOptions {
        url: settings.database.url.clone(),
        max_connections: settings.database.max_connections,
        acquire_timeout: settings.database.acquire_timeout(),
        query_timeout: settings.database.query_timeout(),
        in_process_reads: settings.database.sqlite_in_process_reads,
        http_threads: 0,
        ping_idle_after: Duration::from_millis(settings.database.ping_idle_after_ms),
    }
}

/// The `/static/` directory, which must exist when it is configured.
fn static_dir(settings: &Settings) -> anyhow::Result<Option<StaticDir>> {
    let Some(dir) = settings.server.static_dir.as_deref() else { return Ok(None) };
    let opened = StaticDir::open(std::path::Path::new(dir));
    Ok(Some(opened.map_err(|error| anyhow::anyhow!("server.static_dir {dir:?} cannot be served: {error}"))?))
}

fn event_streams(settings: &Settings) -> EventStreamOptions {
    let events = &settings.events;
    EventStreamOptions {
        keep_alive: Duration::from_secs(events.keep_alive_seconds.max(1)),
        ping_every: Duration::from_secs(events.ping_seconds.max(1)),
        silence_limit: Duration::from_secs(events.silence_limit_seconds.max(1)),
        send_timeout: Duration::from_secs(events.send_timeout_seconds.max(1)),
        ..EventStreamOptions::default()
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
