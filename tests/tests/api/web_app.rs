//! `GET /app/`: the web app's files, embedded in the binary, each with its strict
//! Content-Security-Policy and validators; nothing else under `/app/`; and the e-mail's reset
//! link sent on to the app's form. (The app itself is tested in Chromium: tests/browser.)

use actix_web::http::Method;
use todo_tests::{Backend, spawn_app};

#[actix_web::test]
async fn the_page_is_served_with_its_policy_and_validators() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get("/app/", None).await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(page.header("content-type"), Some("text/html"));
    let policy = page.header("content-security-policy").unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert!(page.text().contains(r#"<script type="module" src="js/main.js"></script>"#));

    let etag = page.header("etag").unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 34, "a strong tag from the file's hash: {etag}");
    let cached = app.request_with_headers(Method::GET, "/app/", &[("If-None-Match", &etag)]).await;
    assert_eq!(cached.status, 304);
    assert!(cached.text().is_empty());
    assert_eq!(cached.header("etag"), Some(etag.as_str()));

    let head = app.request(Method::HEAD, "/app/index.html", None, None).await;
    assert_eq!((head.status, head.header("etag")), (200, Some(etag.as_str())));
    let posted = app.request(Method::POST, "/app/", None, None).await;
    assert_eq!(posted.status, 405);
}

#[actix_web::test]
async fn scripts_and_styles_have_their_types() {
    let app = spawn_app(Backend::Sqlite).await;
    for (path, kind) in [
        ("/app/js/main.js", "text/javascript"),
        ("/app/js/views/todos.js", "text/javascript"),
        ("/app/app.css", "text/css"),
        ("/app/icon.svg", "image/svg+xml"),
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some(kind), "{path}");
        assert!(response.header("content-security-policy").is_some(), "{path}");
    }
}

#[actix_web::test]
async fn the_pages_need_no_inline_script_or_style() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get("/app/", None).await.text();
    // Every script has a source; no element carries a style or an event handler attribute.
    assert_eq!(page.matches("<script").count(), page.matches("<script type=\"module\" src=").count());
    for attribute in [" style=", " onclick=", " onload=", " onerror=", "javascript:"] {
        assert!(!page.contains(attribute), "{attribute} in the page");
    }
    // The scripts build the page from values, never from markup.
    for path in [
        "/app/js/main.js",
        "/app/js/dom.js",
        "/app/js/views/todos.js",
        "/app/js/views/todo.js",
        "/app/js/views/attachments.js",
    ] {
        let script = app.get(path, None).await.text();
        assert!(!script.contains("innerHTML") && !script.contains("insertAdjacentHTML"), "{path}");
    }
}

#[actix_web::test]
async fn nothing_else_is_served_under_app() {
    let app = spawn_app(Backend::Sqlite).await;
    let mount = app.get("/app", None).await;
    assert_eq!((mount.status, mount.header("location")), (308, Some("/app/")));
    for path in [
        "/app/missing.js",
        "/app/js/",
        "/app/../Cargo.toml",
        "/app/%2e%2e/Cargo.toml",
        "/app/js//main.js",
        "/app/.hidden",
        "/app/js\\main.js",
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.json(), serde_json::json!({ "detail": "Not Found" }), "{path}");
    }
    // The tutorial's welcome stays where it was.
    assert_eq!(app.get("/", None).await.json(), serde_json::json!({ "message": "Welcome to TODO API" }));
}

#[actix_web::test]
async fn the_reset_link_opens_the_apps_form_with_the_token_in_the_fragment() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get("/reset-password?token=Abc-_123", None).await;
    assert_eq!(response.status, 303);
    assert_eq!(response.header("location"), Some("/app/#/reset-password?token=Abc-_123"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
}
