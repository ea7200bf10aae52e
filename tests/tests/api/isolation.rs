//! Users see and change only their own todos; no response ever leaks a secret.

use actix_web::http::Method;
use serde_json::json;
use todo_tests::{PASSWORD, on_each_backend, spawn_app};

on_each_backend! {
    async fn another_user_gets_404_for_every_operation_and_the_todo_is_unchanged(backend) {
        let app = spawn_app(backend).await;
        let (ada, bob) = (app.user_token("ada").await, app.user_token("bob").await);
        let todo = app.create_todo(&ada, json!({ "title": "ada's", "description": "private" })).await.json();
        let path = format!("/todos/{}", todo["id"]);

        let attempts = [
            (Method::GET, None),
            (Method::PATCH, Some(json!({ "title": "bob was here", "completed": true }))),
            (Method::PUT, Some(json!({ "title": "bob was here", "completed": true }))),
            (Method::DELETE, None),
        ];
        for (method, body) in attempts {
            let response = app.request(method.clone(), &path, Some(&bob), body).await;
            assert_eq!(response.status, 404, "{method} by another user");
            assert_eq!(response.json(), json!({ "detail": "Todo not found" }));
        }
        assert_eq!(app.get(&path, Some(&ada)).await.json(), todo, "the todo is unchanged");
    }

    async fn lists_contain_only_the_callers_todos(backend) {
        let app = spawn_app(backend).await;
        let (ada, bob) = (app.user_token("ada").await, app.user_token("bob").await);
        app.new_todo(&ada, "ada 1").await;
        app.new_todo(&bob, "bob 1").await;
        app.new_todo(&ada, "ada 2").await;
        let titles = |list: serde_json::Value| -> Vec<String> {
            list.as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(titles(app.get("/todos/", Some(&ada)).await.json()), ["ada 1", "ada 2"]);
        assert_eq!(titles(app.get("/todos/", Some(&bob)).await.json()), ["bob 1"]);
    }

    async fn no_response_ever_contains_a_password_or_its_hash(backend) {
        let app = spawn_app(backend).await;
        let mut bodies = Vec::new();
        bodies.push(app.register("ada", "ada@example.com", PASSWORD).await.text());
        bodies.push(app.register("ada", "ada@example.com", PASSWORD).await.text());
        bodies.push(app.register("x", "bad", PASSWORD).await.text());
        bodies.push(app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await.text());
        bodies.push(app.log_in(&[("username", "ada"), ("password", "wrong password")]).await.text());
        let token = app.user_token("bob").await;
        bodies.push(app.get("/users/me", Some(&token)).await.text());
        bodies.push(app.create_todo(&token, json!({ "title": "t" })).await.text());
        bodies.push(app.get("/todos/", Some(&token)).await.text());
        for body in bodies {
            for secret in ["$argon2", "password_hash", "hashed_password", PASSWORD, "wrong password"] {
                assert!(!body.contains(secret), "{secret:?} leaked in {body}");
            }
        }
    }
}
