//! The test harness: [`spawn_app`] starts the real service, exactly as `main`
//! does, on a free port with a fresh database of the given backend, and returns
//! a [`TestApp`] that speaks HTTP to it with one helper per endpoint.
//!
//! [`on_each_backend!`] defines every test twice, on SQLite and on PostgreSQL;
//! the PostgreSQL variants are ignored unless asked for (`--include-ignored`), and
//! then need `TEST_POSTGRES_URL` to name a server.

mod database;
mod openapi;
mod proxy;
mod streams;

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::Method;
use actix_web::http::header::HeaderMap;
use awc::Client;
pub use openapi::ApiDocument;
pub use proxy::TcpProxy;
use serde_json::{Value, json};
pub use streams::{Closed, EventStream, SseMessage, WAIT, WebSocket};
use todo_adapters_db::testing::TestDatabase;
pub use todo_adapters_db::testing::{Backend, POSTGRES_URL_VAR};
use todo_bootstrap::{Application, Settings};

/// The signing secret of every test service, so that tests can forge tokens.
pub const TEST_SECRET: &str = "the secret of the test services, 32 bytes or more";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    client: Client,
    server: ServerHandle,
    /// Shared by the replicas of one test, removed with the last of them.
    database: Arc<TestDatabase>,
    /// The outbox (`outbox/`) and the attachments' blobs (`blobs/`), shared by replicas.
    files: Arc<tempfile::TempDir>,
    settings: Settings,
}

/// Stops the server, then the database is dropped with its files or schema.
impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

/// Defines each test as `<name>::sqlite` and `<name>::postgres`; the body gets
/// the backend and usually starts with `let app = spawn_app(backend).await;`.
#[macro_export]
macro_rules! on_each_backend {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $crate::Backend) $body

            #[actix_web::test]
            async fn sqlite() {
                run($crate::Backend::Sqlite).await;
            }

            #[actix_web::test]
            #[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
            async fn postgres() {
                run($crate::Backend::Postgres).await;
            }
        }
    )*};
}

/// A response, read whole.
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON; panics with the body's text if it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The service with its default configuration on a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// The service with `configure` applied to its settings first.
///
/// # Panics
/// When the backend is not configured or the service does not start.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let database = Arc::new(TestDatabase::create(backend).await);
    let files = Arc::new(tempfile::tempdir().expect("BUG: no temporary directory"));
    let outbox = files.path().join("outbox");
    std::fs::create_dir_all(&outbox).expect("BUG: no outbox directory");
    let mut settings = Settings::defaults().expect("BUG: the defaults do not load");
    settings.mail.outbox_dir = outbox.display().to_string();
    settings.storage.url = format!("file://{}", files.path().join("blobs").display());
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.database.url = database.url.clone();
    settings.database.max_connections = 10;
    settings.auth.secret = TEST_SECRET.into();
    configure(&mut settings);
    start(settings, database, files).await
}

async fn start(settings: Settings, database: Arc<TestDatabase>, files: Arc<tempfile::TempDir>) -> TestApp {
    let application = Application::build(settings.clone()).await.expect("BUG: the service did not start");
    let address = format!("http://127.0.0.1:{}", application.port());
    let server = application.handle();
    actix_web::rt::spawn(application.run_until_stopped());
    let client = Client::builder().timeout(Duration::from_secs(60)).disable_redirects().finish();
    TestApp { address, client, server, database, files, settings }
}

impl TestApp {
    /// A second service process on the same database and settings, as another replica
    /// behind a load balancer would be (PostgreSQL only: one process owns a SQLite file).
    pub async fn spawn_replica(&self) -> TestApp {
        start(self.settings.clone(), self.database.clone(), self.files.clone()).await
    }

    /// Any request; `body` is sent as JSON when given.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut request = self.client.request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        read(response.expect("BUG: the request failed")).await
    }

    /// A request with a raw body and content type, for malformed input.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut request = self.client.request(method, format!("{}{path}", self.address));
        if let Some(content_type) = content_type {
            request = request.content_type(content_type);
        }
        read(request.send_body(body).await.expect("BUG: the request failed")).await
    }

    /// A request with extra headers and a raw body.
    pub async fn send_raw_with_headers(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> TestResponse {
        let mut request = self.client.request(method, format!("{}{path}", self.address));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        read(request.send_body(body).await.expect("BUG: the request failed")).await
    }

    /// A request with extra headers.
    pub async fn request_with_headers(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = self.client.request(method, format!("{}{path}", self.address));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        read(request.send().await.expect("BUG: the request failed")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn register(&self, username: &str, email: &str, password: &str) -> TestResponse {
        let body = json!({ "username": username, "email": email, "password": password });
        self.request(Method::POST, "/auth/register", None, Some(body)).await
    }

    /// `POST /auth/token` with a form, as OAuth2 clients send it.
    pub async fn log_in(&self, form: &[(&str, &str)]) -> TestResponse {
        let request = self.client.post(format!("{}/auth/token", self.address));
        read(request.send_form(&form).await.expect("BUG: the request failed")).await
    }

    /// Registers `username` (e-mail `<username>@example.com`) and returns a token.
    pub async fn user_token(&self, username: &str) -> String {
        let registered = self.register(username, &format!("{username}@example.com"), PASSWORD).await;
        assert_eq!(registered.status, 201, "registering {username}: {}", registered.text());
        let response = self.log_in(&[("username", username), ("password", PASSWORD)]).await;
        assert_eq!(response.status, 200, "logging in {username}: {}", response.text());
        response.json()["access_token"].as_str().expect("BUG: no access_token").to_owned()
    }

    /// Registers `username`, makes them a superuser (as `todo-api users create-superuser
    /// --promote` would) and returns a token with every scope they may have.
    pub async fn superuser_token(&self, username: &str) -> String {
        self.user_token(username).await;
        self.execute_sql(&format!("UPDATE users SET is_superuser = true WHERE username = '{username}'"))
            .await;
        let response = self.log_in(&[("username", username), ("password", PASSWORD)]).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let tokens = response.json();
        assert_eq!(tokens["scope"], "todos:read todos:write admin");
        tokens["access_token"].as_str().expect("BUG: no access_token").to_owned()
    }

    /// Deactivates `username` as an administrator would (`PATCH /admin/users/{id}`), through
    /// a superuser made for the purpose. The service learns of it at once; a change made behind
    /// its back in SQL reaches a cached principal only when the cache entry expires.
    pub async fn deactivate(&self, username: &str) {
        let root = self.superuser_token(&format!("root-of-{username}")).await;
        let users = self.get("/admin/users?limit=100", Some(&root)).await.json();
        let id =
            users.as_array().expect("BUG: no user list").iter().find(|user| user["username"] == username);
        let id = id.expect("BUG: no such user")["id"].as_i64().expect("BUG: no id");
        let body = json!({ "is_active": false });
        let response =
            self.request(Method::PATCH, &format!("/admin/users/{id}"), Some(&root), Some(body)).await;
        assert_eq!(response.status, 200, "deactivating {username}: {}", response.text());
    }

    pub async fn create_todo(&self, token: &str, body: Value) -> TestResponse {
        self.request(Method::POST, "/todos/", Some(token), Some(body)).await
    }

    /// Creates a todo that must succeed and returns it.
    pub async fn new_todo(&self, token: &str, title: &str) -> Value {
        let response = self.create_todo(token, json!({ "title": title })).await;
        assert_eq!(response.status, 201, "creating {title}: {}", response.text());
        response.json()
    }
}

async fn read(mut response: awc::ClientResponse) -> TestResponse {
    let body = response.body().limit(16 * 1024 * 1024).await.expect("BUG: the body could not be read");
    TestResponse {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: body.to_vec(),
    }
}
