//! Passwords over HTTP: a change ends the other sessions; a reset goes by e-mail through the
//! job queue with a single-use token, and answers the same for an unknown address.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::json;
use todo_tests::{PASSWORD, TestApp, on_each_backend, spawn_app, spawn_app_with};

const NEW_PASSWORD: &str = "staple battery horse correct";
const ON_ITS_WAY: &str = "If the address is registered, a reset e-mail is on its way";

async fn log_in(app: &TestApp, username: &str, password: &str) -> Option<String> {
    let response = app.log_in(&[("username", username), ("password", password)]).await;
    (response.status == 200).then(|| response.json()["access_token"].as_str().unwrap().to_owned())
}

async fn change(app: &TestApp, token: &str, current: &str, new: &str) -> todo_tests::TestResponse {
    let body = json!({ "current_password": current, "new_password": new });
    app.request(Method::PUT, "/users/me/password", Some(token), Some(body)).await
}

async fn request_reset(app: &TestApp, email: &str) -> todo_tests::TestResponse {
    app.request(Method::POST, "/auth/password-reset", None, Some(json!({ "email": email }))).await
}

async fn confirm(app: &TestApp, token: &str, new: &str) -> todo_tests::TestResponse {
    let body = json!({ "token": token, "new_password": new });
    app.request(Method::POST, "/auth/password-reset/confirm", None, Some(body)).await
}

/// The tokens of the reset links in the outbox, once there are `count`, in no order.
async fn reset_tokens(app: &TestApp, count: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let tokens: Vec<String> = app
            .outbox()
            .iter()
            .filter_map(|message| {
                // Quoted-printable: soft line breaks out, `=` back.
                let message = message.replace("=\r\n", "").replace("=3D", "=");
                let (_, rest) = message.split_once("/reset-password?token=")?;
                Some(
                    rest.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect(),
                )
            })
            .collect();
        if tokens.len() >= count {
            return tokens;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no reset e-mail came: {:?}", app.outbox());
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

fn assert_invalid_reset(response: &todo_tests::TestResponse) {
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(response.json(), json!({ "detail": "Invalid or expired reset token" }));
}

on_each_backend! {
    async fn changing_the_password_ends_every_other_session(backend) {
        let app = spawn_app(backend).await;
        let here = app.user_token("ada").await;
        let elsewhere = log_in(&app, "ada", PASSWORD).await.unwrap();
        let wrong = change(&app, &here, "not the password", NEW_PASSWORD).await;
        assert_eq!((wrong.status, wrong.json()), (400, json!({ "detail": "Incorrect password" })));
        let response = change(&app, &here, PASSWORD, NEW_PASSWORD).await;
        assert_eq!(response.status, 204, "{}", response.text());
        assert_eq!(app.get("/users/me", Some(&here)).await.status, 200, "this session goes on");
        assert_eq!(app.get("/users/me", Some(&elsewhere)).await.status, 401);
        assert!(log_in(&app, "ada", PASSWORD).await.is_none());
        assert!(log_in(&app, "ada", NEW_PASSWORD).await.is_some());
        // The new password follows the registration rules, reported as 422 at its field,
        // and no password is ever echoed.
        let short = change(&app, &here, NEW_PASSWORD, "short").await;
        assert_eq!(short.status, 422);
        assert_eq!(short.json()["detail"][0]["loc"], json!(["body", "new_password"]));
        assert!(short.json()["detail"][0].get("input").is_none(), "{}", short.text());
        assert!(!short.text().contains(NEW_PASSWORD), "{}", short.text());
        let body = json!({ "current_password": NEW_PASSWORD });
        let missing = app.request(Method::PUT, "/users/me/password", Some(&here), Some(body)).await;
        assert_eq!(missing.status, 422);
        assert!(!missing.text().contains(NEW_PASSWORD), "{}", missing.text());
        assert_eq!(change(&app, "", PASSWORD, NEW_PASSWORD).await.status, 401);
    }

    async fn wrong_current_passwords_are_limited_per_user(backend) {
        let app = spawn_app_with(backend, |settings| {
            settings.rate_limit.failed_password_changes_per_user.max = 2;
        })
        .await;
        let token = app.user_token("ada").await;
        for _ in 0..2 {
            assert_eq!(change(&app, &token, "wrong password", NEW_PASSWORD).await.status, 400);
        }
        let limited = change(&app, &token, PASSWORD, NEW_PASSWORD).await;
        assert_eq!(limited.status, 429, "{}", limited.text());
        assert!(limited.header("retry-after").is_some());
    }

    async fn a_reset_by_email_sets_the_password_once_and_ends_every_session(backend) {
        let app = spawn_app_with(backend, |settings| settings.jobs.poll_interval_ms = 50).await;
        let session = app.user_token("ada").await;
        let response = request_reset(&app, "ADA@example.com").await;
        assert_eq!((response.status, response.json()), (202, json!({ "detail": ON_ITS_WAY })));
        let token = reset_tokens(&app, 1).await.remove(0);
        assert!(token.len() >= 22, "at least 128 random bits: {token}");
        let response = confirm(&app, &token, NEW_PASSWORD).await;
        assert_eq!(response.status, 204, "{}", response.text());
        assert_eq!(app.get("/users/me", Some(&session)).await.status, 401, "every session ended");
        assert!(log_in(&app, "ada", NEW_PASSWORD).await.is_some());
        assert_invalid_reset(&confirm(&app, &token, "yet another password").await);
        assert_invalid_reset(&confirm(&app, "made-up-token", NEW_PASSWORD).await);
        assert!(log_in(&app, "ada", NEW_PASSWORD).await.is_some(), "a refused token changes nothing");
        let body = json!({ "token": token });
        let missing = app.request(Method::POST, "/auth/password-reset/confirm", None, Some(body)).await;
        assert_eq!(missing.status, 422);
        assert!(!missing.text().contains(&token), "the token is never echoed: {}", missing.text());
    }

    async fn a_password_change_ends_the_reset_links_sent_before(backend) {
        let app = spawn_app_with(backend, |settings| settings.jobs.poll_interval_ms = 50).await;
        let token = app.user_token("ada").await;
        assert_eq!(request_reset(&app, "ada@example.com").await.status, 202);
        let link = reset_tokens(&app, 1).await.remove(0);
        assert_eq!(change(&app, &token, PASSWORD, NEW_PASSWORD).await.status, 204);
        assert_invalid_reset(&confirm(&app, &link, "the attacker's password").await);
        assert!(log_in(&app, "ada", NEW_PASSWORD).await.is_some());
    }

    async fn an_unknown_address_gets_the_same_answer_and_no_email(backend) {
        let app = spawn_app_with(backend, |settings| settings.jobs.poll_interval_ms = 50).await;
        app.user_token("ada").await;
        let unknown = request_reset(&app, "nobody@example.com").await;
        assert_eq!((unknown.status, unknown.json()), (202, json!({ "detail": ON_ITS_WAY })));
        // The known address's e-mail, requested after, arrives; the unknown one never does.
        assert_eq!(request_reset(&app, "ada@example.com").await.status, 202);
        reset_tokens(&app, 1).await;
        let messages = app.outbox();
        let resets: Vec<&String> = messages.iter().filter(|m| m.contains("reset-password")).collect();
        assert_eq!(resets.len(), 1, "{resets:?}");
        assert!(resets[0].contains("ada@example.com"));
        assert!(!messages.iter().any(|m| m.contains("nobody@example.com")));
        let invalid = request_reset(&app, "not an address").await;
        assert_eq!(invalid.status, 422);
    }

    async fn a_newer_reset_link_and_a_used_one_end_the_others(backend) {
        let app = spawn_app_with(backend, |settings| settings.jobs.poll_interval_ms = 50).await;
        app.user_token("ada").await;
        assert_eq!(request_reset(&app, "ada@example.com").await.status, 202);
        reset_tokens(&app, 1).await;
        assert_eq!(request_reset(&app, "ada@example.com").await.status, 202);
        let tokens = reset_tokens(&app, 2).await;
        assert_ne!(tokens[0], tokens[1]);
        assert_eq!(confirm(&app, &tokens[0], NEW_PASSWORD).await.status, 204);
        assert_invalid_reset(&confirm(&app, &tokens[1], "another new password").await);
    }

    async fn reset_requests_are_limited_per_address(backend) {
        let app = spawn_app_with(backend, |settings| settings.rate_limit.password_resets_per_email.max = 2).await;
        for _ in 0..2 {
            assert_eq!(request_reset(&app, "ada@example.com").await.status, 202);
        }
        let limited = request_reset(&app, "Ada@Example.com").await;
        assert_eq!(limited.status, 429, "{}", limited.text());
        assert_eq!(request_reset(&app, "bob@example.com").await.status, 202);
    }
}
