//! Conditional requests: `ETag` on todos, `If-None-Match` on reads, `If-Match` on changes.

use actix_web::http::Method;
use futures_util::future::join_all;
use serde_json::{Value, json};
use todo_tests::{TestApp, TestResponse, on_each_backend, spawn_app};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> TestResponse {
    let bearer = format!("Bearer {token}");
    let mut all = vec![("Authorization", bearer.as_str())];
    all.extend_from_slice(headers);
    let body = body.map(|body| {
        all.push(("Content-Type", "application/json"));
        body.to_string().into_bytes()
    });
    app.send_raw_with_headers(method, path, &all, body.unwrap_or_default()).await
}

fn tag(response: &TestResponse) -> String {
    response
        .header("etag")
        .unwrap_or_else(|| panic!("no ETag: {} {}", response.status, response.text()))
        .to_owned()
}

on_each_backend! {
    async fn a_read_is_tagged_and_a_client_holding_the_tag_gets_304(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let created = app.create_todo(&token, json!({ "title": "a" })).await;
        let path = format!("/todos/{}", created.json()["id"]);
        let read = send(&app, Method::GET, &path, &token, &[], None).await;
        assert_eq!(read.status, 200);
        assert_eq!(tag(&read), tag(&created), "the creation's tag is the read's");
        let held = tag(&read);

        for header in [held.as_str(), "W/\"1\"", "\"x\", \"1\"", "*"] {
            let unchanged = send(&app, Method::GET, &path, &token, &[("If-None-Match", header)], None).await;
            assert_eq!(unchanged.status, 304, "If-None-Match: {header}");
            assert!(unchanged.body.is_empty());
            assert_eq!(tag(&unchanged), held);
        }

        let patched = send(&app, Method::PATCH, &path, &token, &[], Some(json!({ "completed": true }))).await;
        assert_eq!(patched.status, 200);
        assert_ne!(tag(&patched), held, "a change changes the tag");
        let fresh = send(&app, Method::GET, &path, &token, &[("If-None-Match", &held)], None).await;
        assert_eq!(fresh.status, 200);
        assert_eq!(fresh.json()["completed"], true);
        assert_eq!(tag(&fresh), tag(&patched));
    }

    async fn a_stale_if_match_is_refused_with_412_and_changes_nothing(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let created = app.create_todo(&token, json!({ "title": "a" })).await;
        let path = format!("/todos/{}", created.json()["id"]);
        let first = tag(&created);
        let patched = send(&app, Method::PATCH, &path, &token, &[("If-Match", &first)], Some(json!({ "title": "b" }))).await;
        assert_eq!(patched.status, 200, "{}", patched.text());
        let second = tag(&patched);

        let replace = json!({ "title": "c", "completed": true });
        for stale in [first.as_str(), "W/\"2\"", "\"nonsense\"", "2"] {
            let refused = send(&app, Method::PATCH, &path, &token, &[("If-Match", stale)], Some(json!({ "title": "c" }))).await;
            assert_eq!(refused.status, 412, "If-Match: {stale}");
            assert_eq!(refused.json(), json!({ "detail": "Precondition Failed" }));
            let refused = send(&app, Method::PUT, &path, &token, &[("If-Match", stale)], Some(replace.clone())).await;
            assert_eq!(refused.status, 412, "PUT If-Match: {stale}");
            let refused = send(&app, Method::DELETE, &path, &token, &[("If-Match", stale)], None).await;
            assert_eq!(refused.status, 412, "DELETE If-Match: {stale}");
        }
        let now = send(&app, Method::GET, &path, &token, &[], None).await;
        assert_eq!((now.json()["title"].clone(), tag(&now)), (json!("b"), second.clone()));

        let replaced = send(&app, Method::PUT, &path, &token, &[("If-Match", &format!("\"0\", {second}"))], Some(replace)).await;
        assert_eq!(replaced.status, 200, "{}", replaced.text());
        let any = send(&app, Method::PATCH, &path, &token, &[("If-Match", "*")], Some(json!({ "title": "d" }))).await;
        assert_eq!(any.status, 200);
        let deleted = send(&app, Method::DELETE, &path, &token, &[("If-Match", &tag(&any))], None).await;
        assert_eq!(deleted.status, 204);
        let gone = send(&app, Method::DELETE, &path, &token, &[("If-Match", &tag(&any))], None).await;
        assert_eq!(gone.status, 404);
    }

    async fn someone_elses_todo_is_404_whatever_the_precondition(backend) {
        let app = spawn_app(backend).await;
        let (ada, bob) = (app.user_token("ada").await, app.user_token("bob").await);
        let created = app.create_todo(&ada, json!({ "title": "a" })).await;
        let path = format!("/todos/{}", created.json()["id"]);
        for (method, body) in [(Method::GET, None), (Method::PATCH, Some(json!({}))), (Method::DELETE, None)] {
            let header = if method == Method::GET { "If-None-Match" } else { "If-Match" };
            let response = send(&app, method.clone(), &path, &bob, &[(header, &tag(&created))], body).await;
            assert_eq!(response.status, 404, "{method}");
        }
    }

    async fn of_concurrent_changes_from_one_tag_exactly_one_wins(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let created = app.create_todo(&token, json!({ "title": "a" })).await;
        let path = format!("/todos/{}", created.json()["id"]);
        let first = tag(&created);
        let (app, path, token, first) = (&app, &path, &token, &first);
        let changes = (0..8).map(|i| async move {
            let title = json!({ "title": format!("t{i}") });
            send(app, Method::PATCH, path, token, &[("If-Match", first)], Some(title)).await
        });
        let statuses: Vec<u16> = join_all(changes).await.iter().map(|response| response.status).collect();
        assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|status| **status == 412).count(), 7, "{statuses:?}");
    }

    async fn concurrent_changes_without_precondition_are_all_kept(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let created = app.create_todo(&token, json!({ "title": "a" })).await;
        let path = format!("/todos/{}", created.json()["id"]);
        let (app, path, token) = (&app, &path, &token);
        let changes = (0..8).map(|i| async move {
            send(app, Method::PATCH, path, token, &[], Some(json!({ "title": format!("t{i}") }))).await
        });
        let responses = join_all(changes).await;
        let mut tags: Vec<String> = responses.iter().map(|response| {
            assert_eq!(response.status, 200, "{}", response.text());
            tag(response)
        }).collect();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), 8, "each change made its own revision: {tags:?}");
        let now = send(app, Method::GET, path, token, &[], None).await;
        assert_eq!(tag(&now), "\"9\"", "eight changes after the creation");
    }
}
