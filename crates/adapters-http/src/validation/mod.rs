//! Request validation, reported as FastAPI does: status 422 and a list of every
//! problem found, each with its `type`, `loc`, `msg`, `input` and `ctx`.
//!
//! The first gate is structural and runs in the extractors: [`decode`] turns
//! JSON, forms and query strings into DTOs, collecting every wrongly typed field,
//! and garde then checks every DTO rule ([`garde_rules`]). The second gate is the
//! domain: DTOs become value objects through their constructors, whose errors are
//! translated by [`domain`].

pub mod decode;
pub mod domain;
pub mod garde_rules;
mod rule;

use serde::Serialize;
use serde_json::Value;

pub use rule::Rule;

/// The first gate for one input: decodes `raw` (a JSON object built from a body,
/// a form or a query string) into `T` and runs `T`'s garde rules, reporting every
/// problem found at `source`, in the order `T` declares its fields.
///
/// # Errors
/// Every problem found.
pub fn validate<T>(raw: &Value, source: &str) -> Result<T, ValidationErrors>
where
    T: serde::de::DeserializeOwned + garde::Validate<Context = ()>,
{
    let mut errors = ValidationErrors::default();
    let dto = decode::decode::<T>(raw, source, &mut errors);
    if let Some(dto) = &dto {
        garde_rules::check(dto, raw, source, &mut errors);
    }
    errors.sort_by_fields(decode::field_order::<T>());
    match dto {
        Some(dto) if errors.is_empty() => Ok(dto),
        _ => Err(errors),
    }
}

/// Field names whose values are never echoed back in an error.
const SECRET_FIELDS: &[&str] =
    &["password", "client_secret", "refresh_token", "current_password", "new_password", "token"];

/// One problem with one value of a request, as Pydantic v2 reports it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ValidationError)]
pub struct Violation {
    /// The rule that failed, in Pydantic's vocabulary: `missing`, `string_too_short`, `json_invalid` ...
    #[serde(rename = "type")]
    #[schema(example = "string_too_short")]
    pub kind: String,
    /// Where the value came from (`body`, `query`, `path`), then the field or the byte offset.
    #[schema(value_type = Vec<LocItem>, example = json!(["body", "title"]))]
    pub loc: Vec<Value>,
    #[schema(example = "String should have at least 1 character")]
    pub msg: String,
    /// The rejected value, of any JSON type; never present for passwords.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Value>)]
    pub input: Option<Value>,
    /// The values the message was built from, such as `{"min_length": 1}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub ctx: Option<Value>,
}

/// A step of a location: a name, or a position.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum LocItem {
    Name(String),
    Position(u64),
}

impl Violation {
    /// `rule` broken by `input` at `source` (`body`, `query` ...) and `field`.
    pub fn new(rule: Rule, source: &str, field: Option<&str>, input: Option<Value>) -> Self {
        let mut loc = vec![Value::from(source)];
        loc.extend(field.map(Value::from));
        // A missing field echoes the whole body, which is redacted rather than dropped.
        let is_secret = field.is_some_and(|name| SECRET_FIELDS.contains(&name)) && rule.kind != "missing";
        let input = if is_secret { None } else { input.map(redact_secrets) };
        Self { kind: rule.kind, loc, msg: rule.msg, input, ctx: rule.ctx }
    }
}

/// An echoed object (the whole body, for a missing field) without its secrets.
fn redact_secrets(input: Value) -> Value {
    match input {
        Value::Object(mut object) => {
            object.retain(|key, _| !SECRET_FIELDS.contains(&key.as_str()));
            Value::Object(object)
        }
        other => other,
    }
}

/// Every problem found in one request, in the order found, at most one per location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationErrors(Vec<Violation>);

impl ValidationErrors {
    pub fn one(violation: Violation) -> Self {
        Self(vec![violation])
    }

    /// Adds a violation unless its location already has one: like Pydantic, the
    /// first rule a value breaks is the one reported.
    pub fn push(&mut self, violation: Violation) {
        if !self.0.iter().any(|known| known.loc == violation.loc) {
            self.0.push(violation);
        }
    }

    pub fn merge(&mut self, other: ValidationErrors) {
        other.0.into_iter().for_each(|violation| self.push(violation));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn violations(&self) -> &[Violation] {
        &self.0
    }

    /// The same problems, found in item `position` of a list: `["body", "title"]` becomes
    /// `["body", 3, "title"]` (a line of an import, say).
    #[must_use]
    pub fn in_item(mut self, position: u64) -> Self {
        for violation in &mut self.0 {
            violation.loc.insert(1, Value::from(position));
        }
        self
    }

    /// Orders the problems as the fields are declared, as Pydantic reports them;
    /// problems of the value as a whole come first.
    pub fn sort_by_fields(&mut self, fields: &[&str]) {
        let rank = |violation: &Violation| match violation.loc.get(1).and_then(Value::as_str) {
            None => 0,
            Some(field) => 1 + fields.iter().position(|f| *f == field).unwrap_or(fields.len()),
        };
        self.0.sort_by_key(rank);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_password_is_never_echoed_neither_alone_nor_inside_the_body() {
        let alone = Violation::new(Rule::string_too_short(8), "body", Some("password"), Some(json!("short")));
        assert_eq!(alone.input, None);
        let body = json!({ "username": "ada", "password": "hunter22" });
        let missing = Violation::new(Rule::missing(), "body", Some("email"), Some(body));
        assert_eq!(missing.input, Some(json!({ "username": "ada" })));
    }

    #[test]
    fn only_the_first_problem_of_a_location_is_kept() {
        let mut errors = ValidationErrors::default();
        errors.push(Violation::new(Rule::string_type(), "body", Some("title"), Some(json!(5))));
        errors.push(Violation::new(Rule::missing(), "body", Some("title"), None));
        errors.push(Violation::new(Rule::missing(), "body", Some("completed"), None));
        let kinds: Vec<_> = errors.violations().iter().map(|v| v.kind.as_str()).collect();
        assert_eq!(kinds, ["string_type", "missing"]);
    }
}
