//! The interactive documentation, served entirely by the service itself: the OpenAPI
//! document at `/openapi.json`, Swagger UI at `/docs` (its files under `/docs/`, vendored
//! by utoipa-swagger-ui) and ReDoc at `/redoc` (vendored in `assets/redoc`). Each path
//! answers `GET` and `HEAD`; any other method gets 405 with `Allow`, as FastAPI does.

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_ENCODING, ContentEncoding};
use actix_web::web::{self, Bytes};
use utoipa_swagger_ui::Config;

use crate::routes::read;

const REDOC_JS: &[u8] = include_bytes!("../assets/redoc/redoc.standalone.js");

/// What every worker serves, built once from the document.
#[derive(Clone)]
struct Pages {
    document: Bytes,
    swagger: Arc<Config<'static>>,
    swagger_index: Bytes,
}

/// Registers the document and both pages.
///
/// # Panics
/// When the vendored Swagger UI lacks its index page: a build that cannot work.
pub fn configure(cfg: &mut web::ServiceConfig, document: &utoipa::openapi::OpenApi) {
    let swagger = Arc::new(
        Config::new(["/openapi.json"])
            .validator_url("none")
            .try_it_out_enabled(true)
            .persist_authorization(true)
            .display_request_duration(true),
    );
    let index = utoipa_swagger_ui::serve("index.html", swagger.clone())
        .ok()
        .flatten()
        .expect("BUG: utoipa-swagger-ui ships no index.html");
    // FastAPI answers `/docs` itself rather than redirecting; the page's files are relative
    // to `/docs/`, which the base element says.
    let index = String::from_utf8_lossy(&index.bytes)
        .replacen("<head>", r#"<head><base href="/docs/">"#, 1)
        .replacen("<title>Swagger UI</title>", "<title>TODO API - Swagger UI</title>", 1);
    let pages = Pages {
        document: Bytes::from(serde_json::to_vec(document).expect("BUG: the document does not serialise")),
        swagger,
        swagger_index: Bytes::from(index),
    };
    cfg.app_data(web::Data::new(pages))
        .service(web::resource("/openapi.json").route(read().to(openapi_json)))
        .service(crate::routes::with_and_without_slash("/docs", |resource| {
            resource.route(read().to(swagger_index))
        }))
        .service(web::resource("/docs/{file:.+}").route(read().to(swagger_file)))
        .service(web::resource("/redoc").route(read().to(redoc_page)))
        .service(web::resource("/redoc/redoc.standalone.js").route(read().to(redoc_script)));
}

async fn openapi_json(pages: web::Data<Pages>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(pages.document.clone())
}

async fn swagger_index(pages: web::Data<Pages>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(pages.swagger_index.clone())
}

async fn swagger_file(pages: web::Data<Pages>, file: web::Path<String>) -> HttpResponse {
    match utoipa_swagger_ui::serve(&file, pages.swagger.clone()) {
        Ok(Some(file)) => {
            let mut response = HttpResponse::Ok();
            if file.gzpipped {
                response.insert_header((CONTENT_ENCODING, ContentEncoding::Gzip));
            }
            response.content_type(file.content_type).body(file.bytes.into_owned())
        }
        Ok(None) => crate::middleware::not_found().await,
        Err(error) => {
            tracing::error!(%error, "Swagger UI's configuration could not be written");
            HttpResponse::InternalServerError().finish()
        }
    }
}

async fn redoc_page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(REDOC_PAGE)
}

async fn redoc_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        .body(REDOC_JS)
}

/// ReDoc with no font, logo or script from anywhere but this service.
const REDOC_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>TODO API - ReDoc</title>
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <redoc spec-url="/openapi.json"></redoc>
    <script src="/redoc/redoc.standalone.js"></script>
  </body>
</html>
"#;
