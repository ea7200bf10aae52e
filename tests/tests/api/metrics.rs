use todo_tests::{on_each_backend, spawn_app};

on_each_backend! {
    async fn metrics_count_requests_by_route_template_method_and_status(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "measured").await;
        app.get(&format!("/todos/{}", todo["id"]), Some(&token)).await;
        app.get("/todos/999999", Some(&token)).await;
        app.get("/no/such/path", None).await;

        let response = app.get("/metrics", None).await;
        assert_eq!(response.status, 200);
        assert!(response.header("content-type").unwrap().starts_with("application/openmetrics-text"));
        let text = response.text();
        for expected in [
            r#"http_requests_total{method="GET",route="/todos/{todo_id}",status="200"} 1"#,
            r#"http_requests_total{method="GET",route="/todos/{todo_id}",status="404"} 1"#,
            r#"http_requests_total{method="POST",route="/auth/token",status="200"} 1"#,
            r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            r#"http_request_duration_seconds_bucket{le="0.005",method="GET",route="/todos/{todo_id}"}"#,
            "http_requests_in_flight 1",
            "db_pool_connections ",
            "db_pool_idle_connections ",
            r#"build_info{version=""#,
        ] {
            assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
        }
        // PostgreSQL: 10, in the two HTTP worker threads' pools of 3 and the shared pool of 4.
        // SQLite: 5 writers, 5 readers, and 5 more in-process.
        let connections = if backend == todo_tests::Backend::Postgres { 10 } else { 15 };
        assert!(text.contains(&format!("db_pool_max_connections {connections}\n")), "{text}");
        assert!(!text.contains("/todos/999999") && !text.contains("/no/such/path"), "raw paths must not become labels");
    }
}
