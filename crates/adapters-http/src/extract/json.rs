use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::body::{BodyFuture, from_body};
use crate::errors::ApiError;
use crate::validation::{Rule, ValidationErrors, Violation, validate};

/// A JSON body that decoded into `T` and passed all of `T`'s garde rules.
///
/// As in FastAPI, a body with no `Content-Type` is read as JSON; a body of another
/// media type is refused with `model_attributes_type` (without echoing it), an empty one with `missing`,
/// malformed JSON with `json_invalid` at the byte where parsing stopped.
pub struct ValidJson<T>(pub T);

impl<T> FromRequest for ValidJson<T>
where
    T: DeserializeOwned + garde::Validate<Context = ()> + 'static,
{
    type Error = ApiError;
    type Future = BodyFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        from_body(req, payload, |req, body| {
            let raw = parse(req, &body).map_err(|rule| body_error(rule, &body))?;
            Ok(ValidJson(validate(&raw, "body")?))
        })
    }
}

/// The body as a JSON object, or the rule it breaks as a whole.
fn parse(req: &HttpRequest, body: &[u8]) -> Result<Value, BodyRule> {
    let content_type =
        req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    let is_json = content_type.as_deref().is_none_or(|ct| {
        let essence = ct.split(';').next().unwrap_or_default().trim();
        essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
    });
    if body.is_empty() {
        return Err(BodyRule::Missing);
    }
    if !is_json {
        return Err(BodyRule::NotJson);
    }
    let value: Value = serde_json::from_slice(body).map_err(BodyRule::Malformed)?;
    if value.is_object() { Ok(value) } else { Err(BodyRule::NotAnObject(value)) }
}

enum BodyRule {
    Missing,
    /// Another media type. Unlike FastAPI, its text is not echoed: a form-encoded body
    /// sent where JSON was expected may hold a password.
    NotJson,
    NotAnObject(Value),
    Malformed(serde_json::Error),
}

fn body_error(rule: BodyRule, body: &[u8]) -> ApiError {
    let violation = match rule {
        BodyRule::Missing => Violation::new(Rule::missing(), "body", None, Some(Value::Null)),
        BodyRule::NotJson => Violation::new(Rule::model_attributes_type(), "body", None, None),
        BodyRule::NotAnObject(input) => {
            Violation::new(Rule::model_attributes_type(), "body", None, Some(input))
        }
        BodyRule::Malformed(error) => {
            let mut violation = Violation::new(
                Rule::json_invalid(&syntax_message(&error)),
                "body",
                None,
                Some(Value::Object(Default::default())),
            );
            violation.loc.push(Value::from(byte_offset(body, error.line(), error.column())));
            violation
        }
    };
    ApiError::Validation(ValidationErrors::one(violation))
}

/// serde_json's message without its " at line L column C" suffix.
fn syntax_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    text.rsplit_once(" at line ").map_or(text.clone(), |(message, _)| message.to_owned())
}

/// The byte offset of a 1-based line and column, as Python's `JSONDecodeError.pos`.
fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize =
        body.split(|b| *b == b'\n').take(line.saturating_sub(1)).map(|l| l.len() + 1).sum();
    (line_start + column.saturating_sub(1)).min(body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_bytes_across_lines() {
        assert_eq!(byte_offset(b"{\"a\": }", 1, 7), 6);
        assert_eq!(byte_offset(b"{\n  \"a\": }", 2, 8), 9);
    }
}
