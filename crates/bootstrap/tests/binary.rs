//! The `todo-api` binary as an operator runs it: its commands, its configuration files and
//! environment variables.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use todo_adapters_db::testing::{Backend, TestDatabase};

use common::todo_api;

async fn migrate(database_url: &str, args: &[&str]) -> String {
    let output = todo_api(Path::new(env!("CARGO_MANIFEST_DIR")))
        .arg("migrate")
        .args(args)
        .env("APP_DATABASE__URL", database_url)
        .env("APP_LOG__FILTER", "warn")
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "migrate {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

async fn migrate_commands_apply_roll_back_and_report(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    let pending = "pending m20261121_000001_create_users\npending m20261121_000002_create_todos\n\
                   pending m20261202_000003_create_jobs\npending m20261202_000004_create_sessions\n\
                   pending m20261202_000005_accounts\npending m20261202_000006_todo_events\n\
                   pending m20261202_000007_todo_revisions\npending m20261202_000008_idempotency_keys\n\
                   pending m20261202_000009_attachments\npending m20261204_000010_job_trace_parent\n";
    assert_eq!(migrate(url, &["status"]).await, pending);
    migrate(url, &["up"]).await;
    assert_eq!(migrate(url, &["status"]).await, pending.replace("pending", "applied"));
    migrate(url, &["down"]).await;
    let one_down = "applied m20261121_000001_create_users\napplied m20261121_000002_create_todos\n\
                    applied m20261202_000003_create_jobs\napplied m20261202_000004_create_sessions\n\
                    applied m20261202_000005_accounts\napplied m20261202_000006_todo_events\n\
                    applied m20261202_000007_todo_revisions\napplied m20261202_000008_idempotency_keys\n\
                    applied m20261202_000009_attachments\npending m20261204_000010_job_trace_parent\n";
    assert_eq!(migrate(url, &["status"]).await, one_down);
    migrate(url, &["down", "--steps", "9"]).await;
    assert_eq!(migrate(url, &["status"]).await, pending);
    migrate(url, &["up"]).await;
    assert_eq!(migrate(url, &["status"]).await, pending.replace("pending", "applied"));
}

#[tokio::test]
async fn migrate_commands_apply_roll_back_and_report_on_sqlite() {
    migrate_commands_apply_roll_back_and_report(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn migrate_commands_apply_roll_back_and_report_on_postgres() {
    migrate_commands_apply_roll_back_and_report(Backend::Postgres).await;
}

async fn create_superuser(database_url: &str, args: &[&str], password: Option<&str>) -> std::process::Output {
    let mut command = todo_api(Path::new(env!("CARGO_MANIFEST_DIR")));
    command.args(["users", "create-superuser"]).args(args);
    command.env("APP_DATABASE__URL", database_url).env("APP_LOG__FILTER", "warn").stdin(Stdio::null());
    if let Some(password) = password {
        command.env("TODO_API_PASSWORD", password);
    }
    command.output().await.unwrap()
}

/// A pool of one connection on the test database, to look at it or prepare it.
async fn pool(database_url: &str) -> todo_adapters_db::Pool {
    let options = todo_adapters_db::DatabaseOptions {
        url: database_url.to_owned(),
        max_connections: 1,
        acquire_timeout: Duration::from_secs(5),
        query_timeout: Duration::from_secs(5),
        in_process_reads: false,
        http_threads: 0,
        ping_idle_after: Duration::ZERO,
    };
    todo_adapters_db::connect(&options).await.unwrap()
}

/// Every user's name, superuser flag and active flag, by id.
async fn superusers(database_url: &str) -> Vec<(String, bool, bool)> {
    use todo_adapters_db::ConnectionTrait;
    let pool = pool(database_url).await;
    let statement = todo_adapters_db::Statement::from_string(
        pool.db().get_database_backend(),
        "SELECT username, is_superuser, is_active FROM users ORDER BY id",
    );
    let rows = pool.db().query_all_raw(statement).await.unwrap();
    let flags = |row: &todo_adapters_db::QueryResult| {
        let name: String = row.try_get("", "username").unwrap();
        (name, row.try_get("", "is_superuser").unwrap(), row.try_get("", "is_active").unwrap())
    };
    let users = rows.iter().map(flags).collect();
    pool.close().await.unwrap();
    users
}

async fn create_superuser_makes_one_or_promotes_an_existing_user(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    let made = create_superuser(
        url,
        &["--username", "root", "--email", "root@example.com"],
        Some("root password 1"),
    )
    .await;
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(String::from_utf8_lossy(&made.stdout).contains("root"));
    let again = create_superuser(
        url,
        &["--username", "root", "--email", "other@example.com"],
        Some("root password 1"),
    )
    .await;
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already registered"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let short =
        create_superuser(url, &["--username", "ada", "--email", "ada@example.com"], Some("short")).await;
    assert!(!short.status.success(), "a password that registration would refuse is refused");
    let no_tty = create_superuser(url, &["--username", "ada", "--email", "ada@example.com"], None).await;
    assert!(
        !no_tty.status.success(),
        "without the variable the password is asked for, and there is no terminal"
    );
    assert_eq!(superusers(url).await, [("root".to_owned(), true, true)]);
    let unknown = create_superuser(url, &["--username", "ada", "--promote"], None).await;
    assert!(!unknown.status.success());
    // A deactivated regular user, then promoted (and activated).
    use todo_adapters_db::ConnectionTrait;
    let pool = pool(url).await;
    pool.db()
        .execute_unprepared(
            "INSERT INTO users (username, email, password_hash, is_active, created_at, is_superuser) \
             VALUES ('ada', 'ada@example.com', 'x', false, '2026-12-02T10:00:00Z', false)",
        )
        .await
        .unwrap();
    pool.close().await.unwrap();
    let promoted = create_superuser(url, &["--username", "ada", "--promote"], None).await;
    assert!(promoted.status.success(), "{}", String::from_utf8_lossy(&promoted.stderr));
    assert_eq!(superusers(url).await, [("root".to_owned(), true, true), ("ada".to_owned(), true, true)]);
}

#[tokio::test]
async fn create_superuser_makes_one_or_promotes_an_existing_user_on_sqlite() {
    create_superuser_makes_one_or_promotes_an_existing_user(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn create_superuser_makes_one_or_promotes_an_existing_user_on_postgres() {
    create_superuser_makes_one_or_promotes_an_existing_user(Backend::Postgres).await;
}

#[tokio::test]
async fn the_openapi_command_prints_the_committed_document_without_any_configuration() {
    let output = todo_api(&std::env::temp_dir()).arg("openapi").output().await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let committed: Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json")))
            .unwrap();
    assert!(printed == committed, "regenerate with `cargo run -- openapi > openapi.json`");
}

#[tokio::test]
async fn production_refuses_to_start_without_a_secret_and_says_why() {
    // The repository's config/production.toml is read from the working directory.
    let output = todo_api(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap())
        .env("APP_ENVIRONMENT", "production")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("APP_AUTH__SECRET must be set in production"), "{stderr}");
}

#[tokio::test]
async fn the_health_command_succeeds_while_the_service_answers_and_fails_once_it_is_gone() {
    let directory = tempfile::tempdir().unwrap();
    let mut served = common::serve(directory.path(), &[("APP_SERVER__DRAIN_SECONDS", "0")]).await;
    let port = served.address.rsplit(':').next().unwrap().to_owned();
    let health = || todo_api(directory.path()).arg("health").env("APP_SERVER__PORT", &port).output();
    let answered = health().await.unwrap();
    assert!(answered.status.success(), "{}", String::from_utf8_lossy(&answered.stderr));
    served.child.kill().await.unwrap();
    let gone = health().await.unwrap();
    assert_eq!(gone.status.code(), Some(1), "{}", String::from_utf8_lossy(&gone.stderr));
}

#[tokio::test]
async fn the_health_command_gives_up_on_a_service_that_accepts_but_never_answers() {
    let directory = tempfile::tempdir().unwrap();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let output =
        todo_api(directory.path()).arg("health").env("APP_SERVER__PORT", &port).output().await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no answer from the service within 3s"), "{stderr}");
    drop(silent);
}

/// The niceness of the service's thread named `name`, from `/proc`.
#[cfg(target_os = "linux")]
fn niceness(pid: u32, name: &str) -> Option<i64> {
    std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten().find_map(|task| {
        let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
        if comm.trim() != name {
            return None;
        }
        // Field 19 of stat; the name (field 2) may hold spaces, so count from the `)` after it.
        let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
        stat.rsplit_once(')')?.1.split_whitespace().nth(16)?.parse().ok()
    })
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_hashing_thread_runs_at_a_lower_priority_than_the_threads_that_answer_requests() {
    let directory = tempfile::tempdir().unwrap();
    let served = common::serve(directory.path(), &[]).await;
    let pid = served.child.id().unwrap();
    // The thread lowers its own priority as it starts: give it until a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while niceness(pid, "argon2-0") != Some(10) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(niceness(pid, "argon2-0"), Some(10));
    assert_eq!(niceness(pid, "todo-api"), Some(0), "the main thread keeps the normal priority");
}
