//! The second gate: domain errors as Pydantic rules, and the conversion of a DTO
//! field into a value object that reports at the field's location.

use todo_domain::{DescriptionError, EmailError, PageError, PasswordError, TitleError, UsernameError};

use super::{Rule, ValidationErrors, Violation};

/// The username alphabet, as the pattern shown to clients.
pub const USERNAME_PATTERN: &str = "^[A-Za-z0-9_.-]+$";

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
        }
    }
}

impl DomainRule for TitleError {
    fn rule(&self) -> Rule {
        match self {
            Self::TooShort { min, .. } => Rule::string_too_short(*min),
            Self::TooLong { max, .. } => Rule::string_too_long(*max),
            Self::Blank => Rule::value_error("Title must not be blank"),
        }
    }
}

impl DomainRule for DescriptionError {
    fn rule(&self) -> Rule {
        match self {
            Self::TooLong { max, .. } => Rule::string_too_long(*max),
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
}
