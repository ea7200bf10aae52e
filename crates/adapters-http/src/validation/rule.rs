//! What a failed rule says, in Pydantic v2's vocabulary: the error `type`, the
//! message, and the context values the message was built from.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The location-independent part of a validation error. Rules know this much;
/// the extractor that knows where the value came from adds `loc` and `input`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    #[serde(rename = "type")]
    pub kind: String,
    pub msg: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

impl Rule {
    fn new(kind: &str, msg: impl Into<String>, ctx: Option<Value>) -> Self {
        Self { kind: kind.to_owned(), msg: msg.into(), ctx }
    }

    pub fn missing() -> Self {
        Self::new("missing", "Field required", None)
    }

    pub fn string_too_short(min_length: usize) -> Self {
        let plural = if min_length == 1 { "" } else { "s" };
        let msg = format!("String should have at least {min_length} character{plural}");
        Self::new("string_too_short", msg, Some(json!({ "min_length": min_length })))
    }

    pub fn string_too_long(max_length: usize) -> Self {
        let plural = if max_length == 1 { "" } else { "s" };
        let msg = format!("String should have at most {max_length} character{plural}");
        Self::new("string_too_long", msg, Some(json!({ "max_length": max_length })))
    }

    pub fn pattern_mismatch(pattern: &str) -> Self {
        let msg = format!("String should match pattern '{pattern}'");
        Self::new("string_pattern_mismatch", msg, Some(json!({ "pattern": pattern })))
    }

    pub fn invalid_email(reason: &str) -> Self {
        let msg = format!("value is not a valid email address: {reason}");
        Self::new("value_error", msg, Some(json!({ "reason": reason })))
    }

    /// A rule of our own that Pydantic has no name for, such as "not blank".
    pub fn value_error(error: &str) -> Self {
        Self::new("value_error", format!("Value error, {error}"), Some(json!({ "error": error })))
    }

    /// One of a few fixed values, as Pydantic words it for a `Literal`.
    pub fn literal_error(expected: &[&str]) -> Self {
        let quoted: Vec<String> = expected.iter().map(|value| format!("'{value}'")).collect();
        let expected = match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        Self::new(
            "literal_error",
            format!("Input should be {expected}"),
            Some(json!({ "expected": expected })),
        )
    }

    pub fn greater_than(gt: impl Into<Value>) -> Self {
        let gt = gt.into();
        Self::new("greater_than", format!("Input should be greater than {gt}"), Some(json!({ "gt": gt })))
    }

    pub fn greater_than_equal(ge: impl Into<Value>) -> Self {
        let ge = ge.into();
        let msg = format!("Input should be greater than or equal to {ge}");
        Self::new("greater_than_equal", msg, Some(json!({ "ge": ge })))
    }

    pub fn less_than_equal(le: impl Into<Value>) -> Self {
        let le = le.into();
        let msg = format!("Input should be less than or equal to {le}");
        Self::new("less_than_equal", msg, Some(json!({ "le": le })))
    }

    pub fn int_parsing() -> Self {
        Self::new(
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
            None,
        )
    }

    pub fn bool_parsing() -> Self {
        Self::new("bool_parsing", "Input should be a valid boolean, unable to interpret input", None)
    }

    pub fn string_type() -> Self {
        Self::new("string_type", "Input should be a valid string", None)
    }

    pub fn bool_type() -> Self {
        Self::new("bool_type", "Input should be a valid boolean", None)
    }

    pub fn int_type() -> Self {
        Self::new("int_type", "Input should be a valid integer", None)
    }

    pub fn int_from_float() -> Self {
        Self::new(
            "int_from_float",
            "Input should be a valid integer, got a number with a fractional part",
            None,
        )
    }

    pub fn json_invalid(error: &str) -> Self {
        Self::new("json_invalid", "JSON decode error", Some(json!({ "error": error })))
    }

    pub fn model_attributes_type() -> Self {
        Self::new(
            "model_attributes_type",
            "Input should be a valid dictionary or object to extract fields from",
            None,
        )
    }

    /// Rules travel through garde and serde as error messages; they are encoded
    /// as JSON so that nothing is lost on the way.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.msg.clone())
    }

    /// The rule inside a message produced by [`Rule::encode`], if it is one.
    pub fn decode(message: &str) -> Option<Self> {
        message.starts_with('{').then(|| serde_json::from_str(message).ok()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_pydantic_including_the_singular() {
        assert_eq!(Rule::string_too_short(1).msg, "String should have at least 1 character");
        assert_eq!(Rule::string_too_short(3).msg, "String should have at least 3 characters");
        assert_eq!(Rule::string_too_long(200).msg, "String should have at most 200 characters");
        assert_eq!(Rule::greater_than_equal(0).msg, "Input should be greater than or equal to 0");
        assert_eq!(Rule::less_than_equal(100).ctx, Some(json!({ "le": 100 })));
    }

    #[test]
    fn a_rule_survives_encoding_and_other_messages_are_not_rules() {
        let rule = Rule::pattern_mismatch("^password$");
        assert_eq!(Rule::decode(&rule.encode()), Some(rule));
        assert_eq!(Rule::decode("invalid type: integer `5`, expected a string"), None);
    }
}
