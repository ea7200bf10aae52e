//! `Idempotency-Key` on `POST /todos/` and `POST /todos/import`.

use actix_web::http::Method;
use futures_util::future::join_all;
use serde_json::{Value, json};
use todo_tests::{TestApp, TestResponse, on_each_backend, spawn_app};

async fn create(app: &TestApp, token: &str, key: &str, body: Value) -> TestResponse {
    let bearer = format!("Bearer {token}");
    let headers =
        [("Authorization", bearer.as_str()), ("Content-Type", "application/json"), ("Idempotency-Key", key)];
    app.send_raw_with_headers(Method::POST, "/todos/", &headers, body.to_string().into_bytes()).await
}

async fn import(app: &TestApp, token: &str, key: &str, body: &str) -> TestResponse {
    let bearer = format!("Bearer {token}");
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/x-ndjson"),
        ("Idempotency-Key", key),
    ];
    app.send_raw_with_headers(Method::POST, "/todos/import", &headers, body.as_bytes().to_vec()).await
}

async fn count(app: &TestApp, token: &str) -> usize {
    app.get("/todos/", Some(token)).await.json().as_array().unwrap().len()
}

on_each_backend! {
    async fn a_repeated_creation_replays_the_first_answer_and_creates_nothing(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let first = create(&app, &token, "order-42", json!({ "title": "Buy milk" })).await;
        assert_eq!(first.status, 201, "{}", first.text());
        assert_eq!(first.header("idempotent-replayed"), None);
        // Changed meanwhile: the replay is still the first answer, not the todo as it is now.
        let path = format!("/todos/{}", first.json()["id"]);
        app.request(Method::PATCH, &path, Some(&token), Some(json!({ "completed": true }))).await;
        // The same request, its JSON laid out otherwise.
        let again = create(&app, &token, "order-42", json!({ "description": null, "title": "Buy milk" })).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.header("content-type"), Some("application/json"));
        assert_eq!(again.json(), first.json());
        assert_eq!(count(&app, &token).await, 1);

        let other = create(&app, &token, "order-42", json!({ "title": "Buy oat milk" })).await;
        assert_eq!(other.status, 422);
        assert_eq!(other.json(), json!({ "detail": "Idempotency-Key reused with a different request" }));
        let bob = app.user_token("bob").await;
        assert_eq!(create(&app, &bob, "order-42", json!({ "title": "Buy oat milk" })).await.status, 201, "keys are per user");
        assert_eq!(count(&app, &token).await, 1);
    }

    async fn a_repeated_import_replays_and_a_key_names_one_kind_of_request(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let body = format!("{}\n{}\n", json!({ "title": "a" }), json!({ "title": "b", "completed": true }));
        let first = import(&app, &token, "import-1", &body).await;
        assert_eq!((first.status, first.json()), (201, json!({ "created": 2 })));
        let again = import(&app, &token, "import-1", &body).await;
        assert_eq!((again.status, again.json()), (201, json!({ "created": 2 })));
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(count(&app, &token).await, 2);
        let changed = import(&app, &token, "import-1", &body.replace("\"b\"", "\"c\"")).await;
        assert_eq!(changed.status, 422);
        let as_creation = create(&app, &token, "import-1", json!({ "title": "a" })).await;
        assert_eq!(as_creation.status, 422, "a creation is another request than an import");
        let invalid = import(&app, &token, "import-2", "{\"title\": \"\"}\n").await;
        assert_eq!(invalid.status, 422);
        let fixed = import(&app, &token, "import-2", "{\"title\": \"x\"}\n").await;
        assert_eq!(fixed.status, 201, "a refused request did not use its key: {}", fixed.text());
    }

    async fn a_key_still_in_flight_is_409_until_its_lease_ends(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        assert_eq!(create(&app, &token, "k", json!({ "title": "a" })).await.status, 201);
        // As if the first request were still being worked on: claimed, no answer yet.
        app.execute_sql("UPDATE idempotency_keys SET status = NULL, body = NULL").await;
        let busy = create(&app, &token, "k", json!({ "title": "a" })).await;
        assert_eq!(busy.status, 409);
        assert_eq!(busy.json(), json!({ "detail": "A request with this Idempotency-Key is still in progress" }));
        // Its process died: the lease ended without an answer, and a retry takes the key over.
        app.execute_sql("UPDATE idempotency_keys SET locked_until = created_at").await;
        let retried = create(&app, &token, "k", json!({ "title": "a" })).await;
        assert_eq!(retried.status, 201);
        assert_eq!(retried.header("idempotent-replayed"), None);
    }

    async fn of_concurrent_requests_with_one_key_one_creates(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let (app_ref, token_ref) = (&app, &token);
        let requests = (0..8).map(|_| async move { create(app_ref, token_ref, "same", json!({ "title": "once" })).await });
        let responses = join_all(requests).await;
        let fresh = responses.iter().filter(|r| r.status == 201 && r.header("idempotent-replayed").is_none()).count();
        assert_eq!(fresh, 1, "{:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
        assert!(responses.iter().all(|r| r.status == 201 || r.status == 409));
        assert_eq!(count(&app, &token).await, 1);
    }

    async fn a_malformed_key_is_422_at_its_header(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        for key in ["k".repeat(256), String::new()] {
            let response = create(&app, &token, &key, json!({ "title": "a" })).await;
            assert_eq!(response.status, 422, "{key:?}");
            assert_eq!(response.json()["detail"][0]["loc"], json!(["header", "idempotency-key"]));
        }
        let response = create(&app, &token, &"k".repeat(255), json!({ "title": "" })).await;
        assert_eq!(response.status, 422);
        assert_eq!(response.json()["detail"][0]["loc"], json!(["body", "title"]));
        assert_eq!(count(&app, &token).await, 0);
    }
}
