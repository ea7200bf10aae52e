//! The `Idempotency-Key` header, and the answers of keyed writes: a first answer as it is, a
//! replayed one with `Idempotent-Replayed: true`.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{ContentType, HeaderName};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use todo_application::ports::RecordedAnswer;
use todo_application::use_cases::Answer;
use todo_domain::{IDEMPOTENCY_KEY_MAX_CHARS, IdempotencyKey, IdempotencyKeyError};

use crate::errors::ApiError;
use crate::validation::{Rule, ValidationErrors, Violation};

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The request's `Idempotency-Key`, if it sent one: 422 at `["header", "idempotency-key"]`
/// for an empty or longer one, or one with characters a key may not hold.
pub struct IdempotencyKeyHeader(pub Option<IdempotencyKey>);

impl FromRequest for IdempotencyKeyHeader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else { return ready(Ok(Self(None))) };
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        ready(IdempotencyKey::parse(text.clone()).map(|key| Self(Some(key))).map_err(|error| {
            let rule = match error {
                IdempotencyKeyError::Length { actual: 0, .. } => Rule::string_too_short(1),
                IdempotencyKeyError::Length { .. } => Rule::string_too_long(IDEMPOTENCY_KEY_MAX_CHARS),
                IdempotencyKeyError::Character => Rule::value_error(&error.to_string()),
            };
            let violation = Violation::new(rule, "header", Some("idempotency-key"), Some(Value::from(text)));
            ApiError::Validation(ValidationErrors::one(violation))
        }))
    }
}

/// What a keyed write records and answers: `status` with `body` as JSON.
pub fn recorded(status: StatusCode, body: &impl Serialize) -> RecordedAnswer {
    // The DTOs hold strings, numbers and booleans: they always serialise.
    RecordedAnswer { status: status.as_u16(), body: serde_json::to_string(body).unwrap_or_default() }
}

/// The answer of a keyed write, as the client gets it.
pub fn answered(answer: Answer) -> HttpResponse {
    let (RecordedAnswer { status, body }, replayed) = match answer {
        Answer::Fresh(answer) => (answer, false),
        Answer::Replayed(answer) => (answer, true),
    };
    let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    if replayed {
        response.insert_header((IDEMPOTENT_REPLAYED, "true"));
    }
    response.insert_header(ContentType::json()).body(body)
}
