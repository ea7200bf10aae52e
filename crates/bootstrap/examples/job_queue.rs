//! The job queue's own speed, on SQLite and PostgreSQL (bench/README.md):
//! - throughput: jobs per second that one worker completes with a handler that does nothing;
//! - wake-up delay: from a commit that enqueues a job to the start of its handler, with the
//!   worker idle, woken in-process (the committing process's own workers) and, on
//!   PostgreSQL, through LISTEN/NOTIFY (a worker in another process).
//!
//! `cargo run --release -p todo-bootstrap --example job_queue` (PostgreSQL from
//! `BENCH_POSTGRES_URL`, default the local `test` database; skipped when it does not answer).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use todo_adapters_db::testing::{Backend, TestDatabase};
use todo_adapters_db::{
    DatabaseOptions, Pool, SeaOrmJobStore, SeaOrmUnitOfWork, connect, forward_job_notifications, migrate_up,
};
use todo_application::jobs::{JobError, JobHandler, JobHandlers, RetryPolicy};
use todo_application::ports::{Clock, NewJob, Payload, StoredPayload, UnitOfWork};
use todo_application::use_cases::ProcessNextJob;
use todo_domain::Timestamp;
use tokio::sync::Notify;

const JOBS: usize = 5_000;
const WAKE_UPS: usize = 50;

struct Now;

impl Clock for Now {
    fn now(&self) -> Timestamp {
        Utc::now()
    }
}

/// Does nothing, but notes when it started.
#[derive(Default)]
struct NoOp(Mutex<Vec<Instant>>);

#[async_trait]
impl JobHandler for NoOp {
    async fn handle(&self, _: Arc<dyn StoredPayload>) -> Result<(), JobError> {
        self.0.lock().unwrap().push(Instant::now());
        Ok(())
    }
}

fn noop_job() -> NewJob {
    let now = Utc::now();
    NewJob {
        kind: "noop",
        payload: Payload::new(serde_json::json!({"v": 1})),
        max_attempts: 3,
        run_at: now,
        created_at: now,
    }
}

async fn pool(url: &str) -> Pool {
    let options = DatabaseOptions {
        url: url.to_owned(),
        max_connections: 10,
        acquire_timeout: Duration::from_secs(5),
        query_timeout: Duration::from_secs(5),
        in_process_reads: true,
        http_threads: 0,
        ping_idle_after: Duration::ZERO,
    };
    let pool = connect(&options).await.expect("the database");
    migrate_up(pool.db()).await.expect("the migrations");
    pool
}

fn process(pool: &Pool, handler: Arc<NoOp>) -> ProcessNextJob {
    let store = Arc::new(SeaOrmJobStore::new(pool, Duration::from_secs(5)));
    let handlers = JobHandlers::default().with_kind("noop", handler);
    ProcessNextJob::new(store, handlers, Arc::new(Now), RetryPolicy::default(), Duration::from_secs(60))
}

async fn throughput(pool: &Pool) -> f64 {
    let unit_of_work = SeaOrmUnitOfWork::new(pool, Duration::from_secs(5));
    for _ in 0..JOBS / 100 {
        let transaction = unit_of_work.begin().await.unwrap();
        for _ in 0..100 {
            transaction.jobs().enqueue(noop_job()).await.unwrap();
        }
        transaction.commit().await.unwrap();
    }
    let handler = Arc::new(NoOp::default());
    let process = process(pool, handler.clone());
    let started = Instant::now();
    while process.execute("bench", std::future::pending()).await.unwrap().is_some() {}
    let elapsed = started.elapsed();
    assert_eq!(handler.0.lock().unwrap().len(), JOBS);
    JOBS as f64 / elapsed.as_secs_f64()
}

/// Median and 95th percentile, in milliseconds, of the delay from commit to handler start,
/// with one idle worker woken by `wake` (set by the commit or by a notification).
async fn wake_up_delays(pool: &Pool, in_process: bool) -> (f64, f64) {
    let wake = Arc::new(Notify::new());
    let mut unit_of_work = SeaOrmUnitOfWork::new(pool, Duration::from_secs(5));
    let _listener = if in_process {
        let wake = wake.clone();
        unit_of_work =
            unit_of_work.on_jobs_committed(Arc::new(move |_: &[&'static str]| wake.notify_waiters()));
        None
    } else {
        let wake = wake.clone();
        forward_job_notifications(pool, Arc::new(move || wake.notify_waiters()))
    };
    tokio::time::sleep(Duration::from_millis(500)).await; // the listener is connected
    let handler = Arc::new(NoOp::default());
    let process = Arc::new(process(pool, handler.clone()));
    let worker = {
        let (process, wake) = (process.clone(), wake.clone());
        tokio::spawn(async move {
            loop {
                let woken = wake.notified();
                while let Ok(Some(_)) = process.execute("bench", std::future::pending()).await {}
                // No polling here: only the wake-up can start the next job.
                woken.await;
            }
        })
    };
    let mut delays = Vec::new();
    for n in 0..WAKE_UPS {
        tokio::time::sleep(Duration::from_millis(20)).await; // the worker is idle again
        let transaction = unit_of_work.begin().await.unwrap();
        transaction.jobs().enqueue(noop_job()).await.unwrap();
        transaction.commit().await.unwrap();
        let committed = Instant::now();
        let deadline = committed + Duration::from_secs(5);
        while handler.0.lock().unwrap().len() <= n {
            assert!(Instant::now() < deadline, "job {n} never started");
            tokio::task::yield_now().await;
        }
        let started = handler.0.lock().unwrap()[n];
        delays.push(started.saturating_duration_since(committed).as_secs_f64() * 1000.0);
    }
    worker.abort();
    delays.sort_by(f64::total_cmp);
    (delays[WAKE_UPS / 2], delays[WAKE_UPS * 95 / 100])
}

async fn measure(name: &str, url: &str) {
    let pool = pool(url).await;
    println!("{name}: one worker, no-op handler: {:.0} jobs/s ({JOBS} jobs)", throughput(&pool).await);
    let (median, p95) = wake_up_delays(&pool, true).await;
    println!(
        "{name}: commit to start, woken in-process: median {median:.2} ms, p95 {p95:.2} ms ({WAKE_UPS} jobs)"
    );
    if url.starts_with("postgres") {
        let (median, p95) = wake_up_delays(&pool, false).await;
        println!(
            "{name}: commit to start, woken by NOTIFY: median {median:.2} ms, p95 {p95:.2} ms ({WAKE_UPS} jobs)"
        );
    }
    pool.close().await.unwrap();
}

fn main() {
    let server = std::env::var("BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".to_owned());
    // SAFETY: no other thread exists yet; the runtime starts below.
    unsafe { std::env::set_var("TEST_POSTGRES_URL", &server) };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let sqlite = TestDatabase::create(Backend::Sqlite).await;
        measure("SQLite", &sqlite.url).await;
        if reachable(&server).await {
            let postgres = TestDatabase::create(Backend::Postgres).await;
            measure("PostgreSQL", &postgres.url).await;
        } else {
            println!("PostgreSQL at {server} does not answer: skipped");
        }
    });
}

async fn reachable(url: &str) -> bool {
    let options = DatabaseOptions {
        url: url.to_owned(),
        max_connections: 1,
        acquire_timeout: Duration::from_secs(2),
        query_timeout: Duration::from_secs(2),
        in_process_reads: false,
        http_threads: 0,
        ping_idle_after: Duration::ZERO,
    };
    connect(&options).await.is_ok()
}
