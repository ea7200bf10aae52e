use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde_json::Value;
use todo_application::ports::JobId;
use todo_domain::{AttachmentId, TodoId, UserId};

use crate::errors::{ATTACHMENT_NOT_FOUND, ApiError, JOB_NOT_RETRYABLE, TODO_NOT_FOUND, USER_NOT_FOUND};
use crate::validation::{Rule, ValidationErrors, Violation};

/// The `{todo_id}` path segment as a [`TodoId`]: 422 `int_parsing` when it is not
/// an integer, `greater_than` when it is not positive, and 404 when it is too large
/// to be any todo's id.
pub struct TodoIdPath(pub TodoId);

impl FromRequest for TodoIdPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.match_info().get("todo_id").unwrap_or_default()).map(TodoIdPath))
    }
}

fn parse(text: &str) -> Result<TodoId, ApiError> {
    let raw = positive_id(text, "todo_id", TODO_NOT_FOUND)?;
    TodoId::new(raw).map_err(|_| ApiError::NotFound(TODO_NOT_FOUND))
}

/// The `{attachment_id}` path segment, checked as a todo's id is.
pub struct AttachmentIdPath(pub AttachmentId);

impl FromRequest for AttachmentIdPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let text = req.match_info().get("attachment_id").unwrap_or_default();
        let id = positive_id(text, "attachment_id", ATTACHMENT_NOT_FOUND)
            .and_then(|raw| AttachmentId::new(raw).map_err(|_| ApiError::NotFound(ATTACHMENT_NOT_FOUND)));
        ready(id.map(AttachmentIdPath))
    }
}

/// The `{user_id}` path segment of the administrators' routes, checked as a todo's id is.
pub struct UserIdPath(pub UserId);

impl FromRequest for UserIdPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let text = req.match_info().get("user_id").unwrap_or_default();
        let id = positive_id(text, "user_id", USER_NOT_FOUND)
            .and_then(|raw| UserId::new(raw).map_err(|_| ApiError::NotFound(USER_NOT_FOUND)));
        ready(id.map(UserIdPath))
    }
}

/// The `{job_id}` path segment, checked as a todo's id is.
pub struct JobIdPath(pub JobId);

impl FromRequest for JobIdPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let text = req.match_info().get("job_id").unwrap_or_default();
        ready(positive_id(text, "job_id", JOB_NOT_RETRYABLE).map(|raw| JobIdPath(JobId(raw))))
    }
}

/// An id in a path: 422 `int_parsing` when it is not an integer, `greater_than` when it is
/// not positive, and 404 `not_found` when it is too large to be anyone's id.
fn positive_id(text: &str, field: &'static str, not_found: &'static str) -> Result<i64, ApiError> {
    let invalid = |rule| {
        ApiError::Validation(ValidationErrors::one(Violation::new(
            rule,
            "path",
            Some(field),
            Some(Value::String(text.to_owned())),
        )))
    };
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(Rule::int_parsing()));
    }
    match text.parse::<i64>() {
        Ok(raw) if raw > 0 => Ok(raw),
        Ok(_) => Err(invalid(Rule::greater_than(0))),
        Err(_) if text.starts_with('-') => Err(invalid(Rule::greater_than(0))),
        Err(_) => Err(ApiError::NotFound(not_found)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> String {
        match parse(text) {
            Ok(id) => format!("id {id}"),
            Err(ApiError::Validation(errors)) => errors.violations()[0].kind.clone(),
            Err(other) => other.to_string(),
        }
    }

    #[test]
    fn todo_ids_in_paths_are_checked_at_every_boundary() {
        let cases = [
            ("1", "id 1"),
            ("+7", "id 7"),
            ("9223372036854775807", "id 9223372036854775807"),
            ("9223372036854775808", "Todo not found"),
            ("0", "greater_than"),
            ("-5", "greater_than"),
            ("-99999999999999999999", "greater_than"),
            ("abc", "int_parsing"),
            ("1.5", "int_parsing"),
            ("", "int_parsing"),
            ("-", "int_parsing"),
        ];
        for (text, expected) in cases {
            assert_eq!(kind(text), expected, "{text:?}");
        }
    }
}
