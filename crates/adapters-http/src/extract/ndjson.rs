//! Reading an `application/x-ndjson` body line by line as it streams in: each line is
//! validated on its own, every problem of every line is reported at once with the line's
//! number in `loc` (`["body", 3, "title"]`), and reading stops at the first byte or line
//! over the limits (413). Memory holds the validated lines and one unfinished line.

use actix_web::HttpRequest;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::{self, BytesMut};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors::ApiError;
use crate::validation::{Rule, ValidationErrors, Violation, validate};

/// How much one NDJSON body may hold.
#[derive(Debug, Clone, Copy)]
pub struct NdjsonLimits {
    pub bytes: usize,
    /// The longest line, in bytes: a longer one is reported, never parsed, so that the memory
    /// a request takes stays a small multiple of this whatever the body holds.
    pub line_bytes: usize,
    /// Lines that are not blank.
    pub lines: usize,
    /// The 413 message when there are more lines.
    pub too_many_lines: &'static str,
}

/// Every non-blank line as a valid `T`, with its line number (from 1, blank lines counted).
///
/// # Errors
/// 413 over the limits; 422 for another media type, an empty body, or any invalid line.
pub async fn read_ndjson<T>(
    req: &HttpRequest,
    mut payload: web::Payload,
    limits: NdjsonLimits,
) -> Result<Vec<(u64, T)>, ApiError>
where
    T: DeserializeOwned + garde::Validate<Context = ()>,
{
    check_media_type(req)?;
    let too_large = ApiError::PayloadTooLarge { limit: limits.bytes };
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limits.bytes) {
        return Err(too_large);
    }
    let mut lines =
        Lines { limits, number: 0, filled: 0, items: Vec::new(), errors: ValidationErrors::default() };
    let (mut pending, mut read) = (BytesMut::new(), 0_usize);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest("The request body could not be read"))?;
        read += chunk.len();
        if read > limits.bytes {
            return Err(too_large);
        }
        // Only the new bytes are searched: what is pending holds no line end.
        let mut searched = pending.len();
        pending.extend_from_slice(&chunk);
        let mut start = 0;
        while let Some(end) = pending[searched..].iter().position(|byte| *byte == b'\n') {
            lines.take(&pending[start..searched + end])?;
            start = searched + end + 1;
            searched = start;
        }
        let _ = pending.split_to(start);
    }
    if !pending.is_empty() {
        lines.take(&pending)?;
    }
    if !lines.errors.is_empty() {
        return Err(lines.errors.into());
    }
    if lines.items.is_empty() {
        return Err(
            ValidationErrors::one(Violation::new(Rule::missing(), "body", None, Some(Value::Null))).into()
        );
    }
    Ok(lines.items)
}

/// `application/x-ndjson` (or none at all, as for JSON bodies).
fn check_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(CONTENT_TYPE) else { return Ok(()) };
    let essence =
        value.to_str().unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence == "application/x-ndjson" {
        return Ok(());
    }
    let rule = Rule::value_error("the body must be application/x-ndjson: one JSON object a line");
    Err(ValidationErrors::one(Violation::new(
        rule,
        "header",
        Some("content-type"),
        Some(Value::from(essence)),
    ))
    .into())
}

struct Lines<T> {
    limits: NdjsonLimits,
    /// Lines read so far, and those of them that are not blank.
    number: u64,
    filled: usize,
    items: Vec<(u64, T)>,
    errors: ValidationErrors,
}

impl<T: DeserializeOwned + garde::Validate<Context = ()>> Lines<T> {
    fn take(&mut self, line: &[u8]) -> Result<(), ApiError> {
        self.number += 1;
        let text = line.trim_ascii();
        if text.is_empty() {
            return Ok(());
        }
        self.filled += 1;
        if self.filled > self.limits.lines {
            return Err(ApiError::TooLarge(self.limits.too_many_lines));
        }
        let at_line = |rule: Rule, input: Value| {
            ValidationErrors::one(Violation::new(rule, "body", None, Some(input))).in_item(self.number)
        };
        if text.len() > self.limits.line_bytes {
            let rule = Rule::value_error(&format!("a line holds at most {} bytes", self.limits.line_bytes));
            self.errors.merge(at_line(rule, Value::Null));
            return Ok(());
        }
        match serde_json::from_slice::<Value>(text) {
            Err(error) => {
                let message = error.to_string();
                let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(text, _)| text);
                let input = Value::from(String::from_utf8_lossy(text).chars().take(200).collect::<String>());
                self.errors.merge(at_line(Rule::json_invalid(message), input));
            }
            Ok(value) if !value.is_object() => {
                self.errors.merge(at_line(Rule::model_attributes_type(), value))
            }
            Ok(value) => match validate::<T>(&value, "body") {
                Ok(item) => self.items.push((self.number, item)),
                Err(errors) => self.errors.merge(errors.in_item(self.number)),
            },
        }
        Ok(())
    }
}
