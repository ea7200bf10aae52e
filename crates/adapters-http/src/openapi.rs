//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations and the DTOs' schemas. `docs.rs` serves it with the pages that render it.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Flow, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::openapi::{ObjectBuilder, RefOr, Type};
use utoipa::{Modify, OpenApi};

use crate::errors::{ErrorResponse, ValidationErrorResponse};
use crate::routes::{admin, attachments, auth, browser_session, events, health, todos, transfer, users};
use crate::validation::{LocItem, Violation};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TODO API",
        description = "Register, log in with the OAuth2 password form, and manage your own todos.\n\n\
            Log in with **Authorize** (username and password); every `/todos` and `/users/me` \
            operation then sends your bearer token. Errors are `{\"detail\": \"...\"}`; \
            request validation errors are 422 with the list of every problem found."
    ),
    paths(
        health::root, health::liveness, health::readiness, crate::metrics::render,
        auth::register, auth::token, auth::log_out, browser_session::open, browser_session::refresh,
        browser_session::close, users::me, users::list_sessions, users::revoke_session,
        users::revoke_all_sessions, users::change_password, users::create_api_key, users::list_api_keys,
        users::revoke_api_key, auth::request_password_reset, auth::confirm_password_reset,
        admin::list_users, admin::update_user, admin::delete_user, admin::list_jobs, admin::retry_job,
        todos::create_todo, todos::list_todos, todos::get_todo, todos::update_todo, todos::replace_todo,
        todos::delete_todo, transfer::export_todos, transfer::import_todos, events::server_sent_events,
        events::websocket, attachments::upload, attachments::list, attachments::delete, attachments::content,
    ),
    components(schemas(ErrorResponse, ValidationErrorResponse, Violation, LocItem)),
    modifiers(&OAuth2PasswordBearer, &TracingHeaders),
    tags(
        (name = "auth", description = "Registration and log-in"),
        (name = "users", description = "The caller's account"),
        (name = "todos", description = "The caller's own todos; other users' todos do not exist for them"),
        (name = "attachments", description = "Files kept with the caller's todos"),
        (name = "events", description = "Live changes of the caller's todos: Server-Sent Events or a WebSocket"),
        (name = "admin", description = "Users and background jobs, for superusers with the `admin` scope"),
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
        let scopes = Scopes::from_iter([
            ("todos:read", "Read your todos"),
            ("todos:write", "Create, change and delete your todos"),
            ("admin", "Administer users and jobs (superusers only)"),
        ]);
        let flow = Flow::Password(Password::with_refresh_url("/auth/token", scopes, "/auth/token"));
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("OAuth2PasswordBearer", SecurityScheme::OAuth2(OAuth2::new([flow])));
        let api_key = ApiKey::Header(ApiKeyValue::with_description(
            "X-API-Key",
            "A key made with POST /users/me/api-keys; a bearer token wins over it",
        ));
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("APIKeyHeader", SecurityScheme::ApiKey(api_key));
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use todo_domain::{
        DESCRIPTION_MAX_CHARS, EMAIL_MAX_CHARS, LIMIT_MAX, LIMIT_MIN, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
        TITLE_MAX_CHARS, TITLE_MIN_CHARS, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS,
    };

    use super::document;
    use crate::validation::domain::{NO_NUL_PATTERN, TITLE_PATTERN, USERNAME_PATTERN};

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
            (field("UserCreate", "password", "pattern"), json!(NO_NUL_PATTERN)),
        ];
        let mut cases = cases;
        for schema in ["TodoCreate", "TodoUpdate", "TodoReplace"] {
            cases.push((field(schema, "title", "minLength"), json!(TITLE_MIN_CHARS)));
            cases.push((field(schema, "title", "maxLength"), json!(TITLE_MAX_CHARS)));
            cases.push((field(schema, "description", "maxLength"), json!(DESCRIPTION_MAX_CHARS)));
            cases.push((field(schema, "title", "pattern"), json!(TITLE_PATTERN)));
            cases.push((field(schema, "description", "pattern"), json!(NO_NUL_PATTERN)));
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
