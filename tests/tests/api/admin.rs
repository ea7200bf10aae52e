//! `/admin` over HTTP: only superusers with the `admin` scope; users listed, deactivated,
//! promoted and deleted with everything they own; jobs listed and retried.

use actix_web::http::Method;
use serde_json::{Value, json};
use todo_tests::{PASSWORD, TestApp, on_each_backend, spawn_app};

/// `root`, a superuser, logged in with every scope they may have.
async fn superuser(app: &TestApp) -> String {
    app.superuser_token("root").await
}

fn id_of(users: &Value, username: &str) -> i64 {
    users.as_array().unwrap().iter().find(|user| user["username"] == username).unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn patch(app: &TestApp, token: &str, id: i64, body: Value) -> todo_tests::TestResponse {
    app.request(Method::PATCH, &format!("/admin/users/{id}"), Some(token), Some(body)).await
}

on_each_backend! {
    async fn only_a_superuser_with_the_admin_scope_gets_in(backend) {
        let app = spawn_app(backend).await;
        let ada = app.user_token("ada").await;
        for path in ["/admin/users", "/admin/jobs"] {
            let refused = app.get(path, Some(&ada)).await;
            assert_eq!(refused.status, 403, "{path}");
            assert_eq!(refused.json(), json!({ "detail": "The user doesn't have enough privileges" }));
            assert_eq!(app.get(path, None).await.status, 401);
        }
        superuser(&app).await;
        let narrowed = app.log_in(&[("username", "root"), ("password", PASSWORD), ("scope", "todos:read")]).await;
        let narrowed = narrowed.json()["access_token"].as_str().unwrap().to_owned();
        let refused = app.get("/admin/users", Some(&narrowed)).await;
        assert_eq!((refused.status, refused.json()), (403, json!({ "detail": "Not enough permissions" })));
        assert_eq!(refused.header("www-authenticate"), Some("Bearer scope=\"admin\""));
    }

    async fn users_are_listed_with_their_flags_and_todo_counts(backend) {
        let app = spawn_app(backend).await;
        let root = superuser(&app).await;
        let ada = app.user_token("ada").await;
        for title in ["one", "two", "three"] {
            app.new_todo(&ada, title).await;
        }
        let response = app.get("/admin/users", Some(&root)).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let users = response.json();
        let listed: Vec<_> = users
            .as_array()
            .unwrap()
            .iter()
            .map(|user| (user["username"].clone(), user["is_superuser"].clone(), user["todo_count"].clone()))
            .collect();
        assert_eq!(listed, [(json!("root"), json!(true), json!(0)), (json!("ada"), json!(false), json!(3))]);
        assert!(users[0].get("password_hash").is_none() && users[0]["email"] == "root@example.com");
        let page = app.get("/admin/users?skip=1&limit=1", Some(&root)).await.json();
        assert_eq!(page.as_array().unwrap().len(), 1);
        assert_eq!(page[0]["username"], "ada");
        assert_eq!(app.get("/admin/users?limit=0", Some(&root)).await.status, 422);
    }

    async fn deactivating_a_user_ends_their_sessions_and_promoting_grants_admin(backend) {
        let app = spawn_app(backend).await;
        let root = superuser(&app).await;
        let ada = app.user_token("ada").await;
        let id = id_of(&app.get("/admin/users", Some(&root)).await.json(), "ada");
        let response = patch(&app, &root, id, json!({ "is_active": false })).await;
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!((response.json()["is_active"].clone(), response.json()["todo_count"].clone()), (json!(false), json!(0)));
        assert_eq!(app.get("/users/me", Some(&ada)).await.status, 401, "her session ended at once");
        let refused = app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await;
        assert_eq!((refused.status, refused.json()), (400, json!({ "detail": "Inactive user" })));

        let response = patch(&app, &root, id, json!({ "is_active": true, "is_superuser": true })).await;
        assert_eq!((response.json()["is_active"].clone(), response.json()["is_superuser"].clone()), (json!(true), json!(true)));
        let promoted = app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await.json();
        assert_eq!(promoted["scope"], "todos:read todos:write admin");
        let ada = promoted["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.get("/admin/users", Some(&ada)).await.status, 200);
        // Demoted: the token still carries the scope, but the flag is read on every request.
        assert_eq!(patch(&app, &root, id, json!({ "is_superuser": false })).await.status, 200);
        assert_eq!(app.get("/admin/users", Some(&ada)).await.status, 403);

        assert_eq!(patch(&app, &root, 999_999, json!({ "is_active": true })).await.status, 404);
        assert_eq!(patch(&app, &root, id, json!({ "is_active": "no" })).await.status, 422);
        assert_eq!(patch(&app, &root, id, json!({})).await.status, 200);
    }

    async fn nobody_demotes_deactivates_or_deletes_themselves(backend) {
        let app = spawn_app(backend).await;
        let root = superuser(&app).await;
        let id = id_of(&app.get("/admin/users", Some(&root)).await.json(), "root");
        let expected = json!({ "detail": "Superusers cannot demote, deactivate or delete themselves" });
        for body in [json!({ "is_active": false }), json!({ "is_superuser": false })] {
            let refused = patch(&app, &root, id, body).await;
            assert_eq!((refused.status, refused.json()), (400, expected.clone()));
        }
        let refused = app.request(Method::DELETE, &format!("/admin/users/{id}"), Some(&root), None).await;
        assert_eq!((refused.status, refused.json()), (400, expected));
        assert_eq!(app.get("/admin/users", Some(&root)).await.status, 200);
    }

    async fn deleting_a_user_removes_everything_they_own(backend) {
        let app = spawn_app(backend).await;
        let root = superuser(&app).await;
        let ada = app.user_token("ada").await;
        app.new_todo(&ada, "mine").await;
        let id = id_of(&app.get("/admin/users", Some(&root)).await.json(), "ada");
        let path = format!("/admin/users/{id}");
        assert_eq!(app.request(Method::DELETE, &path, Some(&root), None).await.status, 204);
        assert_eq!(app.get("/users/me", Some(&ada)).await.status, 401);
        assert_eq!(app.request(Method::DELETE, &path, Some(&root), None).await.status, 404);
        let users = app.get("/admin/users", Some(&root)).await.json();
        assert_eq!(users.as_array().unwrap().len(), 1);
        // The name is free again, and the new account owns nothing.
        let again = app.user_token("ada").await;
        assert_eq!(app.get("/todos/", Some(&again)).await.json(), json!([]));
        for bad in ["/admin/users/abc", "/admin/users/0"] {
            assert_eq!(app.request(Method::DELETE, bad, Some(&root), None).await.status, 422, "{bad}");
        }
    }

    async fn jobs_are_listed_by_status_and_only_failed_or_dead_ones_retried(backend) {
        let app = spawn_app(backend).await;
        let root = superuser(&app).await;
        let jobs = app.get("/admin/jobs", Some(&root)).await;
        assert_eq!(jobs.status, 200, "{}", jobs.text());
        let listed = jobs.json();
        let job = listed.as_array().unwrap().iter().find(|job| job["kind"] == "welcome_email").unwrap().clone();
        for field in ["id", "kind", "status", "attempts", "max_attempts", "run_at", "last_error", "created_at", "finished_at"] {
            assert!(job.get(field).is_some(), "{field} missing: {job}");
        }
        assert!(job.get("payload").is_none());
        let dead = app.get("/admin/jobs?status=dead", Some(&root)).await;
        assert_eq!(dead.json(), json!([]));
        assert_eq!(app.get("/admin/jobs?status=lost", Some(&root)).await.status, 422);
        let retry = format!("/admin/jobs/{}/retry", job["id"]);
        let refused = app.request(Method::POST, &retry, Some(&root), None).await;
        assert_eq!(refused.status, 404, "not failed or dead: {}", refused.text());
        // Once the worker is done with it, an operator's hand makes it dead, to be revived.
        let started = std::time::Instant::now();
        while app.get("/admin/jobs?status=succeeded", Some(&root)).await.json().as_array().unwrap().is_empty() {
            assert!(started.elapsed() < std::time::Duration::from_secs(20), "the welcome e-mail was never sent");
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        app.execute_sql(&format!("UPDATE jobs SET status = 'dead' WHERE id = {}", job["id"])).await;
        assert_eq!(app.request(Method::POST, &retry, Some(&root), None).await.status, 202);
    }
}
