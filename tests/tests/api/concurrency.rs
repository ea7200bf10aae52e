//! Many clients writing at once to the embedded SQLite database.

use futures_util::future::join_all;
use serde_json::json;
use todo_tests::{on_each_backend, spawn_app};

on_each_backend! {
    async fn sixty_four_concurrent_writers_get_no_5xx_and_lose_no_row(backend) {
        let app = spawn_app(backend).await;
        let mut tokens = Vec::new();
        for user in 0..8 {
            tokens.push(app.user_token(&format!("writer{user}")).await);
        }
        let writers = (0..64).map(|writer| {
            let (app, token) = (&app, &tokens[writer % tokens.len()]);
            async move {
                let mut statuses = Vec::new();
                for i in 0..5 {
                    let created = app.create_todo(token, json!({ "title": format!("{writer}-{i}") })).await;
                    statuses.push(created.status);
                    if created.status == 201 {
                        let id = created.json()["id"].clone();
                        let body = json!({ "completed": true });
                        let path = format!("/todos/{id}");
                        statuses.push(
                            app.request(actix_web::http::Method::PATCH, &path, Some(token), Some(body))
                                .await
                                .status,
                        );
                    }
                }
                statuses
            }
        });
        let statuses: Vec<u16> = join_all(writers).await.into_iter().flatten().collect();
        assert_eq!(statuses.len(), 64 * 5 * 2);
        assert!(statuses.iter().all(|status| *status == 201 || *status == 200), "failures: {statuses:?}");

        let mut stored = 0;
        for token in &tokens {
            let list = app.get("/todos/?completed=true&limit=100", Some(token)).await.json();
            stored += list.as_array().unwrap().len();
        }
        assert_eq!(stored, 64 * 5, "every todo was stored and completed");
    }
}
