//! The optional free-text description of a todo.

use std::fmt;

pub const DESCRIPTION_MAX_CHARS: usize = 10_000;

/// Why a string is not a description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DescriptionError {
    #[error("a description has at most {max} characters, got {actual}")]
    TooLong { max: usize, actual: usize },
    /// NUL, which PostgreSQL cannot store in text: refused on every database alike.
    #[error("a description must not contain the NUL character")]
    ContainsNul,
}

/// Up to 10,000 characters, no NUL; may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoDescription(String);

impl TodoDescription {
    /// # Errors
    /// [`DescriptionError::TooLong`] above the limit, [`DescriptionError::ContainsNul`].
    pub fn parse(raw: impl Into<String>) -> Result<Self, DescriptionError> {
        let raw = raw.into();
        let actual = raw.chars().count();
        if actual > DESCRIPTION_MAX_CHARS {
            return Err(DescriptionError::TooLong { max: DESCRIPTION_MAX_CHARS, actual });
        }
        if raw.contains('\0') {
            return Err(DescriptionError::ContainsNul);
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The description as the `String` it was made from.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for TodoDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_checked_at_the_limit() {
        let cases: &[(String, Result<(), DescriptionError>)] = &[
            (String::new(), Ok(())),
            ("x".repeat(10_000), Ok(())),
            ("é".repeat(10_000), Ok(())),
            ("x".repeat(10_001), Err(DescriptionError::TooLong { max: 10_000, actual: 10_001 })),
            ("a\0b".into(), Err(DescriptionError::ContainsNul)),
        ];
        for (raw, expected) in cases {
            assert_eq!(TodoDescription::parse(raw.clone()).map(|_| ()), *expected, "{} chars", raw.len());
        }
    }
}
