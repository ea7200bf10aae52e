//! SIGTERM under load: the binary drains, then stops, and no request that reached it goes
//! unanswered. The clients speak HTTP/1.1 over raw TCP so that each outcome is known exactly:
//! answered, refused at connect, or lost (a connection closed without a response).

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use todo_adapters_db::testing::{Backend, TestDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::Command;

use common::serve;

/// Clients on kept-alive connections, and clients that open a new connection per request.
const CLIENTS: usize = 16;
const FRESH_CLIENTS: usize = 4;

#[derive(Debug)]
enum Outcome {
    Answered { status: u16, close: bool },
    RefusedAtConnect,
    Lost(String),
}

/// One request on `connection` (opened first if there is none); the connection is kept for
/// the next request unless the response asked to close it.
async fn send(connection: &mut Option<TcpStream>, address: &str, request: &[u8]) -> Outcome {
    if connection.is_none() {
        match TcpStream::connect(address).await {
            Ok(opened) => *connection = Some(opened),
            Err(_) => return Outcome::RefusedAtConnect,
        }
    }
    let stream = connection.as_mut().unwrap();
    let outcome = match exchange(stream, request).await {
        Ok((status, close)) => Outcome::Answered { status, close },
        Err(error) => Outcome::Lost(error.to_string()),
    };
    if !matches!(outcome, Outcome::Answered { close: false, .. }) {
        *connection = None;
    }
    outcome
}

async fn exchange(stream: &mut TcpStream, request: &[u8]) -> std::io::Result<(u16, bool)> {
    stream.write_all(request).await?;
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    let head_end = loop {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed without a response"));
        }
        received.extend_from_slice(&buffer[..read]);
        if let Some(at) = received.windows(4).position(|window| window == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while received.len() < head_end + length {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed mid-response"));
        }
        received.extend_from_slice(&buffer[..read]);
    }
    Ok((status, head.lines().any(|line| line.trim() == "connection: close")))
}

#[actix_web::test]
async fn sigterm_under_load_drains_and_leaves_no_request_unanswered() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let env = [("APP_DATABASE__URL", database.url.as_str()), ("APP_SERVER__DRAIN_SECONDS", "2")];
    let served = serve(Path::new(env!("CARGO_MANIFEST_DIR")), &env).await;
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let url = |path: &str| format!("{}{path}", served.address);
    let user = json!({ "username": "ada", "email": "ada@example.com", "password": "correct horse" });
    assert_eq!(client.post(url("/auth/register")).send_json(&user).await.unwrap().status(), 201);
    let form = [("username", "ada"), ("password", "correct horse")];
    let token: Value = client.post(url("/auth/token")).send_form(&form).await.unwrap().json().await.unwrap();
    let address = served.address.trim_start_matches("http://").to_owned();
    let request = format!(
        "GET /todos/ HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\r\n",
        token["access_token"].as_str().unwrap()
    );

    let answered = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(60);
    let clients: Vec<_> = (0..CLIENTS + FRESH_CLIENTS)
        .map(|number| {
            let request = if number < CLIENTS {
                request.clone()
            } else {
                request.replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1)
            };
            let (address, answered) = (address.clone(), answered.clone());
            tokio::spawn(async move {
                let (mut connection, mut outcomes) = (None, Vec::new());
                while Instant::now() < deadline {
                    let outcome = send(&mut connection, &address, request.as_bytes()).await;
                    if matches!(outcome, Outcome::Answered { .. }) {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    let refused = matches!(outcome, Outcome::RefusedAtConnect);
                    outcomes.push((outcome, Instant::now()));
                    if refused {
                        break;
                    }
                }
                outcomes
            })
        })
        .collect();
    // Readiness as a load balancer's probe sees it, every 10 ms until the listener closes. A
    // probe whose connection waits in the kernel's accept queue as the listener closes is reset,
    // not refused: after a 503 that too is the listener closing (a balancer sends no more by
    // then); before one it is a lost answer.
    let probe_address = address.clone();
    let probe = tokio::spawn(async move {
        let request =
            format!("GET /health/ready HTTP/1.1\r\nHost: {probe_address}\r\nConnection: close\r\n\r\n");
        let mut answers = Vec::new();
        while Instant::now() < deadline {
            match send(&mut None, &probe_address, request.as_bytes()).await {
                Outcome::Answered { status, .. } => answers.push((status, Instant::now())),
                Outcome::RefusedAtConnect => break,
                Outcome::Lost(_) if answers.iter().any(|(status, _)| *status == 503) => break,
                Outcome::Lost(error) => panic!("the readiness probe lost its answer: {error}"),
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        answers
    });

    // Under load first: every client has been answered many times.
    while answered.load(Ordering::SeqCst) < CLIENTS * 20 {
        assert!(Instant::now() < deadline, "the clients were never answered");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = served.child.id().unwrap().to_string();
    // The instant before the signal: the service may turn unready before `kill` is seen to exit.
    let terminated_at = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());

    let mut outcomes = Vec::new();
    for client in clients {
        outcomes.extend(client.await.unwrap());
    }
    let lost: Vec<_> = outcomes.iter().filter(|(outcome, _)| matches!(outcome, Outcome::Lost(_))).collect();
    let refused = outcomes.iter().filter(|(outcome, _)| matches!(outcome, Outcome::RefusedAtConnect)).count();
    let after: Vec<_> = outcomes
        .iter()
        .filter_map(|(outcome, at)| match outcome {
            Outcome::Answered { status, close } if *at > terminated_at => Some((*status, *close)),
            _ => None,
        })
        .collect();
    eprintln!(
        "{} requests: {} answered ({} after SIGTERM), {refused} refused at connect, {} lost",
        outcomes.len(),
        outcomes.len() - refused - lost.len(),
        after.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "requests lost: {lost:?}");
    assert_eq!(refused, CLIENTS + FRESH_CLIENTS, "every client ends refused at connect: the listener closed");
    let not_200: Vec<_> = outcomes
        .iter()
        .filter_map(|(outcome, _)| match outcome {
            Outcome::Answered { status, .. } if *status != 200 => Some(*status),
            _ => None,
        })
        .collect();
    assert!(not_200.is_empty(), "every answer is a 200, not {not_200:?}");
    assert!(!after.is_empty(), "nothing was served while draining");
    assert!(after.iter().any(|(_, close)| *close), "no answer after SIGTERM asked to close its connection");

    let readiness = probe.await.unwrap();
    assert!(readiness.iter().any(|(status, at)| *status == 200 && *at < terminated_at));
    let not_ready =
        readiness.iter().find(|(status, _)| *status == 503).expect("readiness never answered 503");
    assert!(
        not_ready.1 > terminated_at,
        "unready {:?} before SIGTERM",
        terminated_at.duration_since(not_ready.1)
    );
    assert!(
        readiness.iter().all(|(status, at)| *at < not_ready.1 || *status == 503),
        "ready again after 503"
    );

    let mut child = served.child;
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "exit status {status}");
}
