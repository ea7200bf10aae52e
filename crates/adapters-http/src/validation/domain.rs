//! The second gate: domain errors as Pydantic rules, and the conversion of a DTO
//! field into a value object that reports at the field's location.

use todo_domain::{DescriptionError, EmailError, PageError, PasswordError, TitleError, UsernameError};

use super::{Rule, ValidationErrors, Violation};

/// The username alphabet, as the pattern shown to clients.
pub const USERNAME_PATTERN: &str = "^[A-Za-z0-9_.-]+$";
/// A title as the pattern shown to clients: one character at least that is neither NUL nor
/// white space (Unicode's `White_Space`, which `str::trim` removes), and no NUL anywhere.
pub const TITLE_PATTERN: &str =
    r"^[^\u0000]*[^\u0000\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$";
/// Any other text: no NUL.
pub const NO_NUL_PATTERN: &str = r"^[^\u0000]*$";
/// An API key's name: no control character (Unicode `Cc`, which `char::is_control` tests) and
/// one character at least that is not white space either.
pub const KEY_NAME_PATTERN: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u001f\u007f-\u009f \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u001f\u007f-\u009f]*$";

/// A domain error that can be told to a client as a validation rule.
pub trait DomainRule {
    fn rule(&self) -> Rule;
}

/// `Err(rule)` of a value object's constructor as a 422 at `source`.`field`.
pub fn at<E: DomainRule>(source: &'static str, field: &'static str) -> impl FnOnce(E) -> ValidationErrors {
    move |error| ValidationErrors::one(Violation::new(error.rule(), source, Some(field), None))
}

impl DomainRule for UsernameError {
    fn rule(&self) -> Rule {
        match self {
            Self::TooShort { min, .. } => Rule::string_too_short(*min),
            Self::TooLong { max, .. } => Rule::string_too_long(*max),
            Self::InvalidCharacter { .. } => Rule::pattern_mismatch(USERNAME_PATTERN),
        }
    }
}

impl DomainRule for EmailError {
    fn rule(&self) -> Rule {
        Rule::invalid_email(&self.to_string())
    }
}

impl DomainRule for PasswordError {
    fn rule(&self) -> Rule {
        match self {
            Self::TooShort { min, .. } => Rule::string_too_short(*min),
            Self::TooLong { max, .. } => Rule::string_too_long(*max),
            Self::ContainsNul => Rule::value_error("Password must not contain the NUL character"),
        }
    }
}

impl DomainRule for TitleError {
    fn rule(&self) -> Rule {
        match self {
            Self::TooShort { min, .. } => Rule::string_too_short(*min),
            Self::TooLong { max, .. } => Rule::string_too_long(*max),
            Self::Blank => Rule::value_error("Title must not be blank"),
            Self::ContainsNul => Rule::value_error("Title must not contain the NUL character"),
        }
    }
}

impl DomainRule for DescriptionError {
    fn rule(&self) -> Rule {
        match self {
            Self::TooLong { max, .. } => Rule::string_too_long(*max),
            Self::ContainsNul => Rule::value_error("Description must not contain the NUL character"),
        }
    }
}

impl DomainRule for PageError {
    fn rule(&self) -> Rule {
        match self {
            Self::NegativeSkip { .. } => Rule::greater_than_equal(0),
            Self::LimitTooSmall { min, .. } => Rule::greater_than_equal(*min),
            Self::LimitTooLarge { max, .. } => Rule::less_than_equal(*max),
        }
    }
}

#[cfg(test)]
mod tests {
    use todo_domain::{TodoTitle, Username};

    use super::*;

    #[test]
    fn domain_errors_become_the_rules_pydantic_would_name() {
        let cases = [
            (Username::parse("ab").unwrap_err().rule(), "string_too_short"),
            (Username::parse("a b").unwrap_err().rule(), "string_pattern_mismatch"),
            (TodoTitle::parse("   ").unwrap_err().rule(), "value_error"),
            (TodoTitle::parse("x".repeat(201)).unwrap_err().rule(), "string_too_long"),
            (EmailError::MissingAt.rule(), "value_error"),
        ];
        for (rule, kind) in cases {
            assert_eq!(rule.kind, kind);
        }
        assert_eq!(
            EmailError::MissingAt.rule().msg,
            "value is not a valid email address: An email address must have an @-sign."
        );
    }

    /// The patterns in the OpenAPI document accept exactly what the domain accepts, so that
    /// a client (or a fuzzer) reading the document is never surprised by a 422 or a 201.
    #[test]
    fn the_documented_patterns_accept_what_the_domain_accepts() {
        use todo_domain::{Password, TodoDescription};
        let title = regex::Regex::new(TITLE_PATTERN).unwrap();
        let no_nul = regex::Regex::new(NO_NUL_PATTERN).unwrap();
        let samples = [
            "a",
            " a ",
            " ",
            "\t\n\u{b}\u{c}\r",
            "\u{85}",
            "\u{a0}",
            "\u{1680}",
            "\u{2000}\u{200a}",
            "\u{2028}",
            "\u{2029}",
            "\u{202f}",
            "\u{205f}",
            "\u{3000}",
            "\u{1c}",
            "\u{200b}",
            "\u{feff}",
            "a\0",
            "\0",
            " \0 ",
            "日本",
            "x\u{3000}",
        ];
        let key_name = regex::Regex::new(KEY_NAME_PATTERN).unwrap();
        for sample in samples.iter().chain(&["\u{7f}", "a\u{9f}", "\u{a0}b", "tab\tname"]) {
            assert_eq!(
                key_name.is_match(sample),
                todo_domain::ApiKeyName::parse(*sample).is_ok(),
                "key name {sample:?}"
            );
        }
        for sample in samples {
            assert_eq!(title.is_match(sample), TodoTitle::parse(sample).is_ok(), "title {sample:?}");
            assert_eq!(
                no_nul.is_match(sample),
                TodoDescription::parse(sample).is_ok(),
                "description {sample:?}"
            );
            let password = format!("{sample}12345678");
            assert_eq!(no_nul.is_match(&password), Password::parse(password.clone()).is_ok(), "{password:?}");
        }
    }
}
