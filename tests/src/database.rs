//! What the tests read or change behind the service's back, as an operator would: its outbox,
//! its job queue, its database.

use std::time::Duration;

use todo_adapters_db::{ConnectionTrait, DatabaseOptions, SeaOrmJobStore, connect};
use todo_application::ports::{Job, JobId, JobStore};
use todo_domain::Page;

use crate::TestApp;

impl TestApp {
    /// The files of the attachments' blob directory, however deep.
    pub fn blob_files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() { walk(&path, files) } else { files.push(path) }
            }
        }
        let mut files = Vec::new();
        walk(&self.files.path().join("blobs"), &mut files);
        files
    }

    /// The attachments' blob directory.
    pub fn blob_files_dir(&self) -> std::path::PathBuf {
        self.files.path().join("blobs")
    }

    /// The messages written to the outbox (no SMTP server configured), as text.
    pub fn outbox(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.files.path().join("outbox")) else { return Vec::new() };
        entries.filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok()).collect()
    }

    /// The stored jobs, newest first, read from the database as an operator would.
    pub async fn jobs(&self) -> Vec<Job> {
        let pool = connect(&self.database_options()).await.expect("BUG: the test database is unreachable");
        let store = SeaOrmJobStore::new(&pool, Duration::from_secs(5));
        let jobs = store.list(None, Page::default()).await.expect("BUG: the jobs cannot be listed");
        pool.close().await.expect("BUG: the connection did not close");
        jobs
    }

    /// Queues a failed or dead job again, as `todo-api jobs retry` does.
    pub async fn retry_job(&self, id: JobId) {
        let pool = connect(&self.database_options()).await.expect("BUG: the test database is unreachable");
        let store = SeaOrmJobStore::new(&pool, Duration::from_secs(5));
        store.retry(id, chrono::Utc::now()).await.expect("BUG: the job cannot be retried");
        pool.close().await.expect("BUG: the connection did not close");
    }

    fn database_options(&self) -> DatabaseOptions {
        DatabaseOptions {
            url: self.database.url.clone(),
            max_connections: 2,
            acquire_timeout: Duration::from_secs(5),
            query_timeout: Duration::from_secs(5),
            in_process_reads: false,
            http_threads: 0,
            ping_idle_after: Duration::ZERO,
        }
    }

    /// Where the service's database is, as `sqlite://<file>` or `postgres://...`.
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    /// Runs SQL on the service's database, for what the API cannot do
    /// (deactivating or deleting a user).
    pub async fn execute_sql(&self, sql: &str) {
        let pool = connect(&self.database_options()).await.expect("BUG: the test database is unreachable");
        pool.db().execute_unprepared(sql).await.expect("BUG: the SQL failed");
        pool.close().await.expect("BUG: the connection did not close");
    }
}
