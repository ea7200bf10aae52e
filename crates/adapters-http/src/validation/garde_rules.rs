//! garde, speaking Pydantic: its built-in rules report [`Rule`]s through a custom
//! `I18n`, and [`parses_as`] lets a DTO field be checked by a domain constructor.

use std::borrow::Cow;
use std::fmt::Display;

use garde::i18n::{I18n, InvalidCreditCard, InvalidEmail, InvalidPhoneNumber, InvalidUrl, IpKind, with_i18n};
use serde_json::Value;

use super::domain::DomainRule;
use super::{Rule, ValidationErrors, Violation};

/// Runs every garde rule of `dto` and reports each failure at `source`, with the
/// rejected value taken from `raw` (the whole of it for a missing field).
pub fn check<T: garde::Validate<Context = ()>>(
    dto: &T,
    raw: &Value,
    source: &str,
    errors: &mut ValidationErrors,
) {
    let Err(report) = with_i18n(PydanticRules, || dto.validate()) else { return };
    for (path, error) in report.iter() {
        let field = path.to_string();
        let rule = Rule::decode(error.message()).unwrap_or_else(|| Rule::value_error(error.message()));
        let input = if rule.kind == "missing" { Some(raw.clone()) } else { raw.get(&field).cloned() };
        errors.push(Violation::new(rule, source, Some(&field), input));
    }
}

/// A garde `custom` rule accepting exactly what a domain constructor accepts, so
/// that the domain stays the one authority on its rules.
pub fn parses_as<T, E: DomainRule>(
    value: &Option<String>,
    parse: impl FnOnce(String) -> Result<T, E>,
) -> garde::Result {
    match value {
        Some(text) => {
            parse(text.clone()).map(|_| ()).map_err(|error| garde::Error::new(error.rule().encode()))
        }
        None => Ok(()),
    }
}

/// garde's messages, replaced by encoded Pydantic rules. Only the rules our DTOs
/// use are expected; the others still produce a readable `value_error`.
struct PydanticRules;

fn encoded(rule: Rule) -> Cow<'static, str> {
    rule.encode().into()
}

impl I18n for PydanticRules {
    fn length_lower_than(&self, min: usize) -> Cow<'static, str> {
        encoded(Rule::string_too_short(min))
    }
    fn length_greater_than(&self, max: usize) -> Cow<'static, str> {
        encoded(Rule::string_too_long(max))
    }
    fn range_lower_than(&self, min: &dyn Display) -> Cow<'static, str> {
        encoded(Rule::greater_than_equal(number(min)))
    }
    fn range_greater_than(&self, max: &dyn Display) -> Cow<'static, str> {
        encoded(Rule::less_than_equal(number(max)))
    }
    fn pattern_no_match(&self, pattern: &dyn Display) -> Cow<'static, str> {
        encoded(Rule::pattern_mismatch(&pattern.to_string()))
    }
    fn email_invalid(&self, reason: InvalidEmail) -> Cow<'static, str> {
        encoded(Rule::invalid_email(&reason.to_string()))
    }
    fn required_not_set(&self) -> Cow<'static, str> {
        encoded(Rule::missing())
    }
    fn credit_card_invalid(&self, reason: InvalidCreditCard) -> Cow<'static, str> {
        encoded(Rule::value_error(&reason.to_string()))
    }
    fn contains_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        encoded(Rule::value_error(&format!("must contain '{pattern}'")))
    }
    fn url_invalid(&self, reason: InvalidUrl) -> Cow<'static, str> {
        encoded(Rule::value_error(&reason.to_string()))
    }
    fn prefix_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        encoded(Rule::value_error(&format!("must start with '{pattern}'")))
    }
    fn suffix_missing(&self, pattern: &dyn Display) -> Cow<'static, str> {
        encoded(Rule::value_error(&format!("must end with '{pattern}'")))
    }
    fn phone_number_invalid(&self, reason: InvalidPhoneNumber) -> Cow<'static, str> {
        encoded(Rule::value_error(&reason.to_string()))
    }
    fn ip_invalid(&self, kind: IpKind) -> Cow<'static, str> {
        encoded(Rule::value_error(&format!("not a valid {kind} address")))
    }
    fn matches_field_mismatch(&self, field: &dyn Display) -> Cow<'static, str> {
        encoded(Rule::value_error(&format!("must match {field}")))
    }
    fn ascii_invalid(&self) -> Cow<'static, str> {
        encoded(Rule::value_error("must be ASCII"))
    }
    fn alphanumeric_invalid(&self) -> Cow<'static, str> {
        encoded(Rule::value_error("must be alphanumeric"))
    }
}

/// A bound as a JSON number when it is one, so that `ctx` reads `{"ge": 0}`.
fn number(bound: &dyn Display) -> Value {
    let text = bound.to_string();
    text.parse::<i64>().map_or(Value::String(text), Value::from)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(garde::Validate)]
    struct Dto {
        #[garde(required, length(chars, min = 3, max = 5))]
        name: Option<String>,
        #[garde(range(min = 1, max = 100))]
        limit: Option<i64>,
    }

    #[test]
    fn garde_failures_come_out_as_pydantic_violations() {
        let mut errors = ValidationErrors::default();
        let raw = json!({ "limit": 0 });
        check(&Dto { name: None, limit: Some(0) }, &raw, "query", &mut errors);
        errors.sort_by_fields(&["name", "limit"]);
        let got: Vec<_> = errors.violations().iter().map(|v| (v.kind.as_str(), v.ctx.clone())).collect();
        assert_eq!(got, [("missing", None), ("greater_than_equal", Some(json!({ "ge": 1 })))]);
        assert_eq!(errors.violations()[0].input, Some(raw));
        assert_eq!(errors.violations()[1].loc, [json!("query"), json!("limit")]);
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let mut errors = ValidationErrors::default();
        check(&Dto { name: Some("ééé".into()), limit: None }, &json!({}), "body", &mut errors);
        assert!(errors.is_empty());
        check(&Dto { name: Some("éééééé".into()), limit: None }, &json!({}), "body", &mut errors);
        assert_eq!(errors.violations()[0].kind, "string_too_long");
    }
}
