//! Fresh databases for tests, on either backend: a SQLite file in a temporary
//! directory, or a PostgreSQL schema of its own on the server named by the
//! `TEST_POSTGRES_URL` environment variable. Each is removed when dropped.

use sea_orm::{ConnectionTrait, Database};

/// Where the PostgreSQL tests run, e.g. `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An empty database, reachable at [`TestDatabase::url`].
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(#[allow(dead_code)] tempfile::TempDir),
    Schema { server_url: String, schema: String },
}

impl TestDatabase {
    /// A new empty database.
    ///
    /// # Panics
    /// For PostgreSQL, when `TEST_POSTGRES_URL` is not set or the server refuses the
    /// new schema: a test asked to run on PostgreSQL fails rather than pass untried.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let directory = tempfile::tempdir().expect("BUG: no temporary directory");
                let url = format!("sqlite://{}", directory.path().join("test.db").display());
                Self { url, cleanup: Cleanup::Directory(directory) }
            }
            Backend::Postgres => {
                let server_url = std::env::var(POSTGRES_URL_VAR)
                    .ok()
                    .filter(|url| !url.is_empty())
                    .unwrap_or_else(|| panic!("{POSTGRES_URL_VAR} is not set: no PostgreSQL to test on"));
                let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
                let server =
                    Database::connect(&server_url).await.unwrap_or_else(|e| panic!("{server_url}: {e}"));
                server
                    .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                    .await
                    .expect("BUG: CREATE SCHEMA failed");
                server.close().await.ok();
                let separator = if server_url.contains('?') { '&' } else { '?' };
                let url = format!("{server_url}{separator}options[search_path]={schema}");
                Self { url, cleanup: Cleanup::Schema { server_url, schema } }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Schema { server_url, schema } = &self.cleanup else { return };
        let (server_url, schema) = (server_url.clone(), schema.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let server = Database::connect(&server_url).await.ok()?;
                server.execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await.ok()?;
                server.close().await.ok()
            })
        });
        let _ = dropped.join();
    }
}
