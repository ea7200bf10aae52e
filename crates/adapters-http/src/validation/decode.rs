//! From a parsed body, form or query string to a DTO, reporting every field of
//! the wrong type rather than stopping at the first one.

use std::borrow::Cow;
use std::cell::Cell;

use serde::de::{DeserializeOwned, Error as _, Visitor};
use serde::{Deserialize, Deserializer, forward_to_deserialize_any};
use serde_json::Value;

use super::{Rule, ValidationErrors, Violation};

/// The declared field names of a struct DTO, in order, as its `Deserialize` impl
/// announces them to the deserializer; used to report problems in that order.
pub fn field_order<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Introspect(Cell<&'static [&'static str]>);

    impl<'de> Deserializer<'de> for &Introspect {
        type Error = serde::de::value::Error;

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.set(fields);
            Err(Self::Error::custom("introspection only"))
        }

        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
            Err(Self::Error::custom("introspection only"))
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    let introspect = Introspect(Cell::new(&[]));
    let _ = T::deserialize(&introspect);
    introspect.0.get()
}

/// Deserializes the JSON object `raw` into `T`. serde stops at the first field of
/// the wrong type, so each such field is reported, removed, and decoding retried;
/// DTO fields are all optional, so a removed field simply reads as absent.
pub fn decode<T: DeserializeOwned>(raw: &Value, source: &str, errors: &mut ValidationErrors) -> Option<T> {
    let mut object = Cow::Borrowed(raw);
    loop {
        let error = match serde_path_to_error::deserialize::<_, T>(object.as_ref()) {
            Ok(dto) => return Some(dto),
            Err(error) => error,
        };
        let rule = rule_of(&error.inner().to_string());
        let field = match error.path().iter().next() {
            Some(serde_path_to_error::Segment::Map { key }) if object.get(key).is_some() => key.clone(),
            _ => {
                errors.push(Violation::new(rule, source, None, Some(object.into_owned())));
                return None;
            }
        };
        errors.push(Violation::new(rule, source, Some(&field), object.get(&field).cloned()));
        if let Some(fields) = object.to_mut().as_object_mut() {
            fields.remove(&field);
        }
    }
}

/// The rule a serde error stands for: one of ours if a deserializer below encoded
/// it, otherwise read from serde's "invalid type: ..., expected ..." message.
fn rule_of(message: &str) -> Rule {
    if let Some(rule) = Rule::decode(message) {
        return rule;
    }
    let expected = message.rsplit_once("expected ").map_or("", |(_, expected)| expected);
    if expected.contains("string") {
        Rule::string_type()
    } else if expected.contains("bool") {
        Rule::bool_type()
    } else if expected.contains("i64") || expected.contains("integer") {
        Rule::int_type()
    } else {
        Rule::value_error(message)
    }
}

/// For a field that may be left out but not sent as `null` (with `#[serde(default)]`).
pub fn non_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// For a field where `null` means "clear it": absent is `None`, `null` is `Some(None)`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An integer sent as text, as in a query string.
pub fn int_from_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.trim().parse().map(Some).map_err(|_| D::Error::custom(Rule::int_parsing().encode()))
}

/// A JSON integer, as JSON Schema and Pydantic see one: `90` and `90.0` alike; `90.5` is
/// `int_from_float`, anything else `int_type`. Beyond `i64`, saturated, for range rules to refuse.
pub fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let number = match Value::deserialize(deserializer)? {
        Value::Number(number) => number,
        _ => return Err(D::Error::custom(Rule::int_type().encode())),
    };
    if let Some(whole) = number.as_i64() {
        return Ok(Some(whole));
    }
    if number.as_u64().is_some() {
        return Ok(Some(i64::MAX));
    }
    match number.as_f64() {
        // `as` saturates at the bounds of i64, which is what the range rules need.
        #[allow(clippy::cast_possible_truncation)]
        Some(float) if float.fract() == 0.0 => Ok(Some(float as i64)),
        _ => Err(D::Error::custom(Rule::int_from_float().encode())),
    }
}

/// A boolean sent as text: `true` or `false` in any case, nothing else. `1`,
/// `yes` and `on` are refused rather than guessed at.
pub fn bool_from_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let text = String::deserialize(deserializer)?;
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(D::Error::custom(Rule::bool_parsing().encode())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Dto {
        #[serde(default, deserialize_with = "non_null")]
        title: Option<String>,
        #[serde(default, deserialize_with = "non_null")]
        completed: Option<bool>,
        #[serde(default, deserialize_with = "nullable")]
        description: Option<Option<String>>,
    }

    fn kinds(errors: &ValidationErrors) -> Vec<(String, String)> {
        errors.violations().iter().map(|v| (v.loc[1].as_str().unwrap().to_owned(), v.kind.clone())).collect()
    }

    #[test]
    fn the_declared_field_order_is_known() {
        assert_eq!(field_order::<Dto>(), ["title", "completed", "description"]);
    }

    #[test]
    fn every_wrongly_typed_field_is_reported_with_its_input() {
        let mut errors = ValidationErrors::default();
        let raw = json!({ "title": 5, "completed": "maybe", "description": [] });
        assert!(decode::<Dto>(&raw, "body", &mut errors).is_some());
        errors.sort_by_fields(field_order::<Dto>());
        let expected = [("title", "string_type"), ("completed", "bool_type"), ("description", "string_type")];
        assert_eq!(kinds(&errors), expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
        assert_eq!(errors.violations()[0].input, Some(json!(5)));
    }

    #[test]
    fn null_is_refused_where_it_cannot_mean_anything_and_clears_where_it_can() {
        let mut errors = ValidationErrors::default();
        let dto = decode::<Dto>(&json!({ "title": null, "description": null }), "body", &mut errors).unwrap();
        assert_eq!(kinds(&errors), [("title".to_owned(), "string_type".to_owned())]);
        assert_eq!(dto.description, Some(None));
    }

    #[test]
    fn absent_fields_are_none_and_unknown_fields_are_ignored() {
        let mut errors = ValidationErrors::default();
        let dto = decode::<Dto>(&json!({ "extra": 1 }), "body", &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!((dto.title, dto.completed, dto.description), (None, None, None));
    }

    #[test]
    fn text_booleans_accept_only_true_and_false() {
        #[derive(Deserialize)]
        struct Query {
            #[serde(default, deserialize_with = "bool_from_text")]
            completed: Option<bool>,
        }
        for (text, expected) in
            [("true", Some(true)), ("False", Some(false)), ("1", None), ("yes", None), ("on", None)]
        {
            let mut errors = ValidationErrors::default();
            let query = decode::<Query>(&json!({ "completed": text }), "query", &mut errors).unwrap();
            assert_eq!(query.completed, expected, "{text}");
            assert_eq!(errors.is_empty(), expected.is_some(), "{text}");
        }
    }
}
