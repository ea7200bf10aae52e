use actix_web::http::Method;
use serde_json::json;
use todo_tests::{on_each_backend, spawn_app, spawn_app_with};

on_each_backend! {
    async fn a_body_over_one_mebibyte_is_refused_with_413(backend) {
        let app = spawn_app(backend).await;
        let token = app.user_token("ada").await;
        let huge = json!({ "title": "x", "description": "d".repeat(1024 * 1024) });
        let response = app.request(Method::POST, "/todos/", Some(&token), Some(huge)).await;
        assert_eq!(response.status, 413);
        assert_eq!(
            response.json(),
            json!({ "detail": "Request body is larger than the limit of 1048576 bytes" })
        );
        assert_eq!(app.get("/todos/", Some(&token)).await.json(), json!([]), "nothing was stored");
    }

    async fn the_body_limit_is_configurable_and_applies_to_forms_too(backend) {
        let app = spawn_app_with(backend, |settings| settings.server.body_limit_bytes = 64).await;
        let password = "p".repeat(80);
        let response = app.log_in(&[("username", "ada"), ("password", &password)]).await;
        assert_eq!(response.status, 413);
        assert_eq!(app.log_in(&[("username", "ada"), ("password", "short")]).await.status, 401);
    }

    async fn a_streamed_body_without_a_length_is_cut_off_at_the_limit(backend) {
        let app = spawn_app_with(backend, |settings| settings.server.body_limit_bytes = 1024).await;
        let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(actix_web::web::Bytes::from(vec![b' '; 64])));
        let response = awc::Client::new()
            .post(format!("{}/auth/register", app.address))
            .content_type("application/json")
            .send_stream(futures_util::stream::iter(chunks))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 413);
    }
}
