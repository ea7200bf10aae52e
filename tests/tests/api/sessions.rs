//! Sessions over HTTP: a log-in opens one, refresh tokens rotate with reuse detection,
//! log-out and revocation take effect at once, scopes narrow what a token may do.

use actix_web::http::Method;
use futures_util::future::join_all;
use serde_json::{Value, json};
use todo_tests::{PASSWORD, TestApp, TestResponse, on_each_backend, spawn_app, spawn_app_with};

async fn logged_in(app: &TestApp, username: &str, extra: &[(&str, &str)]) -> Value {
    let mut form = vec![("username", username), ("password", PASSWORD)];
    form.extend_from_slice(extra);
    let response = app.log_in(&form).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

async fn registered_and_logged_in(app: &TestApp, username: &str) -> Value {
    let registered = app.register(username, &format!("{username}@example.com"), PASSWORD).await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    logged_in(app, username, &[]).await
}

async fn refresh(app: &TestApp, refresh_token: &Value) -> TestResponse {
    app.log_in(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str().unwrap())]).await
}

fn access(tokens: &Value) -> &str {
    tokens["access_token"].as_str().unwrap()
}

fn assert_invalid_refresh(response: &TestResponse) {
    assert_eq!(response.status, 401, "{}", response.text());
    assert_eq!(response.json(), json!({ "detail": "Invalid refresh token" }));
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
}

fn assert_revoked(response: &TestResponse) {
    assert_eq!(response.status, 401, "{}", response.text());
    assert_eq!(response.json(), json!({ "detail": "Could not validate credentials" }));
}

on_each_backend! {
    async fn a_refresh_rotates_the_tokens_and_the_spent_one_is_refused(backend) {
        let app = spawn_app(backend).await;
        let first = registered_and_logged_in(&app, "ada").await;
        let response = refresh(&app, &first["refresh_token"]).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let second = response.json();
        assert_ne!(second["refresh_token"], first["refresh_token"]);
        assert_eq!((second["token_type"].clone(), second["scope"].clone()), (json!("bearer"), first["scope"].clone()));
        assert_eq!(app.get("/users/me", Some(access(&second))).await.status, 200);
        // Spent: refused, but within the grace period the session stays open.
        assert_invalid_refresh(&refresh(&app, &first["refresh_token"]).await);
        assert_eq!(app.get("/users/me", Some(access(&first))).await.status, 200);
        assert_eq!(refresh(&app, &second["refresh_token"]).await.status, 200);
    }

    async fn a_spent_refresh_token_presented_after_the_grace_period_revokes_its_session(backend) {
        let app = spawn_app_with(backend, |settings| settings.auth.refresh_reuse_grace_seconds = 0).await;
        let first = registered_and_logged_in(&app, "ada").await;
        let second = refresh(&app, &first["refresh_token"]).await.json();
        assert_invalid_refresh(&refresh(&app, &first["refresh_token"]).await);
        // The thief and the owner are both out: every token of that session is dead.
        assert_revoked(&app.get("/users/me", Some(access(&second))).await);
        assert_revoked(&app.get("/users/me", Some(access(&first))).await);
        assert_invalid_refresh(&refresh(&app, &second["refresh_token"]).await);
        // Another session of the same user is untouched.
        let other = logged_in(&app, "ada", &[]).await;
        assert_eq!(app.get("/users/me", Some(access(&other))).await.status, 200);
    }

    async fn of_concurrent_refreshes_with_one_token_exactly_one_succeeds(backend) {
        let app = spawn_app(backend).await;
        let tokens = registered_and_logged_in(&app, "ada").await;
        let answers = join_all((0..8).map(|_| refresh(&app, &tokens["refresh_token"]))).await;
        let statuses: Vec<_> = answers.iter().map(|answer| answer.status).collect();
        assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|status| [200, 401].contains(status)), "{statuses:?}");
        let winner = answers.iter().find(|answer| answer.status == 200).unwrap().json();
        assert_eq!(app.get("/users/me", Some(access(&winner))).await.status, 200, "no reuse was detected");
    }

    async fn logging_out_ends_the_session_at_once(backend) {
        let app = spawn_app(backend).await;
        let tokens = registered_and_logged_in(&app, "ada").await;
        let response = app.request(Method::POST, "/auth/logout", Some(access(&tokens)), None).await;
        assert_eq!(response.status, 204, "{}", response.text());
        assert_revoked(&app.get("/todos/", Some(access(&tokens))).await);
        assert_invalid_refresh(&refresh(&app, &tokens["refresh_token"]).await);
    }

    async fn sessions_are_listed_and_revoked_one_at_a_time_or_all_together(backend) {
        let app = spawn_app(backend).await;
        let laptop = registered_and_logged_in(&app, "ada").await;
        let phone = logged_in(&app, "ada", &[]).await;
        let listed = app.get("/users/me/sessions", Some(access(&laptop))).await;
        assert_eq!(listed.status, 200);
        let sessions = listed.json();
        assert_eq!(sessions.as_array().unwrap().len(), 2);
        let current: Vec<_> = sessions.as_array().unwrap().iter().map(|s| s["current"].clone()).collect();
        assert_eq!(current.iter().filter(|c| **c == json!(true)).count(), 1);
        let other = sessions.as_array().unwrap().iter().find(|s| s["current"] == json!(false)).unwrap();
        assert!(other["created_at"].as_str().unwrap().ends_with('Z'));

        let path = format!("/users/me/sessions/{}", other["id"].as_str().unwrap());
        let bob = registered_and_logged_in(&app, "bob").await;
        let not_bobs = app.request(Method::DELETE, &path, Some(access(&bob)), None).await;
        assert_eq!((not_bobs.status, not_bobs.json()), (404, json!({ "detail": "Session not found" })));
        assert_eq!(app.request(Method::DELETE, &path, Some(access(&laptop)), None).await.status, 204);
        assert_revoked(&app.get("/users/me", Some(access(&phone))).await);
        assert_eq!(app.get("/users/me/sessions", Some(access(&laptop))).await.json().as_array().unwrap().len(), 1);
        for unknown in ["/users/me/sessions/0123456789abcdef0123456789abcdef", "/users/me/sessions/not-an-id"] {
            assert_eq!(app.request(Method::DELETE, unknown, Some(access(&laptop)), None).await.status, 404);
        }

        let everywhere = app.request(Method::DELETE, "/users/me/sessions", Some(access(&laptop)), None).await;
        assert_eq!(everywhere.status, 204);
        assert_revoked(&app.get("/users/me", Some(access(&laptop))).await);
        assert_eq!(app.get("/users/me", Some(access(&bob))).await.status, 200, "bob's sessions are his");
    }

    async fn a_narrowed_token_is_refused_with_403_naming_the_scope_it_lacks(backend) {
        let app = spawn_app(backend).await;
        app.register("ada", "ada@example.com", PASSWORD).await;
        let reader = logged_in(&app, "ada", &[("scope", "todos:read")]).await;
        assert_eq!(reader["scope"], "todos:read");
        assert_eq!(app.get("/todos/", Some(access(&reader))).await.status, 200);
        let refused = app.create_todo(access(&reader), json!({ "title": "not allowed" })).await;
        assert_eq!(refused.status, 403);
        assert_eq!(refused.json(), json!({ "detail": "Not enough permissions" }));
        assert_eq!(refused.header("www-authenticate"), Some("Bearer scope=\"todos:write\""));
        let writer = logged_in(&app, "ada", &[("scope", "todos:write")]).await;
        let refused = app.get("/todos/", Some(access(&writer))).await;
        assert_eq!((refused.status, refused.header("www-authenticate")), (403, Some("Bearer scope=\"todos:read\"")));
        assert_eq!(app.create_todo(access(&writer), json!({ "title": "allowed" })).await.status, 201);
        // A refresh keeps the session's scopes.
        let refreshed = refresh(&app, &reader["refresh_token"]).await.json();
        assert_eq!(refreshed["scope"], "todos:read");
        for scope in ["todos:delete", "admin", "admin todos"] {
            let response = app.log_in(&[("username", "ada"), ("password", PASSWORD), ("scope", scope)]).await;
            assert_eq!((response.status, response.json()), (400, json!({ "detail": "Invalid scope" })), "{scope}");
        }
    }

    async fn a_refresh_token_is_never_an_access_token_nor_the_other_way_round(backend) {
        let app = spawn_app(backend).await;
        let tokens = registered_and_logged_in(&app, "ada").await;
        assert_revoked(&app.get("/users/me", Some(tokens["refresh_token"].as_str().unwrap())).await);
        assert_invalid_refresh(&refresh(&app, &tokens["access_token"]).await);
        assert_invalid_refresh(&app.log_in(&[("grant_type", "refresh_token")]).await);
        assert_invalid_refresh(&refresh(&app, &json!("made-up")).await);
    }

    async fn a_deactivated_user_cannot_refresh(backend) {
        let app = spawn_app(backend).await;
        let tokens = registered_and_logged_in(&app, "ada").await;
        app.execute_sql("UPDATE users SET is_active = false WHERE username = 'ada'").await;
        let response = refresh(&app, &tokens["refresh_token"]).await;
        assert_eq!((response.status, response.json()), (400, json!({ "detail": "Inactive user" })));
    }
}
