//! The OpenAPI document: committed, valid OpenAPI 3.1, complete, and true.

use actix_web::http::Method;
use serde_json::{Value, json};
use todo_bootstrap::settings::QuotaSettings;
use todo_tests::{ApiDocument, Backend, PASSWORD, on_each_backend, spawn_app, spawn_app_with};

#[actix_web::test]
async fn the_served_document_is_the_committed_openapi_json() {
    let app = spawn_app(Backend::Sqlite).await;
    let served = app.get("/openapi.json", None).await;
    assert_eq!(served.status, 200);
    assert!(
        served.json() == ApiDocument::committed().0,
        "the API changed: regenerate the committed document with `cargo run -- openapi > openapi.json` and review the diff"
    );
}

#[actix_web::test]
async fn the_document_is_valid_openapi_3_1_and_lists_every_operation_of_the_api() {
    let document = ApiDocument::committed().0;
    let meta_schema: Value =
        serde_json::from_str(include_str!("../../openapi/oas-3.1-schema.json")).expect("BUG: the OAS schema");
    let validator = jsonschema::draft202012::new(&meta_schema).expect("BUG: the OAS schema does not compile");
    let errors: Vec<String> =
        validator.iter_errors(&document).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "not valid OpenAPI 3.1: {errors:?}");
    assert_eq!(document["openapi"], "3.1.0");

    let mut operations: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().keys().map(move |method| format!("{method} {path}"))
        })
        .collect();
    operations.sort();
    let expected = [
        "delete /admin/users/{user_id}",
        "delete /auth/session",
        "delete /todos/{todo_id}",
        "delete /todos/{todo_id}/attachments/{attachment_id}",
        "delete /users/me/api-keys/{key_id}",
        "delete /users/me/sessions",
        "delete /users/me/sessions/{session_id}",
        "get /",
        "get /admin/jobs",
        "get /admin/users",
        "get /health",
        "get /health/ready",
        "get /metrics",
        "get /todos/",
        "get /todos/events",
        "get /todos/export",
        "get /todos/ws",
        "get /todos/{todo_id}",
        "get /todos/{todo_id}/attachments",
        "get /todos/{todo_id}/attachments/{attachment_id}/content",
        "get /users/me",
        "get /users/me/api-keys",
        "get /users/me/sessions",
        "patch /admin/users/{user_id}",
        "patch /todos/{todo_id}",
        "post /admin/jobs/{job_id}/retry",
        "post /auth/logout",
        "post /auth/password-reset",
        "post /auth/password-reset/confirm",
        "post /auth/register",
        "post /auth/session",
        "post /auth/session/refresh",
        "post /auth/token",
        "post /todos/",
        "post /todos/import",
        "post /todos/{todo_id}/attachments",
        "post /users/me/api-keys",
        "put /todos/{todo_id}",
        "put /users/me/password",
    ];
    assert_eq!(operations, expected);
    for operation in expected {
        let (method, path) = operation.split_once(' ').unwrap();
        let described = &document["paths"][path][method];
        assert!(
            described["summary"].is_string() && described["tags"].is_array(),
            "{operation} is not described"
        );
        // Each protected operation names the scope it needs (none beyond a session for the account's own).
        // Operations an API key may use also list `APIKeyHeader`.
        let bearer = |scopes: Value| json!({ "OAuth2PasswordBearer": scopes });
        let expected = match (method, path) {
            ("get", todos) if todos.starts_with("/todos") => {
                Some(json!([bearer(json!(["todos:read"])), { "APIKeyHeader": [] }]))
            }
            (_, todos) if todos.starts_with("/todos") => {
                Some(json!([bearer(json!(["todos:write"])), { "APIKeyHeader": [] }]))
            }
            ("get", "/users/me") => Some(json!([bearer(json!([])), { "APIKeyHeader": [] }])),
            (_, account) if account.starts_with("/users/me") || account == "/auth/logout" => {
                Some(json!([bearer(json!([]))]))
            }
            (_, admin) if admin.starts_with("/admin") => Some(json!([bearer(json!(["admin"]))])),
            _ => None,
        };
        assert_eq!(described.get("security").cloned(), expected, "{operation} security");
    }
    let flow = &document["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"];
    assert_eq!(flow["tokenUrl"], "/auth/token");
    assert_eq!(flow["refreshUrl"], "/auth/token");
    let scopes: Vec<_> = flow["scopes"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(scopes, ["admin", "todos:read", "todos:write"]);
}

on_each_backend! {
    async fn every_operation_answers_as_the_document_says(backend) {
        let document = ApiDocument::committed();
        let app = spawn_app_with(backend, |settings| {
            settings.rate_limit.registrations_per_client = QuotaSettings { max: 4, window_seconds: 60 };
            settings.rate_limit.failed_logins_per_username = QuotaSettings { max: 2, window_seconds: 600 };
        })
        .await;
        let check = |method: &str, path: &str, response: todo_tests::TestResponse| document.check(method, path, &response);

        for path in ["/", "/health", "/health/ready", "/metrics"] {
            check("GET", path, app.get(path, None).await);
        }

        check("POST", "/auth/register", app.register("ada", "ada@example.com", PASSWORD).await);
        check("POST", "/auth/register", app.register("ada", "ada@example.com", PASSWORD).await);
        check("POST", "/auth/register", app.register("x", "bad", "short").await);
        let huge = json!({ "username": "a".repeat(2 * 1024 * 1024) });
        check("POST", "/auth/register", app.request(Method::POST, "/auth/register", None, Some(huge)).await);
        check("POST", "/auth/register", app.register("bob", "bob@example.com", PASSWORD).await);
        check("POST", "/auth/register", app.register("cyd", "cyd@example.com", PASSWORD).await);
        check("POST", "/auth/register", app.register("dan", "dan@example.com", PASSWORD).await);

        let login = app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await;
        let token = login.json()["access_token"].as_str().unwrap().to_owned();
        check("POST", "/auth/token", login);
        check("POST", "/auth/token", app.log_in(&[("username", "bob"), ("password", "wrong")]).await);
        check("POST", "/auth/token", app.log_in(&[("username", "bob")]).await);
        check("POST", "/auth/token", app.log_in(&[("username", "bob"), ("password", "wrong")]).await);
        check("POST", "/auth/token", app.log_in(&[("username", "bob"), ("password", PASSWORD)]).await);

        check("GET", "/users/me", app.get("/users/me", Some(&token)).await);
        check("GET", "/users/me", app.get("/users/me", None).await);
        check("GET", "/users/me", app.get("/users/me", Some("forged")).await);

        let created = app.create_todo(&token, json!({ "title": "documented", "description": "true" })).await;
        let id = created.json()["id"].clone();
        check("POST", "/todos/", created);
        check("POST", "/todos/", app.create_todo(&token, json!({ "title": "" })).await);
        check("POST", "/todos/", app.create_todo("forged", json!({ "title": "x" })).await);
        let too_big = json!({ "title": "x", "description": "d".repeat(2 * 1024 * 1024) });
        check("POST", "/todos/", app.create_todo(&token, too_big).await);

        check("GET", "/todos/", app.get("/todos/", Some(&token)).await);
        check("GET", "/todos/", app.get("/todos/?limit=0", Some(&token)).await);
        let one = format!("/todos/{id}");
        for (method, body) in [
            (Method::GET, None),
            (Method::PATCH, Some(json!({ "completed": true, "description": null }))),
            (Method::PUT, Some(json!({ "title": "replaced", "completed": false }))),
        ] {
            check(method.as_str(), "/todos/{todo_id}", app.request(method.clone(), &one, Some(&token), body.clone()).await);
            check(method.as_str(), "/todos/{todo_id}", app.request(method.clone(), "/todos/0", Some(&token), body.clone()).await);
            check(method.as_str(), "/todos/{todo_id}", app.request(method.clone(), "/todos/424242", Some(&token), body).await);
        }
        check("PATCH", "/todos/{todo_id}", app.request(Method::PATCH, &one, Some(&token), Some(json!({ "title": null }))).await);
        check("DELETE", "/todos/{todo_id}", app.request(Method::DELETE, &one, Some(&token), None).await);
        check("DELETE", "/todos/{todo_id}", app.request(Method::DELETE, &one, Some(&token), None).await);

        // Deactivated behind the service's back, so that the session stays open (an
        // administrator's deactivation also ends it): a token not used yet, hence not cached,
        // meets the inactive user.
        let unused = app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await.json()["access_token"].clone();
        app.execute_sql("UPDATE users SET is_active = false WHERE username = 'ada'").await;
        check("GET", "/todos/", app.get("/todos/", unused.as_str()).await);
        check("POST", "/auth/token", app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await);
    }
}
