//! Another process holds the embedded database's write lock (a `sqlite3` shell in the
//! middle of a transaction, a backup tool): writes must answer 503 once the deadline has
//! passed, never hang, while reads go on answering 200 (WAL), and all must recover by
//! itself when the lock is released.

use std::time::{Duration, Instant};

use serde_json::json;
use todo_tests::{ApiDocument, Backend, spawn_app_with};

async fn writes_answer_503_within_the_deadline_while_reads_answer_200(in_process_reads: bool) {
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        settings.database.acquire_timeout_ms = 300;
        settings.database.query_timeout_ms = 600;
        settings.database.sqlite_in_process_reads = in_process_reads;
    })
    .await;
    let token = app.user_token("ada").await;
    app.new_todo(&token, "before the lock").await;
    let file = app.database_url().strip_prefix("sqlite://").expect("a SQLite file");
    let holder = rusqlite::Connection::open(file).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();

    let document = ApiDocument::committed();
    for attempt in 0..3 {
        let started = Instant::now();
        let refused = app.create_todo(&token, json!({ "title": "during the lock" })).await;
        let waited = started.elapsed();
        assert_eq!(refused.status, 503, "attempt {attempt}: {}", refused.text());
        assert_eq!(refused.json(), json!({ "detail": "Service temporarily unavailable" }));
        assert_eq!(refused.header("retry-after"), Some("1"));
        document.check("POST", "/todos/", &refused);
        assert!(waited >= Duration::from_millis(300), "attempt {attempt} gave up after {waited:?}");
        assert!(waited < Duration::from_secs(3), "attempt {attempt} answered after {waited:?}");

        let started = Instant::now();
        let list = app.get("/todos/", Some(&token)).await;
        assert_eq!(list.status, 200, "{}", list.text());
        assert_eq!(list.json().as_array().map(Vec::len), Some(1));
        assert!(started.elapsed() < Duration::from_millis(300), "a read waited {:?}", started.elapsed());
    }
    assert_eq!(app.get("/health/ready", None).await.status, 200, "reads answer, so the service is ready");

    holder.execute_batch("ROLLBACK").unwrap();
    let created = app.create_todo(&token, json!({ "title": "after the lock" })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(app.get("/todos/", Some(&token)).await.json().as_array().map(Vec::len), Some(2));
}

#[actix_web::test]
async fn while_another_process_holds_the_write_lock_writes_get_503_and_in_process_reads_200() {
    writes_answer_503_within_the_deadline_while_reads_answer_200(true).await;
}

#[actix_web::test]
async fn while_another_process_holds_the_write_lock_writes_get_503_and_sqlx_reads_200() {
    writes_answer_503_within_the_deadline_while_reads_answer_200(false).await;
}
