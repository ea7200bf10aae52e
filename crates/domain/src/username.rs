//! A username: the name a person logs in with.

use std::fmt;

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 50;

/// Why a string is not a username.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("a username has at least {min} characters, got {actual}")]
    TooShort { min: usize, actual: usize },
    #[error("a username has at most {max} characters, got {actual}")]
    TooLong { max: usize, actual: usize },
    #[error("a username may contain only letters, digits, '_', '-' and '.', found {found:?}")]
    InvalidCharacter { found: char },
}

/// 3 to 50 ASCII letters, digits, `_`, `-` or `.`; compared case-sensitively.
///
/// ASCII only, so that two names cannot look the same and be different.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// # Errors
    /// The first rule the string breaks, length first.
    pub fn parse(raw: impl Into<String>) -> Result<Self, UsernameError> {
        let raw = raw.into();
        let actual = raw.chars().count();
        if actual < USERNAME_MIN_CHARS {
            return Err(UsernameError::TooShort { min: USERNAME_MIN_CHARS, actual });
        }
        if actual > USERNAME_MAX_CHARS {
            return Err(UsernameError::TooLong { max: USERNAME_MAX_CHARS, actual });
        }
        if let Some(found) = raw.chars().find(|c| !is_allowed(*c)) {
            return Err(UsernameError::InvalidCharacter { found });
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The alphabet of usernames, also published in the API's documentation as a pattern.
pub(crate) fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked_at_every_boundary() {
        let cases: &[(&str, Result<(), UsernameError>)] = &[
            ("", Err(UsernameError::TooShort { min: 3, actual: 0 })),
            ("ab", Err(UsernameError::TooShort { min: 3, actual: 2 })),
            ("abc", Ok(())),
            ("a.b-c_9", Ok(())),
            (&"x".repeat(50), Ok(())),
            (&"x".repeat(51), Err(UsernameError::TooLong { max: 50, actual: 51 })),
            ("bad name", Err(UsernameError::InvalidCharacter { found: ' ' })),
            ("émile", Err(UsernameError::InvalidCharacter { found: 'é' })),
            ("a@b", Err(UsernameError::InvalidCharacter { found: '@' })),
        ];
        for (raw, expected) in cases {
            assert_eq!(Username::parse(*raw).map(|_| ()), *expected, "{raw:?}");
        }
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        // Two-byte characters are rejected by the alphabet, not miscounted by the length.
        let err = Username::parse("ééé").unwrap_err();
        assert_eq!(err, UsernameError::InvalidCharacter { found: 'é' });
    }

    #[test]
    fn a_username_keeps_its_case() {
        assert_eq!(Username::parse("Alice").unwrap().as_str(), "Alice");
    }
}
