//! API keys over HTTP: shown once, listed without the key, revoked at once; `X-API-Key`
//! authenticates as the owner with the key's scopes, and cannot manage sessions or keys.

use actix_web::http::Method;
use serde_json::{Value, json};
use todo_tests::{PASSWORD, TestApp, TestResponse, on_each_backend, spawn_app};

async fn create(app: &TestApp, token: &str, body: Value) -> TestResponse {
    app.request(Method::POST, "/users/me/api-keys", Some(token), Some(body)).await
}

async fn with_key(app: &TestApp, method: Method, path: &str, key: &str) -> TestResponse {
    app.request_with_headers(method, path, &[("X-API-Key", key)]).await
}

on_each_backend! {
    async fn a_key_is_shown_once_and_authenticates_its_owner_with_its_scopes(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        app.new_todo(&token, "from the session").await;
        let response = create(&app, &token, json!({ "name": "backup", "scopes": ["todos:read"], "expires_in_days": 30 })).await;
        assert_eq!(response.status, 201, "{}", response.text());
        let created = response.json();
        let key = created["key"].as_str().unwrap().to_owned();
        assert!(key.starts_with("tdk_") && key.len() >= 36, "{key}");
        assert_eq!(created["prefix"], &key[..8]);
        assert_eq!(created["scopes"], json!(["todos:read"]));
        assert!(created["expires_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(created["last_used_at"], Value::Null);

        let me = with_key(&app, Method::GET, "/users/me", &key).await;
        assert_eq!((me.status, me.json()["username"].clone()), (200, json!("ada")));
        let todos = with_key(&app, Method::GET, "/todos/", &key).await;
        assert_eq!(todos.json().as_array().unwrap().len(), 1);
        let write = app.send_raw_with_headers(
            Method::POST, "/todos/", &[("X-API-Key", &key), ("Content-Type", "application/json")], br#"{"title":"x"}"#.to_vec(),
        ).await;
        assert_eq!((write.status, write.header("www-authenticate")), (403, Some("Bearer scope=\"todos:write\"")));

        let listed = app.get("/users/me/api-keys/", Some(&token)).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert!(listed[0].get("key").is_none(), "{listed}");
        assert!(!listed.to_string().contains(&key[8..]));
        assert!(listed[0]["last_used_at"].as_str().is_some(), "the use was recorded: {listed}");
    }

    async fn default_scopes_and_limits_on_what_a_key_may_have(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let created = create(&app, &token, json!({ "name": "ci" })).await.json();
        assert_eq!(created["scopes"], json!(["todos:read", "todos:write"]));
        assert_eq!(created["expires_at"], Value::Null);
        let key = created["key"].as_str().unwrap();
        let write = app.send_raw_with_headers(
            Method::POST, "/todos/", &[("X-API-Key", key), ("Content-Type", "application/json")], br#"{"title":"x"}"#.to_vec(),
        ).await;
        assert_eq!(write.status, 201, "{}", write.text());
        // More than the caller has: refused, naming the scope.
        // Administration takes a session: no key may have the admin scope.
        let refused = create(&app, &token, json!({ "name": "root", "scopes": ["admin"] })).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        assert_eq!(refused.json()["detail"][0]["loc"], json!(["body", "scopes"]));
        let reader = app.log_in(&[("username", "ada"), ("password", PASSWORD), ("scope", "todos:read")]).await.json();
        let reader = reader["access_token"].as_str().unwrap();
        let more = create(&app, reader, json!({ "name": "more" })).await;
        assert_eq!((more.status, more.header("www-authenticate")), (403, Some("Bearer scope=\"todos:write\"")));
        for (body, field) in [
            (json!({ "name": "" }), "name"),
            (json!({ "name": "x".repeat(101) }), "name"),
            (json!({ "name": "ok", "scopes": ["todos:delete"] }), "scopes"),
            (json!({ "name": "ok", "expires_in_days": 0 }), "expires_in_days"),
            (json!({ "name": "ok", "expires_in_days": 3651 }), "expires_in_days"),
            (json!({ "scopes": [] }), "name"),
        ] {
            let response = create(&app, &token, body.clone()).await;
            assert_eq!(response.status, 422, "{body}: {}", response.text());
            assert_eq!(response.json()["detail"][0]["loc"], json!(["body", field]), "{body}");
        }
    }

    async fn keys_cannot_manage_sessions_keys_or_the_password(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let key = create(&app, &token, json!({ "name": "script" })).await.json()["key"].as_str().unwrap().to_owned();
        for (method, path) in [
            (Method::GET, "/users/me/sessions"),
            (Method::DELETE, "/users/me/sessions"),
            (Method::GET, "/users/me/api-keys"),
            (Method::POST, "/users/me/api-keys"),
            (Method::PUT, "/users/me/password"),
            (Method::POST, "/auth/logout"),
        ] {
            let refused = with_key(&app, method.clone(), path, &key).await;
            assert_eq!((refused.status, refused.json()), (403, json!({ "detail": "Not enough permissions" })), "{method} {path}");
        }
        assert_eq!(app.get("/users/me", Some(&token)).await.status, 200, "nothing was revoked");
    }

    async fn a_revoked_or_unknown_key_is_refused_and_another_users_key_is_not_found(backend) {
        let app = spawn_app(backend).await;
        let ada = app.user_token("ada").await;
        let bob = app.user_token("bob").await;
        let created = create(&app, &ada, json!({ "name": "script" })).await.json();
        let (id, key) = (created["id"].as_str().unwrap(), created["key"].as_str().unwrap());
        let path = format!("/users/me/api-keys/{id}");
        let not_bobs = app.request(Method::DELETE, &path, Some(&bob), None).await;
        assert_eq!((not_bobs.status, not_bobs.json()), (404, json!({ "detail": "API key not found" })));
        assert_eq!(with_key(&app, Method::GET, "/users/me", key).await.status, 200);
        assert_eq!(app.request(Method::DELETE, &path, Some(&ada), None).await.status, 204);
        assert_eq!(app.request(Method::DELETE, &path, Some(&ada), None).await.status, 404);
        for key in [key, "tdk_made-up", ""] {
            let refused = with_key(&app, Method::GET, "/todos/", key).await;
            assert_eq!((refused.status, refused.json()), (401, json!({ "detail": "Invalid API key" })), "{key:?}");
            assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
        }
        assert_eq!(app.get("/users/me/api-keys", Some(&ada)).await.json(), json!([]));
        assert_eq!(app.request(Method::DELETE, "/users/me/api-keys/not-an-id", Some(&ada), None).await.status, 404);
    }

    async fn with_both_headers_the_bearer_token_wins(backend) {
        let app = spawn_app(backend).await;
        let ada = app.user_token("ada").await;
        let bob = app.user_token("bob").await;
        let key = create(&app, &bob, json!({ "name": "bob's" })).await.json()["key"].as_str().unwrap().to_owned();
        let bearer = format!("Bearer {ada}");
        let me = app.request_with_headers(Method::GET, "/users/me", &[("Authorization", &bearer), ("X-API-Key", &key)]).await;
        assert_eq!(me.json()["username"], "ada");
        let bad = app.request_with_headers(Method::GET, "/users/me", &[("Authorization", "Bearer junk"), ("X-API-Key", &key)]).await;
        assert_eq!(bad.status, 401, "a bad bearer token is not rescued by a good key");
    }

    async fn a_superusers_key_cannot_administer(backend) {
        let app = spawn_app(backend).await;
        let root = app.user_token("root").await;
        app.execute_sql("UPDATE users SET is_superuser = true WHERE username = 'root'").await;
        let key = create(&app, &root, json!({ "name": "script" })).await.json()["key"].as_str().unwrap().to_owned();
        for path in ["/admin/users", "/admin/jobs"] {
            let refused = with_key(&app, Method::GET, path, &key).await;
            assert_eq!((refused.status, refused.json()), (403, json!({ "detail": "Not enough permissions" })), "{path}");
        }
    }

    async fn a_deactivated_owners_keys_stop_working(backend) {
        let app = spawn_app(backend).await;
        let ada = app.user_token("ada").await;
        let key = create(&app, &ada, json!({ "name": "script" })).await.json()["key"].as_str().unwrap().to_owned();
        app.execute_sql("UPDATE users SET is_active = false WHERE username = 'ada'").await;
        let refused = with_key(&app, Method::GET, "/todos/", &key).await;
        assert_eq!((refused.status, refused.json()), (400, json!({ "detail": "Inactive user" })));
    }
}
