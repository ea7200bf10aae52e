//! `GET /static/...` from `APP_SERVER__STATIC_DIR`: files with their validators, and nothing
//! else, whatever the path says. Paths go over a raw socket, exactly as written, so that no
//! client normalises the `..` away before the service sees it.

use todo_tests::{TestApp, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The files served, and beside them a secret that must never be.
struct Layout {
    _root: tempfile::TempDir,
    app: TestApp,
}

async fn serve_static() -> Layout {
    let root = tempfile::tempdir().unwrap();
    let public = root.path().join("public");
    std::fs::create_dir_all(public.join("css")).unwrap();
    std::fs::write(public.join("hello.txt"), "hello, static world\n").unwrap();
    std::fs::write(public.join("css").join("site.css"), "body { margin: 0 }\n").unwrap();
    std::fs::write(public.join(".env"), "SECRET=1\n").unwrap();
    std::fs::write(root.path().join("secret.txt"), "SECRET outside\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.path().join("secret.txt"), public.join("link.txt")).unwrap();
    let dir = public.display().to_string();
    let app =
        spawn_app_with(todo_tests::Backend::Sqlite, |settings| settings.server.static_dir = Some(dir)).await;
    Layout { _root: root, app }
}

/// The status line and the whole answer of a GET of `path`, sent byte for byte.
async fn raw_get(app: &TestApp, path: &str) -> (u16, String) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, answer)
}

#[actix_web::test]
async fn files_are_served_with_their_type_validators_and_ranges() {
    let layout = serve_static().await; // held: its directory lives as long as it
    let app = &layout.app;
    let response = app.get("/static/hello.txt", None).await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.text(), "hello, static world\n");
    assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert!(response.header("last-modified").is_some());
    let etag = response.header("etag").unwrap().to_owned();

    let cached = app
        .request_with_headers(actix_web::http::Method::GET, "/static/hello.txt", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(cached.status, 304);
    let range = app
        .request_with_headers(actix_web::http::Method::GET, "/static/hello.txt", &[("Range", "bytes=0-4")])
        .await;
    assert_eq!(range.status, 206);
    assert_eq!(range.text(), "hello");
    assert_eq!(range.header("content-range"), Some("bytes 0-4/20"));
    let nested = app.get("/static/css/site.css", None).await;
    assert_eq!((nested.status, nested.header("content-type")), (200, Some("text/css; charset=utf-8")));
}

#[actix_web::test]
async fn nothing_outside_the_directory_nor_any_listing_is_served() {
    let layout = serve_static().await; // held: its directory lives as long as it
    let app = &layout.app;
    let (status, answer) = raw_get(app, "/static/hello.txt").await;
    assert_eq!(status, 200, "the raw client reaches a file that is there: {answer}");
    for path in [
        "/static/",
        "/static/css",
        "/static/css/",
        "/static/../secret.txt",
        "/static/css/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/css%2f..%2f..%2fsecret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/./hello.txt",
        "/static//hello.txt",
        "/static/.env",
        "/static/link.txt",
        "/static/missing.txt",
        "/static/hello.txt%00.css",
    ] {
        let (status, answer) = raw_get(app, path).await;
        assert_eq!(status, 404, "{path}: {answer}");
        assert!(!answer.contains("SECRET"), "{path}: {answer}");
        assert!(answer.ends_with(r#"{"detail":"Not Found"}"#), "{path}: {answer}");
    }
}

#[actix_web::test]
async fn without_a_directory_there_is_no_static_route() {
    let app = todo_tests::spawn_app(todo_tests::Backend::Sqlite).await;
    for path in ["/static/hello.txt", "/static/"] {
        assert_eq!(app.get(path, None).await.status, 404, "{path}");
    }
}
