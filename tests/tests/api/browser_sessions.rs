//! Browser sessions over HTTP: the refresh token only in an `HttpOnly` cookie scoped to
//! `/auth/session`, rotated on refresh, removed on log-out; foreign origins refused.

use actix_web::http::Method;
use serde_json::json;
use todo_tests::{PASSWORD, TestApp, TestResponse, on_each_backend, spawn_app, spawn_app_with};

const FORM: &[(&str, &str)] = &[("Content-Type", "application/x-www-form-urlencoded")];

async fn open(app: &TestApp, origin: Option<&str>) -> TestResponse {
    let mut headers = FORM.to_vec();
    headers.extend(origin.map(|origin| ("Origin", origin)));
    let body = format!("username=ada&password={}", PASSWORD.replace(' ', "+"));
    app.send_raw_with_headers(Method::POST, "/auth/session", &headers, body.into_bytes()).await
}

/// The `todo_refresh` cookie a response sets: its value and its attributes.
fn set_cookie(response: &TestResponse) -> (String, String) {
    let header = response
        .headers
        .get_all("set-cookie")
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("todo_refresh="))
        .unwrap_or_else(|| panic!("no todo_refresh cookie: {:?}", response.headers));
    let (pair, attributes) = header.split_once(';').unwrap_or((header, ""));
    (pair.trim_start_matches("todo_refresh=").to_owned(), attributes.to_owned())
}

async fn with_cookie(app: &TestApp, method: Method, path: &str, value: &str) -> TestResponse {
    let cookie = format!("todo_refresh={value}");
    app.request_with_headers(method, path, &[("Cookie", &cookie)]).await
}

on_each_backend! {
    async fn the_refresh_token_lives_only_in_an_http_only_cookie(backend) {
        let app = spawn_app(backend).await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        let response = open(&app, None).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let body = response.json();
        assert!(body.get("refresh_token").is_none(), "{body}");
        assert_eq!((body["token_type"].clone(), body["scope"].clone()), (json!("bearer"), json!("todos:read todos:write")));
        let (value, attributes) = set_cookie(&response);
        assert!(value.len() >= 22, "{value}");
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/auth/session", "Max-Age="] {
            assert!(attributes.contains(attribute), "{attribute} missing: {attributes}");
        }
        assert!(!attributes.contains("Secure"), "not in development: {attributes}");
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert_eq!(app.get("/users/me", body["access_token"].as_str()).await.status, 200);
    }

    async fn the_cookie_is_rotated_on_refresh_and_a_spent_one_is_refused(backend) {
        let app = spawn_app(backend).await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        let (first, _) = set_cookie(&open(&app, None).await);
        let refreshed = with_cookie(&app, Method::POST, "/auth/session/refresh", &first).await;
        assert_eq!(refreshed.status, 200, "{}", refreshed.text());
        let (second, _) = set_cookie(&refreshed);
        assert_ne!(first, second);
        assert!(refreshed.json().get("refresh_token").is_none());
        assert_eq!(app.get("/users/me", refreshed.json()["access_token"].as_str()).await.status, 200);
        let spent = with_cookie(&app, Method::POST, "/auth/session/refresh", &first).await;
        assert_eq!((spent.status, spent.json()), (401, json!({ "detail": "Invalid refresh token" })));
        // Left alone: this may be the losing tab of two, whose sibling holds the new cookie.
        assert!(spent.headers.get("set-cookie").is_none());
        let none = app.request(Method::POST, "/auth/session/refresh", None, None).await;
        assert_eq!(none.status, 401);
        assert_eq!(with_cookie(&app, Method::POST, "/auth/session/refresh", &second).await.status, 200);
    }

    async fn logging_out_ends_the_session_and_removes_the_cookie(backend) {
        let app = spawn_app(backend).await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        let opened = open(&app, None).await;
        let (cookie, _) = set_cookie(&opened);
        let token = opened.json()["access_token"].as_str().unwrap().to_owned();
        let mut socket = app.websocket(&format!("?access_token={token}"), None).await.unwrap();
        let closed = with_cookie(&app, Method::DELETE, "/auth/session", &cookie).await;
        assert_eq!(closed.status, 204, "{}", closed.text());
        // Its live streams close at once (long before the 30 s ping would notice).
        assert_eq!(socket.next().await, Err(todo_tests::Closed::Code(4001)));
        let (cleared, attributes) = set_cookie(&closed);
        assert!(cleared.is_empty() && attributes.contains("Max-Age=0"), "{attributes}");
        assert_eq!(app.get("/users/me", Some(&token)).await.status, 401, "the session ended at once");
        assert_eq!(with_cookie(&app, Method::POST, "/auth/session/refresh", &cookie).await.status, 401);
        assert_eq!(with_cookie(&app, Method::DELETE, "/auth/session", &cookie).await.status, 204, "again");
        assert_eq!(app.request(Method::DELETE, "/auth/session", None, None).await.status, 204);
    }

    async fn origins_the_cors_configuration_does_not_allow_are_refused(backend) {
        let app = spawn_app_with(backend, |settings| {
            settings.cors.allowed_origins = Some(vec!["https://app.example".to_owned()]);
        })
        .await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        let refused = open(&app, Some("https://evil.example")).await;
        assert_eq!((refused.status, refused.json()), (403, json!({ "detail": "Origin not allowed" })));
        assert!(refused.headers.get("set-cookie").is_none());
        for path in ["/auth/session/refresh", "/auth/session"] {
            let method = if path == "/auth/session" { Method::DELETE } else { Method::POST };
            let refused = app.request_with_headers(method, path, &[("Origin", "https://evil.example"), ("Cookie", "todo_refresh=x")]).await;
            assert_eq!(refused.status, 403, "{path}");
        }
        assert_eq!(open(&app, Some("https://app.example")).await.status, 200);
        assert_eq!(open(&app, Some(&app.address)).await.status, 200, "the service's own origin");
        assert_eq!(open(&app, None).await.status, 200, "no Origin: not a browser's cross-site request");
    }
}

#[actix_web::test]
async fn in_production_the_cookie_is_secure() {
    let app = spawn_app_with(todo_tests::Backend::Sqlite, |settings| {
        settings.environment = todo_bootstrap::settings::Environment::Production;
    })
    .await;
    app.register("ada", "ada@example.com", PASSWORD).await;
    let response = open(&app, None).await;
    assert_eq!(response.status, 200, "{}", response.text());
    let (_, attributes) = set_cookie(&response);
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/auth/session"] {
        assert!(attributes.contains(attribute), "{attribute} missing: {attributes}");
    }
}
