//! Failed log-ins and registrations are limited; normal use is not.

use actix_web::http::Method;
use serde_json::json;
use todo_bootstrap::settings::QuotaSettings;
use todo_tests::{Backend, PASSWORD, TestApp, on_each_backend, spawn_app_with};

async fn log_in_from(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: &str,
) -> todo_tests::TestResponse {
    let body = format!("username={username}&password={}", password.replace(' ', "+"));
    app.send_raw_with_headers(
        Method::POST,
        "/auth/token",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("X-Forwarded-For", forwarded_for)],
        body.into_bytes(),
    )
    .await
}

fn assert_throttled(response: &todo_tests::TestResponse, detail: &str) {
    assert_eq!(response.status, 429, "{}", response.text());
    assert_eq!(response.json(), json!({ "detail": detail }));
    let retry_after: u64 = response.header("retry-after").expect("no Retry-After").parse().unwrap();
    assert!((1..=600).contains(&retry_after), "Retry-After {retry_after}");
}

on_each_backend! {
    async fn concurrent_guesses_get_no_more_tries_than_the_limit(backend) {
        let app = spawn_app_with(backend, |settings| {
            settings.rate_limit.failed_logins_per_username = QuotaSettings { max: 3, window_seconds: 600 };
            settings.rate_limit.failed_password_changes_per_user = QuotaSettings { max: 3, window_seconds: 600 };
        })
        .await;
        let token = app.user_token("ada").await;
        // Each guess takes a password hash's time: all twelve are in flight together.
        let guesses = (0..12).map(|i| {
            let password = format!("wrong guess {i}");
            let app = &app;
            async move { app.log_in(&[("username", "ada"), ("password", &password)]).await.status }
        });
        let statuses = futures_util::future::join_all(guesses).await;
        assert_eq!(statuses.iter().filter(|status| **status == 401).count(), 3, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 9, "{statuses:?}");
        let changes = (0..12).map(|i| {
            let body = json!({ "current_password": format!("wrong guess {i}"), "new_password": "a new password" });
            let (app, token) = (&app, &token);
            async move { app.request(Method::PUT, "/users/me/password", Some(token), Some(body)).await.status }
        });
        let statuses = futures_util::future::join_all(changes).await;
        assert_eq!(statuses.iter().filter(|status| **status == 400).count(), 3, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 9, "{statuses:?}");
    }

    async fn failed_logins_are_limited_per_username_even_for_the_right_password(backend) {
        let app = spawn_app_with(backend, |settings| {
            settings.rate_limit.failed_logins_per_username = QuotaSettings { max: 3, window_seconds: 600 };
        })
        .await;
        app.user_token("ada").await;
        app.user_token("bob").await;
        for _ in 0..3 {
            assert_eq!(app.log_in(&[("username", "ada"), ("password", "wrong guess")]).await.status, 401);
        }
        let locked = app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await;
        assert_throttled(&locked, "Too many failed login attempts; try again later");
        assert_eq!(app.log_in(&[("username", "bob"), ("password", PASSWORD)]).await.status, 200);
    }

    async fn failed_logins_are_limited_per_client_across_usernames(backend) {
        let app = spawn_app_with(backend, |settings| {
            settings.rate_limit.failed_logins_per_client = QuotaSettings { max: 4, window_seconds: 600 };
        })
        .await;
        for name in ["u1", "u2", "u3", "u4"] {
            assert_eq!(app.log_in(&[("username", name), ("password", "guess")]).await.status, 401);
        }
        let blocked = app.log_in(&[("username", "u5"), ("password", "guess")]).await;
        assert_throttled(&blocked, "Too many failed login attempts; try again later");
    }

    async fn registrations_are_limited_per_client(backend) {
        let app = spawn_app_with(backend, |settings| {
            settings.rate_limit.registrations_per_client = QuotaSettings { max: 2, window_seconds: 60 };
        })
        .await;
        assert_eq!(app.register("ada", "ada@example.com", PASSWORD).await.status, 201);
        assert_eq!(app.register("bob", "bob@example.com", PASSWORD).await.status, 201);
        let third = app.register("cyd", "cyd@example.com", PASSWORD).await;
        assert_throttled(&third, "Too many registrations; try again later");
    }

    async fn forwarded_addresses_are_ignored_unless_the_proxy_is_trusted(backend) {
        let limited = |settings: &mut todo_bootstrap::Settings| {
            settings.rate_limit.failed_logins_per_client = QuotaSettings { max: 1, window_seconds: 600 };
        };
        let direct = spawn_app_with(backend, limited).await;
        assert_eq!(log_in_from(&direct, "u1", "guess", "198.51.100.1").await.status, 401);
        let spoofed = log_in_from(&direct, "u2", "guess", "198.51.100.2").await;
        assert_eq!(spoofed.status, 429, "a spoofed X-Forwarded-For must not escape the limit");

        let behind_proxy = spawn_app_with(backend, |settings| {
            limited(settings);
            settings.server.trust_proxy_headers = true;
        })
        .await;
        assert_eq!(log_in_from(&behind_proxy, "u1", "guess", "198.51.100.1").await.status, 401);
        assert_eq!(log_in_from(&behind_proxy, "u2", "guess", "198.51.100.2").await.status, 401);
        assert_eq!(log_in_from(&behind_proxy, "u3", "guess", "198.51.100.1").await.status, 429);
    }
}

/// The default limits let an office behind one address work normally: a hundred people
/// register and log in, one mistyped password each. Every window is stretched to a day with
/// the default counts kept, so that all of it falls in one window however slow the machine:
/// what fits in a day's window fits in a minute's.
#[actix_web::test]
async fn the_default_quotas_let_a_hundred_users_register_and_log_in_from_one_address() {
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        let limits = &mut settings.rate_limit;
        for quota in [
            &mut limits.failed_logins_per_username,
            &mut limits.failed_logins_per_client,
            &mut limits.registrations_per_client,
        ] {
            quota.window_seconds = 86_400;
        }
    })
    .await;
    for user in 0..100 {
        let name = format!("user{user}");
        assert_eq!(app.register(&name, &format!("{name}@example.com"), PASSWORD).await.status, 201, "{name}");
        assert_eq!(app.log_in(&[("username", &name), ("password", "typo")]).await.status, 401, "{name}");
        assert_eq!(app.log_in(&[("username", &name), ("password", PASSWORD)]).await.status, 200, "{name}");
    }
}
