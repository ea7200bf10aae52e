//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations and the DTOs' schemas, and the pages that render it: Swagger UI at
//! `/docs` and ReDoc at `/redoc`, both served entirely by the service itself.

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpResponse, web};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{Flow, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::openapi::{ObjectBuilder, RefOr, Type};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::errors::{ErrorResponse, ValidationErrorResponse};
use crate::routes::{auth, health, todos, users};
use crate::validation::{LocItem, Violation};

const REDOC_JS: &[u8] = include_bytes!("../assets/redoc/redoc.standalone.js");

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Todo API",
        description = "Register, log in with the OAuth2 password form, and manage your own todos.\n\n\
            Log in with **Authorize** (username and password); every `/todos` and `/users/me` \
            operation then sends your bearer token. Errors are `{\"detail\": \"...\"}`; \
            request validation errors are 422 with the list of every problem found."
    ),
    paths(
        health::root, health::liveness, health::readiness, crate::metrics::render,
        auth::register, auth::token, users::me,
        todos::create_todo, todos::list_todos, todos::get_todo, todos::update_todo, todos::replace_todo,
        todos::delete_todo,
    ),
    components(schemas(ErrorResponse, ValidationErrorResponse, Violation, LocItem)),
    modifiers(&OAuth2PasswordBearer, &TracingHeaders),
    tags(
        (name = "auth", description = "Registration and log-in"),
        (name = "users", description = "The caller's account"),
        (name = "todos", description = "The caller's own todos; other users' todos do not exist for them"),
        (name = "health", description = "Liveness, readiness and metrics, for load balancers and monitoring"),
    )
)]
struct ApiDoc;

/// The document, built once at start-up by the caller.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The security scheme behind Swagger UI's Authorize button: the password flow of
/// `POST /auth/token`.
struct OAuth2PasswordBearer;

impl Modify for OAuth2PasswordBearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let flow = Flow::Password(Password::new("/auth/token", Scopes::new()));
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("OAuth2PasswordBearer", SecurityScheme::OAuth2(OAuth2::new([flow])));
    }
}

/// `X-Request-ID` and `X-Process-Time`, which every answer carries.
struct TracingHeaders;

impl Modify for TracingHeaders {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let string = || ObjectBuilder::new().schema_type(Type::String);
        let request_id = HeaderBuilder::new()
            .schema(Some(string()))
            .description(Some("The client's request id if it sent a sane one, otherwise a new UUID"))
            .build();
        let process_time = HeaderBuilder::new()
            .schema(Some(string().pattern(Some(r"^\d+\.\d+$"))))
            .description(Some("Seconds spent in the service, as a decimal"))
            .build();
        for item in openapi.paths.paths.values_mut() {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                for response in operation.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response.headers.insert("X-Request-ID".into(), RefOr::T(request_id.clone()));
                        response.headers.insert("X-Process-Time".into(), RefOr::T(process_time.clone()));
                    }
                }
            }
        }
    }
}

/// The `{todo_id}` path parameter.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct TodoId {
    /// The todo's id: an integer greater than 0.
    #[param(minimum = 1, example = 1)]
    todo_id: i64,
}

/// Authentication failed, on every operation that needs a bearer token.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum AuthenticationFailed {
    /// The user is deactivated.
    #[response(status = 400, example = json!({ "detail": "Inactive user" }))]
    Inactive(ErrorResponse),
    /// No bearer token (`Not authenticated`), or one that is forged, expired, malformed or
    /// of a deleted user (`Could not validate credentials`).
    #[response(
        status = 401,
        headers(("WWW-Authenticate" = String, description = "Always `Bearer`")),
        example = json!({ "detail": "Could not validate credentials" })
    )]
    Unauthorized(ErrorResponse),
}

/// The todo does not exist, or belongs to someone else.
#[derive(IntoResponses)]
#[response(status = 404, example = json!({ "detail": "Todo not found" }))]
#[allow(dead_code)]
pub struct TodoNotFound(ErrorResponse);

/// The request body is larger than the configured limit (1 MiB by default).
#[derive(IntoResponses)]
#[response(status = 413, example = json!({ "detail": "Request body is larger than the limit of 1048576 bytes" }))]
#[allow(dead_code)]
pub struct PayloadTooLarge(ErrorResponse);

/// The request is invalid: every problem found, each with its location.
#[derive(IntoResponses)]
#[response(status = 422, example = json!({ "detail": [{
    "type": "string_too_short", "loc": ["body", "title"], "msg": "String should have at least 1 character",
    "input": "", "ctx": { "min_length": 1 }
}] }))]
#[allow(dead_code)]
pub struct InvalidRequest(ValidationErrorResponse);

/// Too many attempts; try again after `Retry-After` seconds.
#[derive(IntoResponses)]
#[response(
    status = 429,
    headers(("Retry-After" = u64, description = "Seconds to wait")),
    example = json!({ "detail": "Too many failed login attempts; try again later" })
)]
#[allow(dead_code)]
pub struct TooManyRequests(ErrorResponse);

/// The database is not answering; try again after `Retry-After` seconds.
#[derive(IntoResponses)]
#[response(
    status = 503,
    headers(("Retry-After" = u64, description = "Seconds to wait")),
    example = json!({ "detail": "Service temporarily unavailable" })
)]
#[allow(dead_code)]
pub struct Unavailable(ErrorResponse);

/// Swagger UI at `/docs/`, ReDoc at `/redoc`, and the document at `/openapi.json`.
pub fn configure(cfg: &mut web::ServiceConfig, document: utoipa::openapi::OpenApi) {
    let swagger = SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", document).config(
        Config::default()
            .validator_url("none")
            .try_it_out_enabled(true)
            .persist_authorization(true)
            .display_request_duration(true),
    );
    cfg.service(swagger)
        .route("/docs", web::get().to(|| async { redirect("/docs/") }))
        .route("/redoc", web::get().to(redoc_page))
        .route("/redoc/redoc.standalone.js", web::get().to(redoc_script));
}

fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((LOCATION, to)).finish()
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
    <title>Todo API - ReDoc</title>
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <redoc spec-url="/openapi.json"></redoc>
    <script src="/redoc/redoc.standalone.js"></script>
  </body>
</html>
"#;

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use todo_domain::{
        DESCRIPTION_MAX_CHARS, EMAIL_MAX_CHARS, LIMIT_MAX, LIMIT_MIN, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
        TITLE_MAX_CHARS, TITLE_MIN_CHARS, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS,
    };

    use super::document;
    use crate::validation::domain::USERNAME_PATTERN;

    /// utoipa takes only literals, so the document repeats the domain's limits: this
    /// keeps the two from drifting apart.
    #[test]
    fn the_documented_limits_are_the_domains() {
        let document = serde_json::to_value(document()).unwrap();
        let schemas = &document["components"]["schemas"];
        let field =
            |schema: &str, field: &str, keyword: &str| schemas[schema]["properties"][field][keyword].clone();
        let cases: Vec<(Value, Value)> = vec![
            (field("UserCreate", "username", "minLength"), json!(USERNAME_MIN_CHARS)),
            (field("UserCreate", "username", "maxLength"), json!(USERNAME_MAX_CHARS)),
            (field("UserCreate", "username", "pattern"), json!(USERNAME_PATTERN)),
            (field("UserCreate", "email", "maxLength"), json!(EMAIL_MAX_CHARS)),
            (field("UserCreate", "password", "minLength"), json!(PASSWORD_MIN_CHARS)),
            (field("UserCreate", "password", "maxLength"), json!(PASSWORD_MAX_CHARS)),
        ];
        let mut cases = cases;
        for schema in ["TodoCreate", "TodoUpdate", "TodoReplace"] {
            cases.push((field(schema, "title", "minLength"), json!(TITLE_MIN_CHARS)));
            cases.push((field(schema, "title", "maxLength"), json!(TITLE_MAX_CHARS)));
            cases.push((field(schema, "description", "maxLength"), json!(DESCRIPTION_MAX_CHARS)));
        }
        let limit = document["paths"]["/todos/"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|parameter| parameter["name"] == "limit")
            .unwrap()["schema"]
            .clone();
        cases.push((limit["minimum"].clone(), json!(LIMIT_MIN)));
        cases.push((limit["maximum"].clone(), json!(LIMIT_MAX)));
        for (documented, domain) in cases {
            assert_eq!(documented, domain);
        }
    }
}
