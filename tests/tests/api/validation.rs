//! 422 in FastAPI's format for every kind of bad input, never a 400 or a 500.

use actix_web::http::Method;
use serde_json::{Value, json};
use todo_tests::{PASSWORD, TestResponse, on_each_backend, spawn_app};

fn detail(response: &TestResponse) -> Vec<Value> {
    assert_eq!(response.status, 422, "{}", response.text());
    response.json()["detail"].as_array().expect("detail is a list").clone()
}

fn summary(errors: &[Value]) -> Vec<(Value, String)> {
    errors.iter().map(|e| (e["loc"].clone(), e["type"].as_str().unwrap().to_owned())).collect()
}

on_each_backend! {
    async fn nul_is_refused_in_every_text_field_on_every_database(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let id = app.new_todo(&token, "kept").await["id"].clone();
        let path = format!("/todos/{id}");
        let cases = [
            (Method::POST, "/todos/", json!({ "title": "a\u{0}b" }), "title"),
            (Method::POST, "/todos/", json!({ "title": "ok", "description": "\u{0}" }), "description"),
            (Method::PATCH, path.as_str(), json!({ "title": "\u{0}" }), "title"),
            (Method::PATCH, path.as_str(), json!({ "description": "x\u{0}" }), "description"),
            (Method::PUT, path.as_str(), json!({ "title": "a\u{0}", "completed": true }), "title"),
            (Method::PUT, path.as_str(), json!({ "title": "ok", "description": "\u{0}", "completed": true }), "description"),
        ];
        for (method, path, body, field) in cases {
            let response = app.request(method.clone(), path, Some(&token), Some(body.clone())).await;
            let errors = detail(&response);
            assert_eq!(summary(&errors), [(json!(["body", field]), "value_error".to_owned())], "{method} {body}");
            assert_eq!(errors[0]["input"], body[field]);
        }
        let errors = detail(&app.register("bob", "bob@example.com", "correct\u{0}horse").await);
        assert_eq!(summary(&errors), [(json!(["body", "password"]), "value_error".to_owned())]);
        assert!(errors[0].get("input").is_none(), "a password is never echoed");
        // Nothing was stored or changed.
        let todos = app.get("/todos/", Some(&token)).await.json();
        assert_eq!(todos.as_array().unwrap().len(), 1);
        assert_eq!(todos[0]["title"], "kept");
        assert_eq!(todos[0]["description"], Value::Null);
    }

    async fn a_body_of_another_media_type_is_refused_without_being_echoed(backend) {
        let app = spawn_app(backend).await;
        let form = b"username=ada&email=ada%40example.com&password=correct+horse+battery".to_vec();
        let response =
            app.send_raw(Method::POST, "/auth/register", Some("application/x-www-form-urlencoded"), form).await;
        let errors = detail(&response);
        assert_eq!(summary(&errors), [(json!(["body"]), "model_attributes_type".to_owned())]);
        assert!(errors[0].get("input").is_none(), "{}", response.text());
        assert!(!response.text().contains("horse"), "{}", response.text());
    }

    async fn register_reports_every_missing_field_at_once(backend) {
        let app = spawn_app(backend).await;
        let errors = detail(&app.request(Method::POST, "/auth/register", None, Some(json!({}))).await);
        let expected = ["username", "email", "password"].map(|f| (json!(["body", f]), "missing".to_owned()));
        assert_eq!(summary(&errors), expected);
        assert_eq!(errors[0]["msg"], "Field required");
        assert_eq!(errors[0]["input"], json!({}));
    }

    async fn register_reports_every_invalid_field_with_pydantic_types_and_messages(backend) {
        let app = spawn_app(backend).await;
        let response = app.register("a b", "not-an-email", "tiny pw").await;
        let errors = detail(&response);
        assert_eq!(
            summary(&errors),
            [
                (json!(["body", "username"]), "string_pattern_mismatch".to_owned()),
                (json!(["body", "email"]), "value_error".to_owned()),
                (json!(["body", "password"]), "string_too_short".to_owned()),
            ]
        );
        assert_eq!(errors[0]["input"], "a b");
        assert!(errors[1]["msg"].as_str().unwrap().starts_with("value is not a valid email address: "));
        assert_eq!(errors[2]["msg"], "String should have at least 8 characters");
        assert_eq!(errors[2]["ctx"], json!({ "min_length": 8 }));
        assert!(errors[2].get("input").is_none(), "a password is never echoed");
        assert!(!response.text().contains("tiny pw"));
    }

    async fn register_checks_lengths_at_their_boundaries(backend) {
        let app = spawn_app(backend).await;
        let long_name = "n".repeat(51);
        let long_password = "p".repeat(129);
        let cases = [
            ("ab", "ok@example.com", PASSWORD, "username", "string_too_short"),
            (long_name.as_str(), "ok@example.com", PASSWORD, "username", "string_too_long"),
            ("ada", "ok@example.com", "1234567", "password", "string_too_short"),
            ("ada", "ok@example.com", long_password.as_str(), "password", "string_too_long"),
            ("ada", "user@localhost", PASSWORD, "email", "value_error"),
        ];
        for (username, email, password, field, kind) in cases {
            let errors = detail(&app.register(username, email, password).await);
            assert_eq!(summary(&errors), [(json!(["body", field]), kind.to_owned())], "{field}");
        }
        assert_eq!(app.register("abc", "a@example.com", "12345678").await.status, 201);
        assert_eq!(app.register(&"n".repeat(50), "b@example.com", &"p".repeat(128)).await.status, 201);
    }

    async fn wrongly_typed_fields_are_all_reported(backend) {
        let app = spawn_app(backend).await;
        let body = json!({ "username": 42, "email": ["a"], "password": true });
        let errors = detail(&app.request(Method::POST, "/auth/register", None, Some(body)).await);
        let expected = ["username", "email", "password"].map(|f| (json!(["body", f]), "string_type".to_owned()));
        assert_eq!(summary(&errors), expected);
        assert_eq!(errors[0]["input"], 42);
    }

    async fn malformed_json_is_json_invalid_at_its_byte_offset(backend) {
        let app = spawn_app(backend).await;
        let response = app
            .send_raw(Method::POST, "/auth/register", Some("application/json"), b"{\"username\": }".to_vec())
            .await;
        let errors = detail(&response);
        assert_eq!(errors[0]["type"], "json_invalid");
        assert_eq!(errors[0]["loc"], json!(["body", 13]));
        assert_eq!(errors[0]["msg"], "JSON decode error");
    }

    async fn a_body_of_the_wrong_shape_or_media_type_or_none_at_all_is_422(backend) {
        let app = spawn_app(backend).await;
        let cases: [(Option<&str>, &[u8], &str); 5] = [
            (Some("application/json"), b"[1, 2]", "model_attributes_type"),
            (Some("application/json"), b"\"text\"", "model_attributes_type"),
            (Some("text/plain"), b"username=ada", "model_attributes_type"),
            (Some("application/json"), b"", "missing"),
            (None, b"", "missing"),
        ];
        for (content_type, body, kind) in cases {
            let errors = detail(&app.send_raw(Method::POST, "/auth/register", content_type, body.to_vec()).await);
            assert_eq!(summary(&errors), [(json!(["body"]), kind.to_owned())], "{content_type:?} {body:?}");
        }
    }

    async fn json_without_a_content_type_is_read_as_json_as_fastapi_does(backend) {
        let app = spawn_app(backend).await;
        let body = json!({ "username": "ada", "email": "ada@example.com", "password": PASSWORD }).to_string();
        assert_eq!(app.send_raw(Method::POST, "/auth/register", None, body.into_bytes()).await.status, 201);
    }

    async fn todo_titles_and_descriptions_are_checked_at_their_boundaries(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let cases = [
            (json!({ "title": "" }), "title", "string_too_short"),
            (json!({ "title": "x".repeat(201) }), "title", "string_too_long"),
            (json!({ "title": " \t\n " }), "title", "value_error"),
            (json!({ "title": null }), "title", "string_type"),
            (json!({ "description": "no title" }), "title", "missing"),
            (json!({ "title": "ok", "description": "d".repeat(10_001) }), "description", "string_too_long"),
            (json!({ "title": "ok", "description": 5 }), "description", "string_type"),
        ];
        for (body, field, kind) in cases {
            let errors = detail(&app.create_todo(&token, body.clone()).await);
            assert_eq!(summary(&errors), [(json!(["body", field]), kind.to_owned())], "{body}");
        }
        let longest = json!({ "title": "é".repeat(200), "description": "d".repeat(10_000) });
        assert_eq!(app.create_todo(&token, longest).await.status, 201);
    }

    async fn query_parameters_are_validated_all_at_once(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let errors = detail(&app.get("/todos/?skip=-1&limit=0&completed=yes", Some(&token)).await);
        assert_eq!(
            summary(&errors),
            [
                (json!(["query", "skip"]), "greater_than_equal".to_owned()),
                (json!(["query", "limit"]), "greater_than_equal".to_owned()),
                (json!(["query", "completed"]), "bool_parsing".to_owned()),
            ]
        );
        let cases = [
            ("limit=101", "limit", "less_than_equal"),
            ("limit=abc", "limit", "int_parsing"),
            ("skip=1.5", "skip", "int_parsing"),
            ("completed=1", "completed", "bool_parsing"),
            ("completed=on", "completed", "bool_parsing"),
        ];
        for (query, field, kind) in cases {
            let errors = detail(&app.get(&format!("/todos/?{query}"), Some(&token)).await);
            assert_eq!(summary(&errors), [(json!(["query", field]), kind.to_owned())], "{query}");
        }
        assert_eq!(app.get("/todos/?skip=0&limit=1&completed=true&other=x", Some(&token)).await.status, 200);
    }

    async fn a_bad_todo_id_is_reported_with_the_body_problems(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        for (id, kind) in
            [("abc", "int_parsing"), ("0", "greater_than"), ("-3", "greater_than"), ("1.5", "int_parsing")]
        {
            let errors = detail(&app.get(&format!("/todos/{id}"), Some(&token)).await);
            assert_eq!(summary(&errors), [(json!(["path", "todo_id"]), kind.to_owned())], "{id}");
        }
        let response = app.request(Method::PATCH, "/todos/abc", Some(&token), Some(json!({ "title": "" }))).await;
        assert_eq!(
            summary(&detail(&response)),
            [
                (json!(["path", "todo_id"]), "int_parsing".to_owned()),
                (json!(["body", "title"]), "string_too_short".to_owned())
            ]
        );
    }
}
