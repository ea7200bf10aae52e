//! The title of a todo.

use std::fmt;

pub const TITLE_MIN_CHARS: usize = 1;
pub const TITLE_MAX_CHARS: usize = 200;

/// Why a string is not a title.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TitleError {
    #[error("a title has at least {min} character, got {actual}")]
    TooShort { min: usize, actual: usize },
    #[error("a title has at most {max} characters, got {actual}")]
    TooLong { max: usize, actual: usize },
    #[error("a title must not be only white space")]
    Blank,
    /// NUL, which PostgreSQL cannot store in text: refused on every database alike.
    #[error("a title must not contain the NUL character")]
    ContainsNul,
}

/// 1 to 200 characters, not all of them white space, no NUL. Stored as given, untrimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoTitle(String);

impl TodoTitle {
    /// # Errors
    /// The first rule the string breaks, length first.
    pub fn parse(raw: impl Into<String>) -> Result<Self, TitleError> {
        let raw = raw.into();
        let actual = raw.chars().count();
        if actual < TITLE_MIN_CHARS {
            return Err(TitleError::TooShort { min: TITLE_MIN_CHARS, actual });
        }
        if actual > TITLE_MAX_CHARS {
            return Err(TitleError::TooLong { max: TITLE_MAX_CHARS, actual });
        }
        if raw.trim().is_empty() {
            return Err(TitleError::Blank);
        }
        if raw.contains('\0') {
            return Err(TitleError::ContainsNul);
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The title as the `String` it was made from.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for TodoTitle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_checked_at_every_boundary() {
        let cases: &[(String, Result<(), TitleError>)] = &[
            (String::new(), Err(TitleError::TooShort { min: 1, actual: 0 })),
            ("x".into(), Ok(())),
            (" x ".into(), Ok(())),
            ("x".repeat(200), Ok(())),
            ("日".repeat(200), Ok(())),
            ("x".repeat(201), Err(TitleError::TooLong { max: 200, actual: 201 })),
            (" ".into(), Err(TitleError::Blank)),
            ("\t\n \u{3000}".into(), Err(TitleError::Blank)),
            ("\u{1c}".into(), Ok(())), // a control character, but not white space
            ("a\0b".into(), Err(TitleError::ContainsNul)),
            ("\0".into(), Err(TitleError::ContainsNul)),
        ];
        for (raw, expected) in cases {
            assert_eq!(TodoTitle::parse(raw.clone()).map(|_| ()), *expected, "{raw:?}");
        }
    }

    #[test]
    fn a_title_is_stored_as_given() {
        assert_eq!(TodoTitle::parse("  Buy milk ").unwrap().as_str(), "  Buy milk ");
    }
}
