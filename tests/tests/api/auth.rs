use serde_json::json;
use todo_tests::{PASSWORD, on_each_backend, spawn_app};

on_each_backend! {
    async fn register_returns_201_and_the_user_without_any_password(backend) {
        let app = spawn_app(backend).await;
        let response = app.register("ada", "Ada.Lovelace@Example.COM", PASSWORD).await;
        assert_eq!(response.status, 201);
        let user = response.json();
        assert!(user["id"].as_i64().unwrap() > 0);
        assert_eq!(user["username"], "ada");
        assert_eq!(user["email"], "ada.lovelace@example.com", "e-mail is stored lower-cased");
        assert_eq!(user["is_active"], true);
        assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
        let keys: Vec<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5, "unexpected fields in {user}");
        assert!(!response.text().contains(PASSWORD) && !response.text().contains("argon2"));
    }

    async fn register_refuses_a_taken_username(backend) {
        let app = spawn_app(backend).await;
        assert_eq!(app.register("ada", "ada@example.com", PASSWORD).await.status, 201);
        let again = app.register("ada", "other@example.com", PASSWORD).await;
        assert_eq!(again.status, 400);
        assert_eq!(again.json(), json!({ "detail": "Username already registered" }));
    }

    async fn register_refuses_a_taken_email_in_any_case(backend) {
        let app = spawn_app(backend).await;
        assert_eq!(app.register("ada", "ada@example.com", PASSWORD).await.status, 201);
        let again = app.register("bob", "ADA@Example.com", PASSWORD).await;
        assert_eq!(again.status, 400);
        assert_eq!(again.json(), json!({ "detail": "Email already registered" }));
    }

    async fn log_in_returns_a_bearer_token(backend) {
        let app = spawn_app(backend).await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        let response = app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await;
        assert_eq!(response.status, 200);
        let body = response.json();
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);
        // The tutorial's two fields, and RFC 6749's others beside them.
        assert_eq!(body["expires_in"], 30 * 60);
        assert_eq!(body["scope"], "todos:read todos:write");
        assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
        assert_eq!(body.as_object().unwrap().len(), 5);
        assert_eq!(response.header("cache-control"), Some("no-store"));
    }

    async fn log_in_accepts_the_optional_oauth2_fields(backend) {
        let app = spawn_app(backend).await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        let form = [
            ("grant_type", "password"),
            ("username", "ada"),
            ("password", PASSWORD),
            ("scope", ""),
            ("client_id", "x"),
        ];
        assert_eq!(app.log_in(&form).await.status, 200);
    }

    async fn a_wrong_password_and_an_unknown_user_get_the_same_401(backend) {
        let app = spawn_app(backend).await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        let wrong_password = app.log_in(&[("username", "ada"), ("password", "not the password")]).await;
        let unknown_user = app.log_in(&[("username", "nobody"), ("password", PASSWORD)]).await;
        let impossible_name = app.log_in(&[("username", "no such name!"), ("password", PASSWORD)]).await;
        for response in [wrong_password, unknown_user, impossible_name] {
            assert_eq!(response.status, 401);
            assert_eq!(response.json(), json!({ "detail": "Incorrect username or password" }));
            assert_eq!(response.header("www-authenticate"), Some("Bearer"));
        }
    }

    async fn passwords_are_compared_whole_not_truncated(backend) {
        let app = spawn_app(backend).await;
        let long = "p".repeat(100);
        app.register("ada", "ada@example.com", &long).await;
        let same_first_72_bytes = format!("{}q", "p".repeat(99));
        assert_eq!(app.log_in(&[("username", "ada"), ("password", &same_first_72_bytes)]).await.status, 401);
        assert_eq!(app.log_in(&[("username", "ada"), ("password", &long)]).await.status, 200);
    }

    async fn log_in_reports_missing_fields_as_422_without_echoing_the_password(backend) {
        let app = spawn_app(backend).await;
        let response = app.log_in(&[("password", "hunter2 secret")]).await;
        assert_eq!(response.status, 422);
        let detail = response.json()["detail"].clone();
        assert_eq!(detail.as_array().unwrap().len(), 1);
        assert_eq!(detail[0]["type"], "missing");
        assert_eq!(detail[0]["loc"], json!(["body", "username"]));
        assert!(!response.text().contains("hunter2"));

        let empty = app.log_in(&[]).await;
        let locs: Vec<_> =
            empty.json()["detail"].as_array().unwrap().iter().map(|e| e["loc"][1].clone()).collect();
        assert_eq!(locs, [json!("username"), json!("password")]);
    }

    async fn log_in_refuses_a_grant_type_other_than_password(backend) {
        let app = spawn_app(backend).await;
        let response =
            app.log_in(&[("grant_type", "client_credentials"), ("username", "ada"), ("password", "x")]).await;
        assert_eq!(response.status, 422);
        let error = &response.json()["detail"][0];
        assert_eq!(error["type"], "string_pattern_mismatch");
        assert_eq!(error["loc"], json!(["body", "grant_type"]));
        assert_eq!(error["ctx"]["pattern"], "^(password|refresh_token)?$");
    }

    async fn log_in_takes_an_empty_grant_type_as_absent_as_the_document_says(backend) {
        let app = spawn_app(backend).await;
        app.user_token("ada").await;
        let response = app.log_in(&[("grant_type", ""), ("username", "ada"), ("password", PASSWORD)]).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let document = app.get("/openapi.json", None).await.json();
        let grant_type = &document["components"]["schemas"]["PasswordGrant"]["properties"]["grant_type"];
        assert_eq!(grant_type["pattern"], "^(password)?$", "{grant_type}");
    }

    async fn log_in_with_json_instead_of_a_form_is_a_422_not_a_500(backend) {
        let app = spawn_app(backend).await;
        let body = json!({ "username": "ada", "password": PASSWORD });
        let response = app.request(actix_web::http::Method::POST, "/auth/token", None, Some(body)).await;
        assert_eq!(response.status, 422);
        assert_eq!(response.json()["detail"][0]["type"], "missing");
    }

    async fn a_deactivated_user_cannot_log_in(backend) {
        let app = spawn_app(backend).await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        app.execute_sql("UPDATE users SET is_active = false WHERE username = 'ada'").await;
        let response = app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await;
        assert_eq!(response.status, 400);
        assert_eq!(response.json(), json!({ "detail": "Inactive user" }));
    }
}
