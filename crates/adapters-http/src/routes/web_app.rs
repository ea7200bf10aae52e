//! `GET /app/`: the web app for people, a single page of plain HTML, CSS and JavaScript
//! modules, with no build step and nothing from a CDN. Its files (`crates/adapters-http/web/`)
//! are embedded in the binary by rust-embed (a debug build reads them from that folder, so
//! an edit shows on reload). The app talks to the API like any other client: it logs in
//! through the browser session (`/auth/session`), keeps the access token in memory only,
//! and follows `/todos/events`.
//!
//! Every file is answered with a strict Content-Security-Policy (scripts, styles and
//! connections from this origin only; no inline script or style, no framing), `nosniff`, no
//! referrer, and a strong `ETag` from the file's SHA-256 with `Cache-Control: no-cache`:
//! the names carry no hash, so the browser revalidates, and an unchanged file costs a 304.
//!
//! `GET /reset-password?token=...`, the link of the password-reset e-mail, sends the browser
//! on to the app's reset form with the token in the fragment, which no server sees and no
//! `Referer` carries; the app takes it out of the address bar as it loads. (The link itself
//! carries it in its query: the service logs paths, never queries.)

use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, ETAG, HeaderValue, LOCATION, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use rust_embed::RustEmbed;

use crate::errors::ApiError;
use crate::extract::IfNoneMatch;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Files;

/// Where the app lives.
const MOUNT: &str = "/app/";

/// What the page may load and where it may connect: this origin, nothing inline.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app").route(super::read().to(to_mount)))
        .service(web::resource("/app/{file:.*}").route(super::read().to(file)))
        .service(web::resource("/reset-password").route(super::read().to(reset_password)));
}

/// `/app` is the app too: on to `/app/`, where its relative paths resolve.
async fn to_mount() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((LOCATION, MOUNT)).finish()
}

async fn file(req: HttpRequest, held: IfNoneMatch) -> Result<HttpResponse, ApiError> {
    let name = req.match_info().query("file");
    let name = if name.is_empty() { "index.html" } else { name };
    // A name with a dot segment or a backslash is no file of the app; rust-embed would refuse
    // it too, but the answer must not depend on how it normalises paths.
    if name.split('/').any(|segment| segment.is_empty() || segment.starts_with('.')) || name.contains('\\') {
        return Err(ApiError::NotFound("Not Found"));
    }
    let found = Files::get(name).ok_or(ApiError::NotFound("Not Found"))?;
    let hash = found.metadata.sha256_hash();
    let tag = hex(&hash[..16]);
    let unchanged = held.holds_tag(&tag);
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    protect(&mut response);
    response
        .content_type(found.metadata.mimetype())
        .insert_header((ETAG, format!("\"{tag}\"")))
        .insert_header((CACHE_CONTROL, "no-cache"));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response.body(found.data.into_owned()))
}

/// The e-mail's reset link: the app's reset form, the token moved into the fragment.
async fn reset_password(req: HttpRequest) -> HttpResponse {
    let location = format!("{MOUNT}#/reset-password?{}", req.query_string());
    let mut response = HttpResponse::SeeOther();
    protect(&mut response);
    match HeaderValue::from_str(&location) {
        Ok(location) => {
            response.insert_header((LOCATION, location)).insert_header((CACHE_CONTROL, "no-store")).finish()
        }
        // A query that is not a valid header value carries no token worth keeping.
        Err(_) => response.insert_header((LOCATION, MOUNT)).finish(),
    }
}

fn protect(response: &mut HttpResponseBuilder) {
    response
        .insert_header((CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_VALUE))
        .insert_header((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((REFERRER_POLICY, "no-referrer"))
        .insert_header((X_FRAME_OPTIONS, "DENY"));
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}
