//! The database goes away and comes back while the service runs (PostgreSQL,
//! through a proxy the test cuts). Requests that need the database must answer
//! 503 within a bounded time, never hang or 500, and the service must recover
//! by itself. The measured times are printed (run with --nocapture).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;
use todo_adapters_db::{ConnectionTrait, DatabaseOptions, connect};
use todo_tests::{ApiDocument, Backend, POSTGRES_URL_VAR, TcpProxy, TestApp, spawn_app_with};

/// No request may take longer than this, outage or not.
const BOUND: Duration = Duration::from_secs(10);

fn postgres_address() -> (String, SocketAddr) {
    let url = std::env::var(POSTGRES_URL_VAR).unwrap();
    let after_at = url.rsplit_once('@').map_or(url.as_str(), |(_, rest)| rest);
    let host_port = after_at.split(['/', '?']).next().unwrap().to_owned();
    let address = host_port.parse().unwrap_or_else(|_| panic!("{host_port} is not an IP address and port"));
    (host_port, address)
}

async fn start_behind_proxy() -> (TestApp, TcpProxy) {
    let (host_port, address) = postgres_address();
    let proxy = TcpProxy::start(address).await;
    let app = spawn_app_with(Backend::Postgres, |settings| {
        settings.database.url = settings.database.url.replace(&host_port, &proxy.address.to_string());
        settings.database.acquire_timeout_ms = 1000;
        settings.database.query_timeout_ms = 2000;
    })
    .await;
    (app, proxy)
}

/// Sends `GET /todos/` until `done` says stop; checks each answer is 200 or a
/// 503 in the API's format, within the bound; returns the time it took.
async fn poll_until(app: &TestApp, token: &str, done: impl Fn(u16) -> bool) -> Duration {
    let document = ApiDocument::committed();
    let started = Instant::now();
    loop {
        let sent = Instant::now();
        let response = app.get("/todos/", Some(token)).await;
        document.check("GET", "/todos/", &response);
        assert!(sent.elapsed() < BOUND, "a request took {:?}", sent.elapsed());
        match response.status {
            200 => {}
            503 => assert_eq!(response.json(), json!({ "detail": "Service temporarily unavailable" })),
            other => panic!("{other} during an outage: {}", response.text()),
        }
        if done(response.status) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no change within a minute");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn a_database_that_goes_down_gives_503s_quickly_and_the_service_recovers_by_itself() {
    let (app, proxy) = start_behind_proxy().await;
    let token = app.user_token("ada").await;
    app.new_todo(&token, "survive the outage").await;

    proxy.cut();
    let to_first_503 = poll_until(&app, &token, |status| status == 503).await;
    assert_eq!(app.get("/health", None).await.status, 200, "liveness does not depend on the database");
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, 503, "{}", ready.text());
    ApiDocument::committed().check("GET", "/health/ready", &ready);
    assert_eq!(ready.header("retry-after"), Some("1"));

    proxy.restore();
    let to_recover = poll_until(&app, &token, |status| status == 200).await;
    assert_eq!(app.get("/health/ready", None).await.status, 200);
    assert_eq!(app.get("/todos/", Some(&token)).await.json()[0]["title"], "survive the outage");
    eprintln!(
        "database refused: first 503 after {to_first_503:?}; recovered {to_recover:?} after it returned"
    );
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn a_database_that_stops_answering_gives_503s_within_the_query_timeout() {
    let (app, proxy) = start_behind_proxy().await;
    let token = app.user_token("ada").await;

    proxy.blackhole();
    let sent = Instant::now();
    let response = app.get("/todos/", Some(&token)).await;
    let first_answer = sent.elapsed();
    assert_eq!(response.status, 503, "{}", response.text());
    assert!(first_answer < BOUND, "answered after {first_answer:?}");

    proxy.restore();
    let to_recover = poll_until(&app, &token, |status| status == 200).await;
    eprintln!("database silent: 503 after {first_answer:?}; recovered {to_recover:?} after it returned");
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn statements_abandoned_at_their_deadline_give_their_connections_back() {
    const CONNECTIONS: u32 = 3;
    let app = spawn_app_with(Backend::Postgres, |settings| {
        settings.database.max_connections = CONNECTIONS;
        settings.database.acquire_timeout_ms = 2000;
        settings.database.query_timeout_ms = 500;
        settings.jobs.workers = 0;
    })
    .await;
    let token = app.user_token("ada").await;
    app.new_todo(&token, "behind a lock").await;

    // Another client locks the todos for 8 s: reading them waits past the deadline.
    let url = app.database_url().to_owned();
    let lock = actix_web::rt::spawn(async move {
        let options = DatabaseOptions {
            url,
            max_connections: 1,
            acquire_timeout: Duration::from_secs(5),
            query_timeout: Duration::from_secs(30),
            in_process_reads: false,
            http_threads: 0,
            ping_idle_after: Duration::ZERO,
        };
        let pool = connect(&options).await.unwrap();
        let locked = "LOCK TABLE todos IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8)";
        let _ = pool.db().execute_unprepared(locked).await;
    });
    let waited = poll_until(&app, &token, |status| status == 503).await;
    // As many reads as connections, each abandoned at its deadline while it waits for the lock.
    let reads = (0..CONNECTIONS).map(|_| app.get("/todos/", Some(&token)));
    let statuses: Vec<u16> = join_all(reads).await.into_iter().map(|response| response.status).collect();
    assert_eq!(statuses, [503; CONNECTIONS as usize]);
    let abandoned = Instant::now();

    // Those connections still wait for the lock; they are closed rather than kept, and the
    // next statement gets a new connection while the lock is still held.
    let ready = loop {
        let response = app.get("/health/ready", None).await;
        if response.status == 200 || abandoned.elapsed() > Duration::from_secs(5) {
            break response;
        }
    };
    assert_eq!(ready.status, 200, "after {:?}: {}", abandoned.elapsed(), ready.text());
    eprintln!("locked: 503 after {waited:?}; a connection again {:?} later", abandoned.elapsed());
    lock.await.unwrap();
}

/// The statuses of `GET /todos/` sent one after another as soon as the server has ended every
/// connection of the service (as a restart or an administrator would), until ten 200s in a row.
async fn statuses_after_the_server_ends_the_connections(ping_idle_after_ms: u64) -> Vec<u16> {
    let name = format!("ended_{}_{ping_idle_after_ms}", std::process::id());
    let app = spawn_app_with(Backend::Postgres, |settings| {
        settings.database.url = format!("{}&application_name={name}", settings.database.url);
        settings.database.ping_idle_after_ms = ping_idle_after_ms;
    })
    .await;
    let token = app.user_token("ada").await;
    app.new_todo(&token, "still there").await;
    for _ in 0..20 {
        assert_eq!(app.get("/todos/", Some(&token)).await.status, 200);
    }
    app.execute_sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
    ))
    .await;
    let mut statuses = Vec::new();
    while statuses.iter().rev().take_while(|status| **status == 200).count() < 10 {
        statuses.push(app.get("/todos/", Some(&token)).await.status);
        assert!(statuses.len() < 100, "no recovery: {statuses:?}");
    }
    statuses
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn connections_the_server_ends_fail_one_request_each_at_most_then_are_replaced() {
    // By default a connection used within the last 500 ms is not pinged before use.
    let statuses = statuses_after_the_server_ends_the_connections(500).await;
    assert!(statuses.iter().all(|status| [200, 503].contains(status)), "{statuses:?}");
    assert!(statuses.iter().filter(|status| **status == 503).count() <= 10, "{statuses:?}");
    eprintln!("after the server ended the connections: {statuses:?}");
}

#[actix_web::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn connections_the_server_ends_are_replaced_unseen_when_pinged_before_every_use() {
    let statuses = statuses_after_the_server_ends_the_connections(0).await;
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
}
