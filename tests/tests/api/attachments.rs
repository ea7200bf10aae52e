//! Attachments over real HTTP: multipart uploads streamed to storage, downloads with their
//! headers, ranges and tags, the limits, and the blobs' removal with what owned them.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::{Value, json};
use sha2::Digest;
use todo_tests::{TestApp, TestResponse, on_each_backend, spawn_app_with};

const BOUNDARY: &str = "----todo-test-boundary";

/// One part of a form: its name, file name, content type and bytes.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// A `multipart/form-data` body.
fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes());
        if let Some(filename) = filename {
            body.extend(format!("; filename=\"{filename}\"").bytes());
        }
        body.extend(b"\r\n");
        if let Some(content_type) = content_type {
            body.extend(format!("Content-Type: {content_type}\r\n").bytes());
        }
        body.extend(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

async fn upload_body(app: &TestApp, token: &str, todo: &Value, body: Vec<u8>) -> TestResponse {
    let bearer = format!("Bearer {token}");
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", content_type.as_str())];
    app.send_raw_with_headers(Method::POST, &format!("/todos/{todo}/attachments"), &headers, body).await
}

async fn upload(app: &TestApp, token: &str, todo: &Value, name: &str, bytes: &[u8]) -> TestResponse {
    upload_body(app, token, todo, multipart(&[("file", Some(name), Some("text/plain"), bytes)])).await
}

async fn get(app: &TestApp, token: &str, path: &str, headers: &[(&str, &str)]) -> TestResponse {
    let bearer = format!("Bearer {token}");
    let mut all = vec![("Authorization", bearer.as_str())];
    all.extend_from_slice(headers);
    app.request_with_headers(Method::GET, path, &all).await
}

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Waits, with a deadline, until the sweeper has removed every blob but `left`.
async fn blobs_become(app: &TestApp, left: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.blob_files().len() != left {
        assert!(Instant::now() < deadline, "blobs left: {:?}", app.blob_files());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn spawn(backend: todo_tests::Backend) -> TestApp {
    spawn_app_with(backend, |settings| {
        settings.storage.max_file_bytes = 4096;
        settings.storage.quota_bytes = 10_000;
        settings.storage.sweep_every_seconds = 1;
    })
    .await
}

on_each_backend! {
    async fn an_upload_is_listed_and_downloaded_with_safe_headers_ranges_and_its_tag(backend) {
        let app = spawn(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "with a file").await["id"].clone();
        let bytes = b"hello, attachments\n";
        let created = upload(&app, &token, &todo, "../../etc/r\u{e9}sum\u{e9} 1.txt", bytes).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let attachment = created.json();
        assert_eq!(attachment["filename"], "r\u{e9}sum\u{e9} 1.txt");
        assert_eq!(attachment["content_type"], "text/plain");
        assert_eq!(attachment["size"], bytes.len());
        assert_eq!(attachment["sha256"], sha256(bytes));
        assert_eq!(attachment["todo_id"], todo);
        let listed = get(&app, &token, &format!("/todos/{todo}/attachments"), &[]).await;
        assert_eq!(listed.json(), json!([attachment]));

        let path = format!("/todos/{todo}/attachments/{}/content", attachment["id"]);
        let download = get(&app, &token, &path, &[]).await;
        assert_eq!(download.status, 200);
        assert_eq!(download.body, bytes);
        assert_eq!(download.header("content-type"), Some("text/plain"));
        assert_eq!(
            download.header("content-disposition"),
            Some("attachment; filename=\"r_sum_ 1.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.txt")
        );
        assert_eq!(download.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(download.header("content-security-policy"), Some("default-src 'none'; sandbox"));
        assert_eq!(download.header("accept-ranges"), Some("bytes"));
        let tag = format!("\"{}\"", sha256(bytes));
        assert_eq!(download.header("etag"), Some(tag.as_str()));

        let cached = get(&app, &token, &path, &[("If-None-Match", &tag)]).await;
        assert_eq!((cached.status, cached.body.len()), (304, 0));
        let part = get(&app, &token, &path, &[("Range", "bytes=7-17")]).await;
        assert_eq!(part.status, 206);
        assert_eq!(part.body, b"attachments");
        assert_eq!(part.header("content-range"), Some("bytes 7-17/19"));
        let tail = get(&app, &token, &path, &[("Range", "bytes=-3")]).await;
        assert_eq!((tail.status, tail.body.as_slice()), (206, b"ts\n".as_slice()));
        let outside = get(&app, &token, &path, &[("Range", "bytes=19-")]).await;
        assert_eq!(outside.status, 416);
        assert_eq!(outside.header("content-range"), Some("bytes */19"));
    }

    async fn uploads_past_a_limit_are_refused_with_their_status(backend) {
        let app = spawn(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "t").await["id"].clone();
        let big = upload(&app, &token, &todo, "big.bin", &[7; 4097]).await;
        assert_eq!(big.status, 413, "{}", big.text());
        // Parts other than the file count against the limit too, whether the body's length is
        // declared or not.
        let padded = multipart(&[("other", None, None, &[b'x'; 70_000]), ("file", Some("a.txt"), None, b"a")]);
        assert_eq!(upload_body(&app, &token, &todo, padded.clone()).await.status, 413);
        assert_eq!(chunked_upload_status(&app, &token, &todo, &padded).await, 413);
        let big = multipart(&[("file", Some("big.bin"), None, &[7; 5000])]);
        assert_eq!(chunked_upload_status(&app, &token, &todo, &big).await, 413);
        let fits = multipart(&[("other", None, None, b"x"), ("file", Some("small.bin"), None, &[7; 100])]);
        assert_eq!(chunked_upload_status(&app, &token, &todo, &fits).await, 201);
        let missing = upload_body(&app, &token, &todo, multipart(&[("other", None, None, b"x")])).await;
        assert_eq!(missing.status, 422);
        assert_eq!(missing.json()["detail"][0]["loc"], json!(["body", "file"]));
        let json_body = app.request(Method::POST, &format!("/todos/{todo}/attachments"), Some(&token), Some(json!({}))).await;
        assert_eq!(json_body.status, 422);
        assert_eq!(json_body.json()["detail"][0]["loc"], json!(["body", "file"]));
        // Quota: 10,000 bytes; two of 4,000 fit, a third does not.
        for _ in 0..2 {
            assert_eq!(upload(&app, &token, &todo, "a.bin", &[1; 4000]).await.status, 201);
        }
        let over = upload(&app, &token, &todo, "a.bin", &[1; 4000]).await;
        assert_eq!((over.status, over.json()), (409, json!({ "detail": "Storage quota exceeded" })));
        // Twenty per todo (the chunked upload above was one).
        for _ in 0..17 {
            assert_eq!(upload(&app, &token, &todo, "s.txt", b"s").await.status, 201);
        }
        let many = upload(&app, &token, &todo, "s.txt", b"s").await;
        assert_eq!((many.status, many.json()), (409, json!({ "detail": "Too many attachments" })));
        blobs_become(&app, 20).await;
    }

    async fn other_users_todos_and_unknown_attachments_are_404(backend) {
        let app = spawn(backend).await;
        let (ada, bob) = (app.user_token("ada").await, app.user_token("bob").await);
        let todo = app.new_todo(&ada, "t").await["id"].clone();
        let attachment = upload(&app, &ada, &todo, "a.txt", b"a").await.json();
        let not_found = json!({ "detail": "Todo not found" });
        let content = format!("/todos/{todo}/attachments/{}/content", attachment["id"]);
        assert_eq!(upload(&app, &bob, &todo, "b.txt", b"b").await.json(), not_found);
        assert_eq!(get(&app, &bob, &format!("/todos/{todo}/attachments"), &[]).await.json(), not_found);
        assert_eq!(get(&app, &bob, &content, &[]).await.json(), not_found);
        let unknown = get(&app, &ada, &format!("/todos/{todo}/attachments/999/content"), &[]).await;
        assert_eq!((unknown.status, unknown.json()), (404, json!({ "detail": "Attachment not found" })));
        let bad = get(&app, &ada, &format!("/todos/{todo}/attachments/x/content"), &[]).await;
        assert_eq!(bad.status, 422);
    }

    async fn blobs_go_with_their_attachment_todo_or_user_and_after_a_crash(backend) {
        let app = spawn(backend).await;
        let token = app.superuser_token("root").await;
        let ada = app.user_token("ada").await;
        let (first, second) = (app.new_todo(&ada, "1").await["id"].clone(), app.new_todo(&ada, "2").await["id"].clone());
        let kept = upload(&app, &ada, &first, "a.txt", b"a").await.json();
        upload(&app, &ada, &first, "b.txt", b"b").await;
        upload(&app, &ada, &second, "c.txt", b"c").await;
        assert_eq!(app.blob_files().len(), 3);
        let path = format!("/todos/{first}/attachments/{}", kept["id"]);
        assert_eq!(app.request(Method::DELETE, &path, Some(&ada), None).await.status, 204);
        assert_eq!(app.request(Method::DELETE, &path, Some(&ada), None).await.status, 404);
        blobs_become(&app, 2).await;
        assert_eq!(app.request(Method::DELETE, &format!("/todos/{first}"), Some(&ada), None).await.status, 204);
        blobs_become(&app, 1).await;
        let me = app.get("/users/me", Some(&ada)).await.json();
        let deleted = app.request(Method::DELETE, &format!("/admin/users/{}", me["id"]), Some(&token), None).await;
        assert_eq!(deleted.status, 204, "{}", deleted.text());
        blobs_become(&app, 0).await;
        // A process that died after storing a blob and before recording it left the blob on the
        // ledger with the time its upload would have had: the sweeper takes it then.
        let orphan = app.blob_files_dir().join("attachments/ff/ffcrashed");
        std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
        std::fs::write(&orphan, b"left behind").unwrap();
        app.execute_sql("INSERT INTO orphan_blobs (blob_key, collect_after_ms) VALUES ('attachments/ff/ffcrashed', 0)").await;
        blobs_become(&app, 0).await;
    }
}

/// The status of a multipart upload sent with `Transfer-Encoding: chunked` (no `Content-Length`,
/// so only the service's own counting can stop it), over a raw socket.
async fn chunked_upload_status(app: &TestApp, token: &str, todo: &Value, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /todos/{todo}/attachments HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(8192) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        // The service may answer and close before it has read everything.
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

/// Lists the keys in `bucket` of an S3-compatible server, by its REST API.
async fn s3_keys(endpoint: &str, bucket: &str) -> usize {
    let listed = awc::Client::default()
        .get(format!("{endpoint}/{bucket}?list-type=2"))
        .send()
        .await
        .unwrap()
        .body()
        .await
        .unwrap();
    String::from_utf8_lossy(&listed).matches("<Key>").count()
}

on_each_backend! {
    async fn two_uploads_at_once_cannot_both_take_the_last_of_the_quota(backend) {
        let app = spawn(backend).await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "t").await["id"].clone();
        assert_eq!(upload(&app, &token, &todo, "a.bin", &[1; 3000]).await.status, 201);
        assert_eq!(upload(&app, &token, &todo, "b.bin", &[1; 3000]).await.status, 201);
        let (app_ref, token_ref, todo_ref) = (&app, &token, &todo);
        let racing = (0..2).map(|_| async move { upload(app_ref, token_ref, todo_ref, "c.bin", &[1; 4000]).await.status });
        let mut statuses = futures_util::future::join_all(racing).await;
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409]);
        blobs_become(&app, 3).await;
    }

    async fn attachments_live_in_s3_compatible_storage_too(backend) {
        let s3 = todo_adapters_storage::testing::start_s3("todo-api-files");
        let endpoint = s3.endpoint.clone();
        let app = spawn_app_with(backend, |settings| {
            settings.storage.url = "s3://todo-api-files/tenant".into();
            settings.storage.s3_endpoint = Some(endpoint);
            settings.storage.s3_access_key_id = Some("test".into());
            settings.storage.s3_secret_access_key = Some("test".into());
            settings.storage.sweep_every_seconds = 1;
        })
        .await;
        let token = app.user_token("ada").await;
        let todo = app.new_todo(&token, "t").await["id"].clone();
        // Larger than one 5 MiB part: a multipart upload of two parts, read across their seam.
        let bytes: Vec<u8> = (0..(10 * 1024 * 1024 - 100)).map(|i| (i % 253) as u8).collect();
        let created = upload(&app, &token, &todo, "big.bin", &bytes).await;
        assert_eq!(created.status, 201, "{}", created.text());
        assert_eq!(created.json()["sha256"], sha256(&bytes));
        assert_eq!(s3_keys(&s3.endpoint, "todo-api-files").await, 1);
        let path = format!("/todos/{todo}/attachments/{}/content", created.json()["id"]);
        let download = get(&app, &token, &path, &[]).await;
        assert_eq!((download.status, download.body.len()), (200, bytes.len()));
        assert!(download.body == bytes);
        let part = get(&app, &token, &path, &[("Range", "bytes=5242870-5242889")]).await;
        assert_eq!((part.status, part.body.as_slice()), (206, &bytes[5_242_870..5_242_890]));
        assert_eq!(app.request(Method::DELETE, &format!("/todos/{todo}"), Some(&token), None).await.status, 204);
        let deadline = Instant::now() + Duration::from_secs(20);
        while s3_keys(&s3.endpoint, "todo-api-files").await != 0 {
            assert!(Instant::now() < deadline, "the blob stayed in the bucket");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
