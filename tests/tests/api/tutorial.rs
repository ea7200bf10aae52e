//! The FastAPI tutorial's own test scenarios (its tests/test_todos.py), step by
//! step, over HTTP against this service.

use serde_json::json;
use todo_tests::{TestApp, on_each_backend, spawn_app};

async fn register_testuser(app: &TestApp) -> todo_tests::TestResponse {
    app.register("testuser", "test@example.com", "securepassword123").await
}

async fn testuser_token(app: &TestApp) -> String {
    register_testuser(app).await;
    let login = app.log_in(&[("username", "testuser"), ("password", "securepassword123")]).await;
    login.json()["access_token"].as_str().unwrap().to_owned()
}

on_each_backend! {
    async fn tutorial_test_register_user(backend) {
        let app = spawn_app(backend).await;
        let response = register_testuser(&app).await;
        assert_eq!(response.status, 201);
        let data = response.json();
        assert_eq!(data["username"], "testuser");
        assert_eq!(data["email"], "test@example.com");
        assert!(data.get("id").is_some());
    }

    async fn tutorial_test_login_user(backend) {
        let app = spawn_app(backend).await;
        register_testuser(&app).await;
        let response = app.log_in(&[("username", "testuser"), ("password", "securepassword123")]).await;
        assert_eq!(response.status, 200);
        let data = response.json();
        assert!(data.get("access_token").is_some());
        assert_eq!(data["token_type"], "bearer");
    }

    async fn tutorial_test_create_todo(backend) {
        let app = spawn_app(backend).await;
        let token = testuser_token(&app).await;
        let response =
            app.create_todo(&token, json!({ "title": "Test todo", "description": "A test todo" })).await;
        assert_eq!(response.status, 201);
        let data = response.json();
        assert_eq!(data["title"], "Test todo");
        assert_eq!(data["completed"], false);
    }

    async fn tutorial_test_get_todos(backend) {
        let app = spawn_app(backend).await;
        let token = testuser_token(&app).await;
        app.create_todo(&token, json!({ "title": "Test todo" })).await;
        let response = app.get("/todos/", Some(&token)).await;
        assert_eq!(response.status, 200);
        let data = response.json();
        assert_eq!(data.as_array().unwrap().len(), 1);
        assert_eq!(data[0]["title"], "Test todo");
    }

    async fn tutorial_test_unauthorized_access(backend) {
        let app = spawn_app(backend).await;
        assert_eq!(app.get("/todos/", None).await.status, 401);
    }
}
