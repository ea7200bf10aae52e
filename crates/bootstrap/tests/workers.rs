//! `todo-api worker` processes as an operator runs them, against a real SMTP server started
//! here: a worker killed mid-job leaves the job to another after its lease; two workers never
//! run one job twice; SIGTERM hands back a job still running after the grace period.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::Utc;
use todo_adapters_db::testing::{Backend, TestDatabase};
use todo_adapters_db::{DatabaseOptions, Pool, SeaOrmJobStore, SeaOrmUnitOfWork, connect, migrate_up};
use todo_adapters_mail::testing::{Mode, SmtpSink};
use todo_application::jobs::{JobPayload, WelcomeEmail};
use todo_application::ports::{Job, JobStatus, JobStore, UnitOfWork};
use todo_domain::{EmailAddress, NewUser, Page, PasswordHash, Username};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_todo-api");
const PATIENCE: Duration = Duration::from_secs(30);

async fn pool(database: &TestDatabase) -> Pool {
    let options = DatabaseOptions {
        url: database.url.clone(),
        max_connections: 2,
        acquire_timeout: Duration::from_secs(5),
        query_timeout: Duration::from_secs(5),
        in_process_reads: false,
        http_threads: 0,
        ping_idle_after: Duration::ZERO,
    };
    connect(&options).await.unwrap()
}

/// `count` users, each registered with their welcome e-mail queued, as registration does.
async fn registered(pool: &Pool, count: usize) {
    let unit_of_work = SeaOrmUnitOfWork::new(pool, Duration::from_secs(5));
    for n in 0..count {
        let transaction = unit_of_work.begin().await.unwrap();
        let user = NewUser {
            username: Username::parse(format!("user{n}")).unwrap(),
            email: EmailAddress::parse(format!("user{n}@example.com")).unwrap(),
            password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
            is_superuser: false,
            created_at: Utc::now(),
        };
        let user = transaction.users().insert(user).await.unwrap();
        let job = WelcomeEmail { user_id: user.id.get() }.into_job(Utc::now());
        transaction.jobs().enqueue(job).await.unwrap();
        transaction.commit().await.unwrap();
    }
}

async fn jobs(pool: &Pool) -> Vec<Job> {
    SeaOrmJobStore::new(pool, Duration::from_secs(5)).list(None, Page::new(0, 100).unwrap()).await.unwrap()
}

/// A worker process with `workers` concurrent workers, sending through `smtp_url`.
fn worker(database: &TestDatabase, smtp_url: &str, workers: usize, extra: &[(&str, &str)]) -> Child {
    let directory = std::env::temp_dir();
    Command::new(BINARY)
        .arg("worker")
        .current_dir(directory)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_DATABASE__URL", &database.url)
        .env("APP_MAIL__SMTP_URL", smtp_url)
        .env("APP_JOBS__WORKERS", workers.to_string())
        .env("APP_JOBS__POLL_INTERVAL_MS", "100")
        .env("APP_JOBS__RETRY_BASE_MS", "50")
        .env("APP_SERVER__PORT", "0")
        .env("APP_LOG__FILTER", "warn")
        .envs(extra.iter().copied())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// The address of a worker's health and metrics endpoints, from its start-up log.
async fn operations_address(worker: &mut Child) -> String {
    let mut lines = BufReader::new(worker.stdout.take().expect("stdout is piped")).lines();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let line =
            tokio::time::timeout_at(deadline, lines.next_line()).await.unwrap().unwrap().expect("exited");
        if let Some((_, rest)) = line.split_once("health and metrics on http://") {
            let address = rest.split(['"', ' ', '\\']).next().unwrap().to_owned();
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return format!("http://{address}");
        }
    }
}

async fn wait_until(pool: &Pool, what: &str, done: impl Fn(&[Job]) -> bool) -> Vec<Job> {
    let started = Instant::now();
    loop {
        let jobs = jobs(pool).await;
        if done(&jobs) {
            return jobs;
        }
        assert!(started.elapsed() < PATIENCE, "{what} did not happen: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_worker_killed_mid_job_leaves_it_to_another_after_the_lease(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let pool = pool(&database).await;
    migrate_up(pool.db()).await.unwrap();
    registered(&pool, 1).await;
    let sink = SmtpSink::start(Mode::Stall).await;
    // A short lease, so that the test need not wait long for it; the mail time-out and the
    // query time-out must fit in it, or the worker refuses to start.
    let slow_mail = [
        ("APP_JOBS__LEASE_SECONDS", "2"),
        ("APP_MAIL__TIMEOUT_SECONDS", "1"),
        ("APP_DATABASE__QUERY_TIMEOUT_MS", "500"),
    ];
    let mut first = worker(&database, &sink.url(), 1, &slow_mail);
    sink.wait_for_connections(1, PATIENCE).await; // the job is running: the worker is talking to SMTP
    first.start_kill().unwrap(); // SIGKILL: no chance to hand anything back
    first.wait().await.unwrap();
    assert_eq!(jobs(&pool).await[0].status, JobStatus::Running, "the dead worker still holds it");

    sink.set_mode(Mode::Accept);
    let _second = worker(&database, &sink.url(), 1, &slow_mail);
    let received = sink.wait_for(1, PATIENCE).await;
    assert_eq!(received[0].to, ["user0@example.com"]);
    let jobs = wait_until(&pool, "success", |jobs| jobs[0].status == JobStatus::Succeeded).await;
    assert_eq!(jobs[0].attempts, 2, "the first attempt died with its worker");
}

async fn two_worker_processes_never_run_one_job_twice(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let pool = pool(&database).await;
    migrate_up(pool.db()).await.unwrap();
    registered(&pool, 40).await;
    let sink = SmtpSink::start(Mode::Accept).await;
    let _workers = [worker(&database, &sink.url(), 4, &[]), worker(&database, &sink.url(), 4, &[])];
    let received = sink.wait_for(40, PATIENCE).await;
    let jobs =
        wait_until(&pool, "all done", |jobs| jobs.iter().all(|job| job.status == JobStatus::Succeeded)).await;
    assert!(jobs.iter().all(|job| job.attempts == 1), "a job was claimed twice: {jobs:?}");
    let mut per_recipient = BTreeMap::new();
    for message in received {
        *per_recipient.entry(message.to[0].clone()).or_insert(0) += 1;
    }
    assert_eq!(per_recipient.len(), 40);
    assert!(per_recipient.values().all(|count| *count == 1), "{per_recipient:?}");
}

async fn sigterm_hands_back_a_job_still_running_after_the_grace_period(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let pool = pool(&database).await;
    migrate_up(pool.db()).await.unwrap();
    registered(&pool, 1).await;
    let sink = SmtpSink::start(Mode::Stall).await;
    let grace = [("APP_SERVER__SHUTDOWN_TIMEOUT_SECONDS", "1"), ("APP_MAIL__TIMEOUT_SECONDS", "120")];
    let mut running = worker(&database, &sink.url(), 1, &grace);
    sink.wait_for_connections(1, PATIENCE).await;
    let pid = running.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let exited =
        tokio::time::timeout(PATIENCE, running.wait()).await.expect("the worker did not stop").unwrap();
    assert!(exited.success(), "{exited:?}");
    let job = &jobs(&pool).await[0];
    assert_eq!((job.status, job.attempts), (JobStatus::Queued, 0), "handed back as it was: {job:?}");
}

#[actix_web::test]
async fn a_worker_process_answers_health_checks_and_counts_its_jobs_in_its_metrics() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let pool = pool(&database).await;
    migrate_up(pool.db()).await.unwrap();
    registered(&pool, 3).await;
    let sink = SmtpSink::start(Mode::Accept).await;
    let mut running = worker(&database, &sink.url(), 2, &[("APP_LOG__FILTER", "info")]);
    let address = operations_address(&mut running).await;
    sink.wait_for(3, PATIENCE).await;
    wait_until(&pool, "all done", |jobs| jobs.iter().all(|job| job.status == JobStatus::Succeeded)).await;
    let client = awc::Client::default();
    let ready = client.get(format!("{address}/health/ready")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    // The worker counts a job once its outcome is stored: a moment after the wait above sees it.
    let expected = r#"jobs_finished_total{kind="welcome_email",outcome="succeeded"} 3"#;
    let started = Instant::now();
    loop {
        let metrics = client.get(format!("{address}/metrics")).send().await.unwrap().body().await.unwrap();
        let metrics = String::from_utf8_lossy(&metrics).into_owned();
        if metrics.contains(expected) {
            break;
        }
        assert!(started.elapsed() < PATIENCE, "{expected} missing from:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let api = client.get(format!("{address}/todos/")).send().await.unwrap();
    assert_eq!(api.status().as_u16(), 404, "a worker serves no API");
}

#[tokio::test]
async fn a_worker_killed_mid_job_leaves_it_to_another_after_the_lease_on_sqlite() {
    a_worker_killed_mid_job_leaves_it_to_another_after_the_lease(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn a_worker_killed_mid_job_leaves_it_to_another_after_the_lease_on_postgres() {
    a_worker_killed_mid_job_leaves_it_to_another_after_the_lease(Backend::Postgres).await;
}

#[tokio::test]
async fn two_worker_processes_never_run_one_job_twice_on_sqlite() {
    two_worker_processes_never_run_one_job_twice(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn two_worker_processes_never_run_one_job_twice_on_postgres() {
    two_worker_processes_never_run_one_job_twice(Backend::Postgres).await;
}

#[tokio::test]
async fn sigterm_hands_back_a_job_still_running_after_the_grace_period_on_sqlite() {
    sigterm_hands_back_a_job_still_running_after_the_grace_period(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn sigterm_hands_back_a_job_still_running_after_the_grace_period_on_postgres() {
    sigterm_hands_back_a_job_still_running_after_the_grace_period(Backend::Postgres).await;
}
