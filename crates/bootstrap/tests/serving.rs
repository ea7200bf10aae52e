//! The `todo-api` binary serving: its logs (and what never reaches them), and how it stops.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::future::join_all;
use serde_json::{Value, json};
use todo_adapters_db::testing::{Backend, TestDatabase};
use tokio::process::Command;

use common::{SECRET, serve};

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
    // No draining: the listener closes at SIGTERM (tests/draining.rs covers the drain).
    let env = [("APP_DATABASE__URL", database.url.as_str()), ("APP_SERVER__DRAIN_SECONDS", "0")];
    let served = serve(Path::new(env!("CARGO_MANIFEST_DIR")), &env).await;
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
        // Once all of them are in the service (and this look at the metrics too): the hashing
        // takes them one at a time, so most are still waiting for it.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut metrics = client.get(format!("{}/metrics", served.address)).send().await.unwrap();
            let text = String::from_utf8_lossy(&metrics.body().await.unwrap()).into_owned();
            let in_flight = text
                .lines()
                .find_map(|line| line.strip_prefix("http_requests_in_flight "))
                .and_then(|count| count.trim().parse::<u32>().ok())
                .unwrap_or(0);
            if in_flight > 24 {
                break;
            }
            assert!(Instant::now() < deadline, "the registrations never were all in flight: {in_flight}");
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
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

/// Live streams never end on their own: SIGTERM must end them, or each would hold the stop
/// for the whole shutdown timeout (two minutes here; the test gives it 20 s).
#[actix_web::test]
async fn sigterm_ends_live_streams_instead_of_waiting_for_them() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let env = [("APP_DATABASE__URL", database.url.as_str()), ("APP_SERVER__SHUTDOWN_TIMEOUT_SECONDS", "120")];
    let served = serve(Path::new(env!("CARGO_MANIFEST_DIR")), &env).await;
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let url = |path: &str| format!("{}{path}", served.address);
    let user = json!({ "username": "ada", "email": "ada@example.com", "password": "correct horse" });
    assert_eq!(client.post(url("/auth/register")).send_json(&user).await.unwrap().status(), 201);
    let mut response = client
        .post(url("/auth/token"))
        .send_form(&[("username", "ada"), ("password", "correct horse")])
        .await
        .unwrap();
    let token: Value = response.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let mut stream = client.get(url("/todos/events")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let (_, mut socket) =
        client.ws(url("/todos/ws").replacen("http", "ws", 1)).bearer_auth(&token).connect().await.unwrap();

    let pid = served.child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
    let deadline = Duration::from_secs(20);
    let ended =
        tokio::time::timeout(deadline, async { while let Some(Ok(_)) = stream.next().await {} }).await;
    assert!(ended.is_ok(), "the SSE stream was still open {deadline:?} after SIGTERM");
    let closed = tokio::time::timeout(deadline, async {
        loop {
            match socket.next().await {
                Some(Ok(awc::ws::Frame::Close(reason))) => {
                    return reason.map(|reason| u16::from(reason.code));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    });
    assert_eq!(closed.await.expect("the WebSocket stayed open"), Some(1012), "service restart");
    let mut child = served.child;
    let status = tokio::time::timeout(deadline, child.wait()).await.expect("still running").unwrap();
    assert!(status.success(), "exit status {status}");
}
