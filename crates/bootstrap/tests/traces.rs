//! Traces as a collector receives them: an OTLP/HTTP receiver started here takes what the
//! service exports. A request's span continues the caller's `traceparent`, the job it
//! enqueued runs in the same trace, and the JSON log carries the trace id.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";

type Received = Arc<Mutex<Vec<Span>>>;

/// An OTLP/HTTP receiver: every `POST /v1/traces` decoded and kept, answered 200.
async fn receiver() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let received = Received::default();
    let spans = received.clone();
    tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            let spans = spans.clone();
            tokio::spawn(async move {
                let mut connection = BufReader::new(connection);
                loop {
                    let (mut length, mut line, mut path) = (0, String::new(), String::new());
                    while connection.read_line(&mut line).await.unwrap_or(0) > 0 && line != "\r\n" {
                        let lower = line.to_ascii_lowercase();
                        if let Some(value) = lower.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap();
                        } else if lower.starts_with("post ") {
                            path = line.split(' ').nth(1).unwrap_or_default().to_owned();
                        }
                        line.clear();
                    }
                    if line.is_empty() {
                        return;
                    }
                    let mut body = vec![0; length];
                    connection.read_exact(&mut body).await.unwrap();
                    assert_eq!(path, "/v1/traces");
                    let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
                    let batch = request.resource_spans.into_iter().flat_map(|resource| resource.scope_spans);
                    spans.lock().unwrap().extend(batch.flat_map(|scope| scope.spans));
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    connection.get_mut().write_all(answer).await.unwrap();
                }
            });
        }
    });
    (address, received)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[actix_web::test]
async fn a_request_continues_the_callers_trace_and_its_job_runs_in_it() {
    let (endpoint, received) = receiver().await;
    let directory = tempfile::tempdir().unwrap();
    let env = [
        ("APP_TELEMETRY__OTLP_ENDPOINT", endpoint.as_str()),
        ("APP_TELEMETRY__ACCEPT_TRACEPARENT", "true"),
        ("APP_LOG__FORMAT", "json"),
        // The log's filter is the log's: the repositories' and the jobs' spans, left out of the
        // log here, are exported all the same.
        ("APP_LOG__FILTER", "warn,todo_api=info,todo_bootstrap=info,todo_adapters_http=info"),
        ("APP_SERVER__DRAIN_SECONDS", "0"),
        ("APP_JOBS__POLL_INTERVAL_MS", "50"),
    ];
    let mut served = common::serve(directory.path(), &env).await;
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let body = json!({ "username": "ada", "email": "ada@example.com", "password": "correct horse battery" });
    let registered = client
        .post(format!("{}/auth/register", served.address))
        .insert_header(("traceparent", format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01")))
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    // The welcome e-mail is the job: once in the outbox, its run is over.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(directory.path().join("mail")).map_or(0, Iterator::count) == 0 {
        assert!(Instant::now() < deadline, "the welcome e-mail was not sent");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = served.child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
    assert!(served.child.wait().await.unwrap().success());
    let mut log = Vec::new();
    while let Some(line) = served.log.recv().await {
        log.push(line);
    }

    // Exported at exit at the latest.
    let spans = received.lock().unwrap().clone();
    let named = |name: &str| spans.iter().find(|span| span.name == name).cloned();
    let request = named("POST /auth/register").unwrap_or_else(|| panic!("no request span in {spans:#?}"));
    assert_eq!(hex(&request.trace_id), TRACE_ID);
    assert_eq!(hex(&request.parent_span_id), PARENT_SPAN_ID, "the caller's span is the parent");
    let job = named("job welcome_email").unwrap_or_else(|| panic!("no job span in {spans:#?}"));
    assert_eq!(hex(&job.trace_id), TRACE_ID, "the job runs in the request's trace");
    let enqueue = named("db.jobs.enqueue").expect("the enqueueing span");
    assert_eq!(job.parent_span_id, enqueue.span_id, "the job's parent is where it was enqueued");
    assert!(!spans.iter().any(|span| span.name == "request"), "every request span is named by its route");
    // The workers polled every 50 ms: an idle poll is no trace of its own.
    let polls = ["process_next_job", "db.jobs.claim", "db.jobs.bury_expired", "db.jobs.stats"];
    assert!(!spans.iter().any(|span| polls.contains(&span.name.as_str())), "{spans:#?}");

    let completed = log
        .iter()
        .chain(&served.startup_log)
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["message"] == "request completed" && line["span"]["path"] == "/auth/register")
        .expect("the request's log line");
    assert_eq!(completed["span"]["trace_id"], TRACE_ID);
    assert!(completed["span"].get("otel.name").is_none(), "trace-only fields stay out of the log");
}

#[tokio::test]
async fn an_endpoint_that_is_not_a_url_is_refused_at_start_without_its_credentials() {
    let output = common::todo_api(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("APP_TELEMETRY__OTLP_ENDPOINT", "agent:s3cret@collector:4318")
        .env("APP_DATABASE__URL", "sqlite::memory:")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("telemetry.otlp_endpoint must be an http:// or https:// URL"), "{stderr}");
    assert!(stderr.contains("collector:4318") && !stderr.contains("s3cret"), "{stderr}");
}
