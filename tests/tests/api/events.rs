//! `GET /todos/events`: the caller's todo changes as Server-Sent Events, in order, only
//! their own, resumable after a disconnect; refused before any stream when unauthenticated.

use std::time::Duration;

use actix_web::http::Method;
use serde_json::{Value, json};
use todo_tests::{EventStream, SseMessage, TestApp, on_each_backend, spawn_app, spawn_app_with};

/// The next message, which must be one.
async fn message(stream: &mut EventStream) -> SseMessage {
    stream.next().await.expect("the stream ended")
}

async fn open(app: &TestApp, token: &str) -> EventStream {
    app.event_stream("", Some(token), &[])
        .await
        .unwrap_or_else(|refused| panic!("refused: {}", refused.text()))
}

async fn patch(app: &TestApp, token: &str, id: &Value, body: Value) {
    let response = app.request(Method::PATCH, &format!("/todos/{id}"), Some(token), Some(body)).await;
    assert_eq!(response.status, 200, "{}", response.text());
}

on_each_backend! {
    async fn creations_updates_and_deletions_arrive_in_order_with_increasing_ids(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("alice").await;
        let mut stream = open(&app, &token).await;
        assert_eq!(stream.response_headers.get("content-type").unwrap(), "text/event-stream");
        assert_eq!(stream.response_headers.get("cache-control").unwrap(), "no-cache");
        let created = app.new_todo(&token, "buy milk").await;
        patch(&app, &token, &created["id"], json!({ "completed": true })).await;
        let deleted = app.request(Method::DELETE, &format!("/todos/{}", created["id"]), Some(&token), None).await;
        assert_eq!(deleted.status, 204);

        let first = message(&mut stream).await;
        assert_eq!(first.event, "todo.created");
        assert_eq!(first.data, json!({ "type": "todo.created", "id": 1, "todo": created }));
        assert_eq!(first.id.as_deref(), Some("1"));
        let second = message(&mut stream).await;
        assert_eq!((second.event.as_str(), second.id.as_deref()), ("todo.updated", Some("2")));
        assert_eq!(second.data["todo"]["completed"], true);
        assert_eq!(second.data["todo"]["id"], created["id"]);
        let third = message(&mut stream).await;
        assert_eq!(third.data, json!({ "type": "todo.deleted", "id": 3, "todo_id": created["id"] }));
        assert_eq!(stream.comments.first().map(String::as_str), Some("connected"));
    }

    async fn each_user_sees_only_their_own_changes(backend) {
        let app = spawn_app(backend).await;
        let alice = app.user_token("alice").await;
        let bob = app.user_token("bob").await;
        let mut alices = open(&app, &alice).await;
        let mut bobs = open(&app, &bob).await;
        app.new_todo(&alice, "alice's").await;
        let bobs_todo = app.new_todo(&bob, "bob's").await;
        assert_eq!(message(&mut alices).await.data["todo"]["title"], "alice's");
        let seen = message(&mut bobs).await;
        assert_eq!(seen.data["todo"], bobs_todo, "bob's first event is his own");
        assert_eq!(seen.id.as_deref(), Some("1"), "ids count per user");
        alices.expect_silence(Duration::from_millis(300)).await;
    }

    async fn a_client_that_reconnects_gets_exactly_what_it_missed(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("alice").await;
        let mut stream = open(&app, &token).await;
        let first = app.new_todo(&token, "one").await;
        let seen = message(&mut stream).await;
        drop(stream);
        // Changed while disconnected.
        let second = app.new_todo(&token, "two").await;
        patch(&app, &token, &first["id"], json!({ "title": "one, renamed" })).await;

        let resumed = app.event_stream("", Some(&token), &[("Last-Event-ID", seen.id.as_deref().unwrap())]).await;
        let mut resumed = resumed.unwrap_or_else(|refused| panic!("{}", refused.text()));
        assert_eq!(message(&mut resumed).await.data["todo"], second);
        let renamed = message(&mut resumed).await;
        assert_eq!((renamed.id.as_deref(), &renamed.data["todo"]["title"]), (Some("3"), &json!("one, renamed")));
        // Then live.
        app.new_todo(&token, "three").await;
        assert_eq!(message(&mut resumed).await.id.as_deref(), Some("4"));

        // The query parameter does the same, for clients that cannot set headers.
        let mut by_query = app.event_stream("?last_event_id=2", Some(&token), &[]).await.ok().unwrap();
        assert_eq!(message(&mut by_query).await.id.as_deref(), Some("3"));
        // Without either, only what happens next.
        let mut fresh = open(&app, &token).await;
        fresh.expect_silence(Duration::from_millis(300)).await;
    }

    async fn a_resume_from_events_no_longer_kept_starts_with_a_reset(backend) {
        // Keep one event per user, however young: older ones go on the next pruning.
        let app = spawn_app_with(backend, |settings| {
            settings.events.retain_events = 1;
            settings.events.retain_hours = 0;
            settings.events.prune_every_seconds = 1;
        })
        .await;
        let token = app.user_token("alice").await;
        for title in ["one", "two", "three"] {
            app.new_todo(&token, title).await;
        }
        // Pruning runs every second; until it has, a resume from 1 still replays.
        let deadline = tokio::time::Instant::now() + todo_tests::WAIT;
        let reset = loop {
            let mut stream = app.event_stream("?last_event_id=1", Some(&token), &[]).await.ok().unwrap();
            let first = message(&mut stream).await;
            if first.event == "reset" || tokio::time::Instant::now() > deadline {
                break first;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(reset.data, json!({ "type": "reset" }));
        assert_eq!(reset.id.as_deref(), Some("3"), "the stream goes on after the newest event");
        // An id the log never reached is as good as lost.
        let mut ahead = app.event_stream("?last_event_id=99", Some(&token), &[]).await.ok().unwrap();
        assert_eq!(message(&mut ahead).await.event, "reset");
        // The newest one is still there: a client that saw it misses nothing.
        let mut current = app.event_stream("?last_event_id=3", Some(&token), &[]).await.ok().unwrap();
        app.new_todo(&token, "four").await;
        assert_eq!(message(&mut current).await.id.as_deref(), Some("4"));
    }

    async fn streams_are_refused_before_they_start_without_a_valid_token_or_scope(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("alice").await;
        let refused = app.event_stream("", None, &[]).await.err().expect("no token, no stream");
        assert_eq!((refused.status, refused.json()), (401, json!({ "detail": "Not authenticated" })));
        assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
        let forged = app.event_stream("?access_token=forged", None, &[]).await.err().unwrap();
        assert_eq!((forged.status, forged.json()), (401, json!({ "detail": "Could not validate credentials" })));
        let bad_id = app.event_stream("", Some(&token), &[("Last-Event-ID", "seven")]).await.err().unwrap();
        assert_eq!(bad_id.status, 422);
        assert_eq!(bad_id.json()["detail"][0]["loc"], json!(["header", "last-event-id"]));
        // Writing needs no reading: a token without todos:read gets 403.
        let form = [("username", "alice"), ("password", todo_tests::PASSWORD), ("scope", "todos:write")];
        let write_only = app.log_in(&form).await.json()["access_token"].as_str().unwrap().to_owned();
        let forbidden = app.event_stream("", Some(&write_only), &[]).await.err().unwrap();
        assert_eq!(forbidden.status, 403);
        assert_eq!(forbidden.header("www-authenticate"), Some("Bearer scope=\"todos:read\""));
    }

    async fn the_token_may_come_in_the_query(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("alice").await;
        let mut stream = app.event_stream(&format!("?access_token={token}"), None, &[]).await.ok().unwrap();
        app.new_todo(&token, "seen").await;
        assert_eq!(message(&mut stream).await.data["todo"]["title"], "seen");
    }

    async fn a_quiet_stream_gets_keep_alives(backend) {
        let app = spawn_app_with(backend, |settings| settings.events.keep_alive_seconds = 1).await;
        let token = app.user_token("alice").await;
        let mut stream = open(&app, &token).await;
        stream.wait_for_comment("keep-alive", todo_tests::WAIT).await;
    }

    async fn logging_out_ends_the_session_s_streams(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("alice").await;
        let mut stream = open(&app, &token).await;
        assert_eq!(app.request(Method::POST, "/auth/logout", Some(&token), None).await.status, 204);
        assert_eq!(stream.next().await, None, "the stream ends");
        let refused = app.event_stream("", Some(&token), &[]).await.err().expect("the token is dead");
        assert_eq!(refused.status, 401);
    }

    async fn the_seventeenth_stream_of_a_user_is_refused_and_a_closed_one_frees_its_place(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("alice").await;
        let mut streams = Vec::new();
        for _ in 0..15 {
            streams.push(open(&app, &token).await);
        }
        // One whose client reads all it was sent, then closes its connection cleanly.
        let leaving = read_and_hold(&app, &token).await;
        let refused = app.event_stream("", Some(&token), &[]).await.err().expect("a 17th stream");
        assert_eq!((refused.status, refused.json()), (429, json!({ "detail": "Too many open event streams" })));
        assert!(refused.header("retry-after").is_some());
        // Another user is not affected.
        let bob = app.user_token("bob").await;
        drop(open(&app, &bob).await);
        // A closed stream gives its place back as soon as the service sees the connection end,
        // not at its next keep-alive (15 s away, beyond the wait below).
        drop(leaving);
        let deadline = tokio::time::Instant::now() + todo_tests::WAIT;
        loop {
            match app.event_stream("", Some(&token), &[]).await {
                Ok(_) => break,
                Err(refused) if refused.status == 429 && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(refused) => panic!("still refused: {} {}", refused.status, refused.text()),
            }
        }
    }

    async fn open_streams_and_delivered_events_are_metrics(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("alice").await;
        let mut stream = open(&app, &token).await;
        app.new_todo(&token, "counted").await;
        message(&mut stream).await;
        let metrics = app.get("/metrics", None).await.text();
        assert!(metrics.contains("event_streams_open{kind=\"sse\"} 1"), "{metrics}");
        assert!(metrics.contains("events_delivered_total{kind=\"sse\"} 1"), "{metrics}");
    }

    async fn a_client_that_stops_reading_is_dropped_without_holding_back_writers_or_other_streams(backend) {
        let app = spawn_app_with(backend, |settings| settings.events.send_timeout_seconds = 1).await;
        let token = app.user_token("alice").await;
        let writes = 800;
        // A client that reads all along, beside one that never does.
        let mut reading = open(&app, &token).await;
        let reader = actix_web::rt::spawn(async move {
            let mut ids = Vec::new();
            while ids.len() < writes + 1 {
                ids.push(message(&mut reading).await.id.unwrap().parse::<i64>().unwrap());
            }
            ids
        });
        let stalled = stalled_stream(&app, &token).await;
        // About 8 MB of events: more than the socket buffers and the stream's own buffer hold.
        let todo = app.new_todo(&token, "big").await;
        for n in 0..writes {
            let description = format!("{n:05}{}", "x".repeat(9_990));
            patch(&app, &token, &todo["id"], json!({ "description": description })).await;
        }
        let ids = reader.await.unwrap();
        assert_eq!(ids, (1..=i64::try_from(writes).unwrap() + 1).collect::<Vec<_>>(), "the reader got everything");
        let deadline = tokio::time::Instant::now() + todo_tests::WAIT;
        let dropped = "event_streams_dropped_total{kind=\"sse\",reason=\"slow_consumer\"} 1";
        while !app.get("/metrics", None).await.text().contains(dropped) {
            assert!(tokio::time::Instant::now() < deadline, "the stalled stream was never dropped");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        drop(stalled);
    }
}

/// A stream whose client has read its head and first frame, and nothing is left unread.
async fn read_and_hold(app: &TestApp, token: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request =
        format!("GET /todos/events HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    while !String::from_utf8_lossy(&received).contains("connected") {
        let mut chunk = [0; 4096];
        let read = tokio::time::timeout(todo_tests::WAIT, stream.read(&mut chunk)).await.unwrap().unwrap();
        assert!(read > 0, "the stream ended: {}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&chunk[..read]);
    }
    assert!(String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"));
    stream
}

/// A stream whose client never reads, with a small receive window.
async fn stalled_stream(app: &TestApp, token: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(address).await.unwrap();
    let request =
        format!("GET /todos/events HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}
