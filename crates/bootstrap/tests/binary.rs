//! The `todo-api` binary as an operator runs it: its commands, its configuration
//! files and environment variables, its logs, and how it stops.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};
use todo_adapters_db::testing::{Backend, TestDatabase};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_todo-api");
const SECRET: &str = "a production secret that is long enough to sign with";

fn todo_api(working_dir: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(working_dir).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command.kill_on_drop(true);
    command
}

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
                   pending m20261202_000005_accounts\npending m20261202_000006_todo_events\n";
    assert_eq!(migrate(url, &["status"]).await, pending);
    migrate(url, &["up"]).await;
    assert_eq!(migrate(url, &["status"]).await, pending.replace("pending", "applied"));
    migrate(url, &["down"]).await;
    let one_down = "applied m20261121_000001_create_users\napplied m20261121_000002_create_todos\n\
                    applied m20261202_000003_create_jobs\napplied m20261202_000004_create_sessions\n\
                    applied m20261202_000005_accounts\npending m20261202_000006_todo_events\n";
    assert_eq!(migrate(url, &["status"]).await, one_down);
    migrate(url, &["down", "--steps", "5"]).await;
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

/// A served process, its address, and its log lines as they come.
struct Served {
    child: Child,
    address: String,
    /// Lines logged up to and including "listening on".
    startup_log: Vec<String>,
    log: tokio::sync::mpsc::UnboundedReceiver<String>,
}

async fn serve(working_dir: &Path, env: &[(&str, &str)]) -> Served {
    let mut child = todo_api(working_dir)
        .arg("serve")
        .env("APP_SERVER__PORT", "0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (sender, mut log) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = sender.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut startup_log = Vec::new();
    let address = loop {
        let line = tokio::time::timeout_at(deadline.into(), log.recv()).await.unwrap().expect("exited early");
        let address = line
            .split_once("listening on http://")
            .map(|(_, rest)| rest.split(['"', ' ']).next().unwrap().to_owned());
        startup_log.push(line);
        if let Some(address) = address {
            break format!("http://{address}");
        }
    };
    Served { child, address, startup_log, log }
}

#[tokio::test]
async fn production_logs_json_with_the_effective_settings_and_no_secret() {
    let temporary = tempfile::tempdir().unwrap();
    let directory = temporary.path().to_owned();
    std::fs::create_dir(directory.join("config")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/production.toml"),
        directory.join("config/production.toml"),
    )
    .unwrap();
    let database = format!("sqlite://{}", directory.join("todo.db").display());
    let mut served = serve(
        &directory,
        &[
            ("APP_ENVIRONMENT", "production"),
            ("APP_AUTH__SECRET", SECRET),
            ("APP_DATABASE__URL", &database),
            ("APP_SERVER__HOST", "127.0.0.1"),
        ],
    )
    .await;
    served.child.start_kill().unwrap();
    served.child.wait().await.unwrap();
    let mut lines = served.startup_log.clone();
    while let Ok(line) = served.log.try_recv() {
        lines.push(line);
    }
    let starting = lines
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .find(|event| event["message"] == "starting")
        .expect("no start-up line");
    let settings = starting["settings"].as_str().unwrap();
    assert!(settings.contains("environment=Production") && settings.contains("log=Json"), "{settings}");
    assert!(!lines.concat().contains(SECRET));
}

#[actix_web::test]
async fn sigterm_closes_the_listener_and_lets_requests_in_flight_finish() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let served = serve(Path::new(env!("CARGO_MANIFEST_DIR")), &[("APP_DATABASE__URL", &database.url)]).await;
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();

    // Registrations hash passwords with Argon2id: slow enough to be in flight.
    let registrations = (0..24).map(|i| {
        let (client, address) = (&client, &served.address);
        async move {
            let body = json!({ "username": format!("user{i}"), "email": format!("user{i}@example.com"), "password": "correct horse" });
            let response = client.post(format!("{address}/auth/register")).send_json(&body).await;
            (response.map(|r| r.status().as_u16()), Instant::now())
        }
    });
    let terminate = async {
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        let pid = served.child.id().unwrap().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
        Instant::now()
    };
    let (results, terminated_at) = tokio::join!(join_all(registrations), terminate);

    let answered_after_sigterm = results.iter().filter(|(_, at)| *at > terminated_at).count();
    for (status, _) in &results {
        assert_eq!(status.as_ref().ok(), Some(&201), "every request in flight completes: {status:?}");
    }
    assert!(answered_after_sigterm > 0, "no request was still in flight at SIGTERM; the test proves nothing");

    let refused = client.get(format!("{}/health", served.address)).send().await;
    assert!(refused.is_err(), "the listener is closed after SIGTERM");
    let (mut child, mut log) = (served.child, served.log);
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "exit status {status}");
    let mut after_stop = Vec::new();
    while let Some(line) = log.recv().await {
        after_stop.push(line);
    }
    assert!(after_stop.iter().any(|line| line.contains("closing the database pool")), "{after_stop:?}");
    eprintln!("{answered_after_sigterm} of {} requests finished after SIGTERM", results.len());
}

/// Every secret the accounts' flows handle, at the most verbose log level: none of them, and
/// no password hash, may reach the log.
#[actix_web::test]
async fn no_password_token_key_or_hash_reaches_the_log() {
    use todo_application::ports::Secrets;
    let database = TestDatabase::create(Backend::Sqlite).await;
    let outbox = tempfile::tempdir().unwrap();
    let outbox_dir = outbox.path().display().to_string();
    let env = [
        ("APP_DATABASE__URL", database.url.as_str()),
        ("APP_LOG__FILTER", "trace"),
        ("APP_MAIL__OUTBOX_DIR", outbox_dir.as_str()),
        ("APP_JOBS__POLL_INTERVAL_MS", "50"),
    ];
    let mut served = serve(Path::new(env!("CARGO_MANIFEST_DIR")), &env).await;
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let address = served.address.clone();
    let url = |path: &str| format!("{address}{path}");
    let (password, new_password, newest) =
        ("first secret password", "second secret password", "third secret password");

    let body = json!({ "username": "ada", "email": "ada@example.com", "password": password });
    assert_eq!(client.post(url("/auth/register")).send_json(&body).await.unwrap().status(), 201);
    let mut response = client
        .post(url("/auth/token"))
        .send_form(&[("username", "ada"), ("password", password)])
        .await
        .unwrap();
    let tokens: Value = response.json().await.unwrap();
    let (access, refresh) =
        (tokens["access_token"].as_str().unwrap(), tokens["refresh_token"].as_str().unwrap());
    let mut response = client
        .post(url("/auth/token"))
        .send_form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await
        .unwrap();
    let refreshed: Value = response.json().await.unwrap();
    let access = refreshed["access_token"].as_str().map_or(access.to_owned(), str::to_owned);
    let next_refresh = refreshed["refresh_token"].as_str().unwrap().to_owned();
    let mut response = client
        .post(url("/users/me/api-keys"))
        .bearer_auth(&access)
        .send_json(&json!({ "name": "script" }))
        .await
        .unwrap();
    let key: Value = response.json().await.unwrap();
    let key = key["key"].as_str().unwrap().to_owned();
    assert_eq!(
        client.get(url("/todos/")).insert_header(("X-API-Key", key.as_str())).send().await.unwrap().status(),
        200
    );
    // A live stream's token in the query string, where browsers must put it.
    let stream = client.get(url(&format!("/todos/events?access_token={access}"))).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    drop(stream);
    let change = json!({ "current_password": password, "new_password": new_password });
    assert_eq!(
        client.put(url("/users/me/password")).bearer_auth(&access).send_json(&change).await.unwrap().status(),
        204
    );
    let reset = json!({ "email": "ada@example.com" });
    assert_eq!(client.post(url("/auth/password-reset")).send_json(&reset).await.unwrap().status(), 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    let reset_token = loop {
        let token = std::fs::read_dir(outbox.path()).unwrap().filter_map(|entry| {
            let message =
                std::fs::read_to_string(entry.ok()?.path()).ok()?.replace("=\r\n", "").replace("=3D", "=");
            let (_, rest) = message.split_once("/reset-password?token=")?;
            Some(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            )
        });
        if let Some(token) = token.into_iter().next() {
            break token;
        }
        assert!(Instant::now() < deadline, "no reset e-mail");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    };
    let confirm = json!({ "token": reset_token, "new_password": newest });
    assert_eq!(
        client.post(url("/auth/password-reset/confirm")).send_json(&confirm).await.unwrap().status(),
        204
    );

    served.child.start_kill().unwrap();
    served.child.wait().await.unwrap();
    let mut lines = served.startup_log.clone();
    while let Some(line) = served.log.recv().await {
        lines.push(line);
    }
    let log = lines.concat();
    assert!(
        log.contains("password_reset_email"),
        "the log at trace level is not empty of the flows: {}",
        lines.len()
    );
    let secrets = todo_adapters_auth::RandomSecrets;
    let forbidden = [
        ("the first password", password.to_owned()),
        ("the second password", new_password.to_owned()),
        ("the third password", newest.to_owned()),
        ("the access token", access.clone()),
        ("the first refresh token", refresh.to_owned()),
        ("the second refresh token", next_refresh.clone()),
        ("the first refresh token's hash", secrets.hash(refresh).0),
        ("the API key", key.clone()),
        ("the API key's hash", secrets.hash(&key).0),
        ("the reset token", reset_token.clone()),
        ("the reset token's hash", secrets.hash(&reset_token).0),
        ("a password hash", "$argon2id$".to_owned()),
    ];
    for (what, secret) in forbidden {
        assert!(!log.contains(&secret), "{what} is in the log");
    }
}
