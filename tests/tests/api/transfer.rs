//! `GET /todos/export` and `POST /todos/import`.

use actix_web::http::Method;
use serde_json::{Value, json};
use todo_tests::{TestApp, TestResponse, on_each_backend, spawn_app};

async fn import(app: &TestApp, token: &str, content_type: &str, body: impl Into<Vec<u8>>) -> TestResponse {
    let bearer = format!("Bearer {token}");
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", content_type)];
    app.send_raw_with_headers(Method::POST, "/todos/import", &headers, body.into()).await
}

async fn export(app: &TestApp, token: &str, query: &str) -> TestResponse {
    app.get(&format!("/todos/export{query}"), Some(token)).await
}

fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

on_each_backend! {
    async fn an_import_creates_every_line_and_the_export_gives_them_back(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let body = format!(
            "{}\n\r\n   \n{}",
            json!({ "title": "Buy milk", "description": "2 litres" }),
            json!({ "title": "Say \"hi\", then leave", "completed": true, "unknown": 1 })
        );
        let imported = import(&app, &token, "application/x-ndjson", body).await;
        assert_eq!(imported.status, 201, "{}", imported.text());
        assert_eq!(imported.json(), json!({ "created": 2 }));
        let listed = app.get("/todos/", Some(&token)).await.json();
        assert_eq!(listed[0]["description"], "2 litres");
        assert_eq!((listed[0]["completed"].clone(), listed[1]["completed"].clone()), (json!(false), json!(true)));

        let exported = export(&app, &token, "").await;
        assert_eq!(exported.status, 200);
        assert_eq!(exported.header("content-type"), Some("application/x-ndjson"));
        assert_eq!(exported.header("content-disposition"), Some("attachment; filename=\"todos.ndjson\""));
        let lines: Vec<Value> = exported.text().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(Value::from(lines), listed, "the export is the list, line by line");
        let done = export(&app, &token, "?completed=true").await.text();
        assert_eq!(done.lines().count(), 1, "{done}");

        let csv = export(&app, &token, "?format=csv").await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(csv.header("content-disposition"), Some("attachment; filename=\"todos.csv\""));
        let text = csv.text();
        let rows: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(rows[0], "id,title,description,completed,created_at,updated_at");
        let (first, second) = (&listed[0], &listed[1]);
        assert_eq!(rows[1], format!("{},Buy milk,2 litres,false,{},", first["id"], first["created_at"].as_str().unwrap()));
        assert_eq!(rows[2], format!("{},\"Say \"\"hi\"\", then leave\",,true,{},", second["id"], second["created_at"].as_str().unwrap()));
        assert_eq!(rows[3], "", "every record ends with CRLF");
        assert_eq!(rows.len(), 4);
    }

    async fn an_export_holds_only_the_callers_todos_across_many_pages(backend) {
        let app = spawn_app(backend).await;
        let (ada, bob) = (app.user_token("ada").await, app.user_token("bob").await);
        let lines: Vec<Value> = (0..1203).map(|i| json!({ "title": format!("todo {i}"), "completed": i % 3 == 0 })).collect();
        assert_eq!(import(&app, &ada, "application/x-ndjson", ndjson(&lines)).await.status, 201);
        app.new_todo(&bob, "bob's").await;
        let exported = export(&app, &ada, "").await.text();
        let ids: Vec<i64> = exported.lines().map(|line| serde_json::from_str::<Value>(line).unwrap()["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.len(), 1203);
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "ids ascend, none twice");
        assert!(!exported.contains("bob's"));
        let done = export(&app, &ada, "?completed=true&format=csv").await.text();
        assert_eq!(done.split("\r\n").filter(|row| !row.is_empty()).count(), 1 + 401);
        let empty = export(&app, &app.user_token("cyd").await, "?format=csv").await;
        assert_eq!(empty.text(), "id,title,description,completed,created_at,updated_at\r\n");
    }

    async fn an_unknown_export_format_is_422(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let response = export(&app, &token, "?format=xml").await;
        assert_eq!(response.status, 422);
        assert_eq!(response.json()["detail"][0]["loc"], json!(["query", "format"]));
        assert_eq!(response.json()["detail"][0]["type"], "literal_error");
        assert_eq!(response.json()["detail"][0]["msg"], "Input should be 'ndjson' or 'csv'");
    }

    async fn any_bad_line_is_reported_with_its_number_and_nothing_is_created(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let body = format!(
            "{}\n{}\n\n{{\"title\": \n[1, 2]\n{}\n{}\n",
            json!({ "title": "fine" }),
            json!({ "description": "no title" }),
            json!({ "title": "   ", "completed": "maybe" }),
            json!({ "title": "x".repeat(201) }),
        );
        let response = import(&app, &token, "application/x-ndjson", body).await;
        assert_eq!(response.status, 422, "{}", response.text());
        let locs: Vec<Value> = response.json()["detail"].as_array().unwrap().iter().map(|v| v["loc"].clone()).collect();
        assert_eq!(
            locs,
            [
                json!(["body", 2, "title"]),
                json!(["body", 4]),
                json!(["body", 5]),
                json!(["body", 6, "title"]),
                json!(["body", 6, "completed"]),
                json!(["body", 7, "title"]),
            ]
        );
        let types: Vec<Value> = response.json()["detail"].as_array().unwrap().iter().map(|v| v["type"].clone()).collect();
        assert_eq!(types[..3], [json!("missing"), json!("json_invalid"), json!("model_attributes_type")]);
        assert_eq!(app.get("/todos/", Some(&token)).await.json(), json!([]), "all or nothing");
    }

    async fn an_import_refuses_another_media_type_an_empty_body_and_too_much(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let line = json!({ "title": "a" }).to_string();
        let wrong = import(&app, &token, "application/json", line.clone()).await;
        assert_eq!(wrong.status, 422);
        assert_eq!(wrong.json()["detail"][0]["loc"], json!(["header", "content-type"]));
        for empty in ["", "\n \n"] {
            let response = import(&app, &token, "application/x-ndjson", empty).await;
            assert_eq!(response.status, 422, "{empty:?}");
            assert_eq!(response.json()["detail"][0]["type"], "missing");
        }
        let many = format!("{line}\n").repeat(10_001);
        let response = import(&app, &token, "application/x-ndjson", many).await;
        assert_eq!(response.status, 413);
        assert_eq!(response.json(), json!({ "detail": "An import holds at most 10000 todos" }));
        let exactly = format!("{line}\n").repeat(10_000);
        let response = import(&app, &token, "application/x-ndjson", exactly).await;
        assert_eq!(response.json(), json!({ "created": 10000 }));
        // A line past 128 KiB is reported, not parsed; the lines around it still are.
        let long = format!("{}\n[{}0]\n{}\n", json!({ "title": "" }), "0,".repeat(70_000), json!({ "title": "" }));
        let response = import(&app, &token, "application/x-ndjson", long).await;
        assert_eq!(response.status, 422);
        let detail = response.json()["detail"].clone();
        assert_eq!(detail[1]["loc"], json!(["body", 2]));
        assert_eq!(detail[1]["msg"], "Value error, a line holds at most 131072 bytes");
        assert_eq!((detail[0]["loc"].clone(), detail[2]["loc"].clone()), (json!(["body", 1, "title"]), json!(["body", 3, "title"])));
        let big = format!("{}\n", json!({ "title": "a", "description": "d".repeat(9_000) })).repeat(1200);
        assert!(big.len() > 10 * 1024 * 1024);
        assert_eq!(import(&app, &token, "application/x-ndjson", big).await.status, 413);
    }
}
