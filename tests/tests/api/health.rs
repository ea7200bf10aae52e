use actix_web::http::Method;
use serde_json::json;
use todo_tests::{Backend, on_each_backend, spawn_app, spawn_app_with};

on_each_backend! {
    async fn root_welcomes(backend) {
        let app = spawn_app(backend).await;
        let response = app.get("/", None).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.json(), json!({ "message": "Welcome to TODO API" }));
    }

    async fn health_is_healthy_and_readiness_is_ready_with_a_database(backend) {
        let app = spawn_app(backend).await;
        let live = app.get("/health", None).await;
        assert_eq!((live.status, live.json()), (200, json!({ "status": "healthy" })));
        let ready = app.get("/health/ready", None).await;
        assert_eq!((ready.status, ready.json()), (200, json!({ "status": "ready" })));
    }

    async fn head_is_answered_wherever_get_is(backend) {
        let app = spawn_app(backend).await;
        for path in ["/", "/health", "/health/ready"] {
            let response = app.request(Method::HEAD, path, None, None).await;
            assert_eq!(response.status, 200, "HEAD {path}");
            assert!(response.body.is_empty(), "HEAD {path} had a body");
        }
    }

    async fn every_response_carries_a_request_id_and_the_time_spent(backend) {
        let app = spawn_app(backend).await;
        for path in ["/health", "/todos/", "/no/such/path"] {
            let response = app.get(path, None).await;
            let id = response.header("x-request-id").unwrap_or_else(|| panic!("no request id on {path}"));
            assert_eq!(id.len(), 36, "{id} is not a UUID");
            let seconds: f64 = response.header("x-process-time").unwrap().parse().unwrap();
            assert!((0.0..10.0).contains(&seconds), "X-Process-Time {seconds}");
        }
    }

    async fn a_sane_request_id_is_echoed_and_an_insane_one_replaced(backend) {
        let app = spawn_app(backend).await;
        let echoed =
            app.request_with_headers(Method::GET, "/health", &[("X-Request-ID", "trace-42.a:b_c")]).await;
        assert_eq!(echoed.header("x-request-id"), Some("trace-42.a:b_c"));
        let too_long = "x".repeat(129);
        for insane in ["has spaces", "quote\"d", too_long.as_str()] {
            let replaced = app.request_with_headers(Method::GET, "/health", &[("X-Request-ID", insane)]).await;
            let id = replaced.header("x-request-id").unwrap();
            assert_ne!(id, insane);
            assert_eq!(id.len(), 36);
        }
    }

    async fn the_documentation_answers_at_docs_itself_and_to_head(backend) {
        let app = spawn_app(backend).await;
        for path in ["/docs", "/docs/"] {
            let page = app.get(path, None).await;
            assert_eq!(page.status, 200, "{path}");
            assert!(page.text().contains(r#"<base href="/docs/">"#), "{path}: {}", page.text());
            assert!(page.text().contains("<title>TODO API - Swagger UI</title>"), "{path}");
        }
        let script = app.get("/docs/swagger-initializer.js", None).await;
        assert_eq!(script.status, 200);
        assert!(script.text().contains("/openapi.json"), "{}", script.text());
        assert_eq!(app.get("/docs/no-such-file.js", None).await.status, 404);
        for path in ["/docs", "/openapi.json", "/redoc", "/metrics"] {
            let head = app.request(Method::HEAD, path, None, None).await;
            assert_eq!(head.status, 200, "HEAD {path}");
            assert!(head.body.is_empty(), "HEAD {path} has a body");
        }
        assert_eq!(app.get("/openapi.json", None).await.json()["info"]["title"], "TODO API");
    }

    async fn an_unknown_path_is_a_json_404(backend) {
        let app = spawn_app(backend).await;
        let response = app.get("/no/such/path", None).await;
        assert_eq!(response.status, 404);
        assert_eq!(response.json(), json!({ "detail": "Not Found" }));
    }

    async fn a_known_path_with_the_wrong_method_is_a_json_405_naming_the_allowed_ones(backend) {
        let app = spawn_app(backend).await;
        let cases = [
            (Method::DELETE, "/health"),
            (Method::POST, "/users/me"),
            (Method::GET, "/auth/token"),
            (Method::TRACE, "/metrics"),
            (Method::POST, "/openapi.json"),
            (Method::PUT, "/docs"),
            (Method::DELETE, "/docs/swagger-ui.css"),
            (Method::POST, "/redoc"),
        ];
        for (method, path) in cases {
            let response = app.request(method.clone(), path, None, None).await;
            assert_eq!(response.status, 405, "{method} {path}");
            assert_eq!(response.json(), json!({ "detail": "Method Not Allowed" }));
            assert!(response.header("allow").is_some(), "{method} {path} has no Allow header");
        }
    }

    async fn cors_allows_any_origin_with_credentials_in_development(backend) {
        let app = spawn_app(backend).await;
        let preflight = app
            .request_with_headers(
                Method::OPTIONS,
                "/todos/",
                &[
                    ("Origin", "https://frontend.example"),
                    ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "authorization, content-type"),
                ],
            )
            .await;
        assert_eq!(preflight.status, 200);
        assert_eq!(preflight.header("access-control-allow-origin"), Some("https://frontend.example"));
        assert_eq!(preflight.header("access-control-allow-credentials"), Some("true"));
        let simple =
            app.request_with_headers(Method::GET, "/health", &[("Origin", "https://other.example")]).await;
        assert_eq!(simple.header("access-control-allow-origin"), Some("https://other.example"));
    }
}

#[actix_web::test]
async fn cors_allows_only_the_listed_origins_in_production() {
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        settings.environment = todo_bootstrap::settings::Environment::Production;
        settings.cors.allowed_origins = Some(vec!["https://app.example".into()]);
    })
    .await;
    let preflight = |origin: &'static str| {
        let app = &app;
        async move {
            let headers = [("Origin", origin), ("Access-Control-Request-Method", "POST")];
            app.request_with_headers(Method::OPTIONS, "/todos/", &headers).await
        }
    };
    let listed = preflight("https://app.example").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.header("access-control-allow-origin"), Some("https://app.example"));
    let other = preflight("https://evil.example").await;
    assert_ne!(other.header("access-control-allow-origin"), Some("https://evil.example"));
    assert!(other.header("access-control-allow-origin").is_none(), "{:?}", other.headers);
    assert_eq!(other.status, 400);
    assert_eq!(other.json(), serde_json::json!({ "detail": "Origin is not allowed to make this request" }));
}
