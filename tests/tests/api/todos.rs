use actix_web::http::Method;
use serde_json::{Value, json};
use todo_tests::{TestApp, on_each_backend, spawn_app};

async fn patch(app: &TestApp, token: &str, id: &Value, body: Value) -> todo_tests::TestResponse {
    app.request(Method::PATCH, &format!("/todos/{id}"), Some(token), Some(body)).await
}

async fn put(app: &TestApp, token: &str, id: &Value, body: Value) -> todo_tests::TestResponse {
    app.request(Method::PUT, &format!("/todos/{id}"), Some(token), Some(body)).await
}

on_each_backend! {
    async fn create_todo_returns_201_and_the_whole_todo(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let me = app.get("/users/me", Some(&token)).await.json();
        let response = app.create_todo(&token, json!({ "title": "Buy milk", "description": "2 litres" })).await;
        assert_eq!(response.status, 201);
        let todo = response.json();
        assert!(todo["id"].as_i64().unwrap() > 0);
        assert_eq!(todo["title"], "Buy milk");
        assert_eq!(todo["description"], "2 litres");
        assert_eq!(todo["completed"], false);
        assert_eq!(todo["updated_at"], Value::Null);
        assert_eq!(todo["user_id"], me["id"]);
        let created_at = todo["created_at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(created_at).is_ok() && created_at.ends_with('Z'),
            "{created_at}"
        );
        assert_eq!(todo.as_object().unwrap().len(), 7);
    }

    async fn a_todo_without_description_has_null_and_unknown_fields_are_ignored(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.create_todo(&token, json!({ "title": "x", "completed": true, "owner": 99 })).await.json();
        assert_eq!(todo["description"], Value::Null);
        assert_eq!(todo["completed"], false, "completed is not part of TodoCreate");
    }

    async fn the_collection_answers_with_and_without_a_trailing_slash(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let created = app.request(Method::POST, "/todos", Some(&token), Some(json!({ "title": "a" }))).await;
        assert_eq!(created.status, 201, "POST /todos");
        for path in ["/todos", "/todos/"] {
            let response = app.get(path, Some(&token)).await;
            assert_eq!(response.status, 200, "GET {path}");
            assert_eq!(response.json().as_array().unwrap().len(), 1);
        }
    }

    async fn list_is_in_id_order_and_honours_skip_limit_and_completed(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let mut ids = Vec::new();
        for i in 0..7 {
            let todo = app.new_todo(&token, &format!("todo {i}")).await;
            if i % 2 == 1 {
                assert_eq!(patch(&app, &token, &todo["id"], json!({ "completed": true })).await.status, 200);
            }
            ids.push(todo["id"].clone());
        }
        let listed = |response: todo_tests::TestResponse| -> Vec<Value> {
            assert_eq!(response.status, 200, "{}", response.text());
            response.json().as_array().unwrap().iter().map(|t| t["id"].clone()).collect()
        };
        assert_eq!(listed(app.get("/todos/", Some(&token)).await), ids);
        assert_eq!(listed(app.get("/todos/?skip=2&limit=3", Some(&token)).await), ids[2..5]);
        assert_eq!(listed(app.get("/todos/?skip=100", Some(&token)).await), Vec::<Value>::new());
        let done = listed(app.get("/todos/?completed=true", Some(&token)).await);
        assert_eq!(done, [ids[1].clone(), ids[3].clone(), ids[5].clone()]);
        let open = listed(app.get("/todos/?completed=False&limit=2", Some(&token)).await);
        assert_eq!(open, [ids[0].clone(), ids[2].clone()]);
    }

    async fn list_returns_at_most_100_by_default(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        for i in 0..101 {
            app.new_todo(&token, &format!("todo {i}")).await;
        }
        assert_eq!(app.get("/todos/", Some(&token)).await.json().as_array().unwrap().len(), 100);
        assert_eq!(app.get("/todos/?skip=100", Some(&token)).await.json().as_array().unwrap().len(), 1);
    }

    async fn get_returns_the_todo_and_404_for_a_missing_one(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "read me").await;
        let response = app.get(&format!("/todos/{}", todo["id"]), Some(&token)).await;
        assert_eq!((response.status, response.json()), (200, todo));
        for missing in ["999999", "9223372036854775807", "9223372036854775808", "99999999999999999999999"] {
            let response = app.get(&format!("/todos/{missing}"), Some(&token)).await;
            assert_eq!(response.status, 404, "{missing}");
            assert_eq!(response.json(), json!({ "detail": "Todo not found" }));
        }
    }

    async fn patch_changes_only_the_fields_present_and_sets_updated_at(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.create_todo(&token, json!({ "title": "draft", "description": "notes" })).await.json();

        let completed = patch(&app, &token, &todo["id"], json!({ "completed": true })).await;
        assert_eq!(completed.status, 200);
        let completed = completed.json();
        assert_eq!(
            (&completed["title"], &completed["description"], &completed["completed"]),
            (&json!("draft"), &json!("notes"), &json!(true))
        );
        assert!(completed["updated_at"].as_str().unwrap() >= todo["created_at"].as_str().unwrap());
        assert_eq!(completed["created_at"], todo["created_at"]);

        let cleared =
            patch(&app, &token, &todo["id"], json!({ "description": null, "title": "final" })).await.json();
        assert_eq!(
            (&cleared["title"], &cleared["description"], &cleared["completed"]),
            (&json!("final"), &Value::Null, &json!(true))
        );

        let untouched = patch(&app, &token, &todo["id"], json!({})).await.json();
        assert_eq!((&untouched["title"], &untouched["completed"]), (&json!("final"), &json!(true)));
        assert_eq!(app.get(&format!("/todos/{}", todo["id"]), Some(&token)).await.json(), untouched);
    }

    async fn patch_refuses_null_for_title_and_completed_and_changes_nothing(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "keep me").await;
        let response = patch(&app, &token, &todo["id"], json!({ "title": null, "completed": null })).await;
        assert_eq!(response.status, 422);
        let detail = response.json()["detail"].clone();
        assert_eq!(detail[0]["loc"], json!(["body", "title"]));
        assert_eq!(detail[0]["type"], "string_type");
        assert_eq!(detail[1]["loc"], json!(["body", "completed"]));
        assert_eq!(detail[1]["type"], "bool_type");
        assert_eq!(app.get(&format!("/todos/{}", todo["id"]), Some(&token)).await.json(), todo);
    }

    async fn put_replaces_every_field_and_clears_an_absent_description(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.create_todo(&token, json!({ "title": "old", "description": "old notes" })).await.json();
        let replaced = put(&app, &token, &todo["id"], json!({ "title": "new", "completed": true })).await;
        assert_eq!(replaced.status, 200);
        let replaced = replaced.json();
        assert_eq!(
            (&replaced["title"], &replaced["description"], &replaced["completed"]),
            (&json!("new"), &Value::Null, &json!(true))
        );
        assert!(replaced["updated_at"].is_string());
        assert_eq!(replaced["id"], todo["id"]);
    }

    async fn put_requires_title_and_completed(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "x").await;
        let response = put(&app, &token, &todo["id"], json!({ "description": "only this" })).await;
        assert_eq!(response.status, 422);
        let locs: Vec<_> =
            response.json()["detail"].as_array().unwrap().iter().map(|e| e["loc"].clone()).collect();
        assert_eq!(locs, [json!(["body", "title"]), json!(["body", "completed"])]);
    }

    async fn delete_answers_204_with_no_body_and_then_404(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "bye").await;
        let path = format!("/todos/{}", todo["id"]);
        let deleted = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(deleted.status, 204);
        assert!(deleted.body.is_empty());
        assert_eq!(app.get(&path, Some(&token)).await.status, 404);
        let again = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!((again.status, again.json()), (404, json!({ "detail": "Todo not found" })));
    }

    async fn every_todo_endpoint_requires_authentication(backend) {
        let app = spawn_app(backend).await;
        let cases = [
            (Method::POST, "/todos/"),
            (Method::GET, "/todos/"),
            (Method::GET, "/todos/1"),
            (Method::PATCH, "/todos/1"),
            (Method::PUT, "/todos/1"),
            (Method::DELETE, "/todos/1"),
        ];
        for (method, path) in cases {
            let response = app.request(method.clone(), path, None, Some(json!({ "title": "" }))).await;
            assert_eq!(response.status, 401, "{method} {path}: authentication answers before validation");
            assert_eq!(response.header("www-authenticate"), Some("Bearer"));
        }
    }
}
