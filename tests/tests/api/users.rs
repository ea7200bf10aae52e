use actix_web::http::Method;
use serde_json::json;
use todo_tests::{on_each_backend, spawn_app};

on_each_backend! {
    async fn me_is_the_user_the_token_was_issued_to(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let response = app.get("/users/me", Some(&token)).await;
        assert_eq!(response.status, 200);
        let me = response.json();
        assert_eq!((me["username"].as_str(), me["email"].as_str()), (Some("ada"), Some("ada@example.com")));
        assert_eq!(me.as_object().unwrap().len(), 5);
    }

    async fn no_bearer_header_is_not_authenticated(backend) {
        let app = spawn_app(backend).await;
        let cases: [&[(&str, &str)]; 3] =
            [&[], &[("Authorization", "Basic YWRhOnNlY3JldA==")], &[("Authorization", "token abc")]];
        for headers in cases {
            let response = app.request_with_headers(Method::GET, "/users/me", headers).await;
            assert_eq!(response.status, 401, "{headers:?}");
            assert_eq!(response.json(), json!({ "detail": "Not authenticated" }), "{headers:?}");
            assert_eq!(response.header("www-authenticate"), Some("Bearer"));
        }
    }

    async fn a_bearer_header_without_a_token_cannot_be_validated_as_in_fastapi(backend) {
        let app = spawn_app(backend).await;
        let response = app.request_with_headers(Method::GET, "/users/me", &[("Authorization", "Bearer")]).await;
        assert_eq!(response.status, 401);
        assert_eq!(response.json(), json!({ "detail": "Could not validate credentials" }));
    }

    async fn the_bearer_scheme_is_case_insensitive(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let header = format!("bearer {token}");
        let response = app.request_with_headers(Method::GET, "/users/me", &[("Authorization", &header)]).await;
        assert_eq!(response.status, 200);
    }

    async fn a_token_of_a_deleted_user_cannot_be_validated(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        app.execute_sql("DELETE FROM users WHERE username = 'ada'").await;
        let response = app.get("/users/me", Some(&token)).await;
        assert_eq!(response.status, 401);
        assert_eq!(response.json(), json!({ "detail": "Could not validate credentials" }));
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }

    async fn a_deactivated_user_is_refused_with_400_everywhere(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        app.execute_sql("UPDATE users SET is_active = false WHERE username = 'ada'").await;
        for (method, path) in [(Method::GET, "/users/me"), (Method::GET, "/todos/"), (Method::DELETE, "/todos/1")]
        {
            let response = app.request(method.clone(), path, Some(&token), None).await;
            assert_eq!(response.status, 400, "{method} {path}");
            assert_eq!(response.json(), json!({ "detail": "Inactive user" }));
        }
    }
}
