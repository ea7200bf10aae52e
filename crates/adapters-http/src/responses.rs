//! Documentation-only types: the answers that many operations share, declared once for
//! the handlers' `#[utoipa::path]` annotations. Nothing constructs them; the real answers
//! come from `errors.rs`, and the black-box tests check that the two agree.

use utoipa::{IntoParams, IntoResponses};

use crate::errors::{ErrorResponse, ValidationErrorResponse};

/// The `{todo_id}` path parameter.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct TodoId {
    /// The todo's id: an integer greater than 0.
    #[param(minimum = 1, example = 1)]
    todo_id: i64,
}

/// `If-Match` on a change of a todo.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchHeader {
    /// Make the change only if the todo is still at one of these entity tags (from `ETag`);
    /// otherwise 412. `*` or no header: unconditionally.
    #[param(rename = "If-Match", example = "\"3\"")]
    if_match: Option<String>,
}

/// `If-None-Match` on a read of a todo.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfNoneMatchHeader {
    /// The entity tags the client holds: 304 with no body if the todo is at one of them.
    #[param(rename = "If-None-Match", example = "\"3\"")]
    if_none_match: Option<String>,
}

/// `Idempotency-Key` on a creation.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyKeyParam {
    /// Up to 255 characters naming this write: a repeat within 24 hours (after a lost answer,
    /// say) replays the first answer, with `Idempotent-Replayed: true`, and writes nothing.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = "^[ -~]+$",
        example = "5f0c4e1a-order-42"
    )]
    idempotency_key: Option<String>,
}

/// The `Idempotency-Key` cannot be honoured.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum IdempotencyRefused {
    /// The first request with this key is still being worked on.
    #[response(status = 409, example = json!({ "detail": "A request with this Idempotency-Key is still in progress" }))]
    InFlight(ErrorResponse),
}

/// The body of a 422 on a keyed write: the usual list of problems, or a message.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum Unprocessable {
    Invalid(ValidationErrorResponse),
    KeyReused(ErrorResponse),
}

/// The request is invalid (every problem found, each with its location), or its
/// `Idempotency-Key` was used within 24 hours for a different request.
#[derive(IntoResponses)]
#[response(status = 422, example = json!({ "detail": "Idempotency-Key reused with a different request" }))]
#[allow(dead_code)]
pub struct InvalidOrKeyReused(#[to_schema] Unprocessable);

/// The client's copy is current (`If-None-Match`).
#[derive(IntoResponses)]
#[response(status = 304, headers(("ETag" = String, description = "The current entity tag")))]
#[allow(dead_code)]
pub struct NotModified;

/// The todo is no longer at a revision the `If-Match` names.
#[derive(IntoResponses)]
#[response(status = 412, example = json!({ "detail": "Precondition Failed" }))]
#[allow(dead_code)]
pub struct PreconditionFailed(ErrorResponse);

/// The `{attachment_id}` path parameter.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct AttachmentIdParam {
    /// The attachment's id: an integer greater than 0.
    #[param(minimum = 1, example = 1)]
    attachment_id: i64,
}

/// `Range` on a download.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct RangeHeader {
    /// One range of bytes, `bytes=<first>-<last>`, `bytes=<first>-` or `bytes=-<suffix length>`;
    /// several ranges are answered with the whole content.
    #[param(rename = "Range", example = "bytes=0-1023")]
    range: Option<String>,
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

/// The token lacks the scope the operation needs; the header names it (RFC 6750, 3.1).
#[derive(IntoResponses)]
#[response(
    status = 403,
    headers(("WWW-Authenticate" = String, description = "`Bearer scope=\"<the scope needed>\"`")),
    example = json!({ "detail": "Not enough permissions" })
)]
#[allow(dead_code)]
pub struct Forbidden(ErrorResponse);

/// Not a superuser (checked first), or a token without the `admin` scope.
#[derive(IntoResponses)]
#[response(
    status = 403,
    headers(("WWW-Authenticate" = String, description = "`Bearer scope=\"admin\"` when the scope is what lacks")),
    example = json!({ "detail": "The user doesn't have enough privileges" })
)]
#[allow(dead_code)]
pub struct AdminForbidden(ErrorResponse);

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

/// The user already has 16 live streams open.
#[derive(IntoResponses)]
#[response(
    status = 429,
    headers(("Retry-After" = u64, description = "Seconds to wait")),
    example = json!({ "detail": "Too many open event streams" })
)]
#[allow(dead_code)]
pub struct TooManyStreams(ErrorResponse);

/// The database is not answering; try again after `Retry-After` seconds.
#[derive(IntoResponses)]
#[response(
    status = 503,
    headers(("Retry-After" = u64, description = "Seconds to wait")),
    example = json!({ "detail": "Service temporarily unavailable" })
)]
#[allow(dead_code)]
pub struct Unavailable(ErrorResponse);
