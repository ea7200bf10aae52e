//! Idempotency keys: a client names a write so that sending it again, after a lost answer,
//! replays the first answer instead of writing twice.

use chrono::TimeDelta;

/// The longest key, in characters.
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 255;

/// How long a key is remembered after its first use.
pub const IDEMPOTENCY_KEY_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// Why a string is not an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdempotencyKeyError {
    #[error("an idempotency key has 1 to {max} characters, got {actual}")]
    Length { max: usize, actual: usize },
    #[error("an idempotency key holds visible ASCII characters and spaces only")]
    Character,
}

/// 1 to 255 visible ASCII characters or spaces (what an HTTP header carries verbatim), chosen
/// by the client; unique per user, not globally.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// # Errors
    /// The first rule the string breaks, length first.
    pub fn parse(raw: impl Into<String>) -> Result<Self, IdempotencyKeyError> {
        let raw = raw.into();
        let actual = raw.chars().count();
        if actual == 0 || actual > IDEMPOTENCY_KEY_MAX_CHARS {
            return Err(IdempotencyKeyError::Length { max: IDEMPOTENCY_KEY_MAX_CHARS, actual });
        }
        if !raw.bytes().all(|byte| byte == b' ' || byte.is_ascii_graphic()) {
            return Err(IdempotencyKeyError::Character);
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_1_to_255_visible_ascii_characters() {
        assert!(IdempotencyKey::parse("order-42 retry").is_ok());
        assert!(IdempotencyKey::parse("k".repeat(255)).is_ok());
        assert_eq!(IdempotencyKey::parse(""), Err(IdempotencyKeyError::Length { max: 255, actual: 0 }));
        assert!(matches!(IdempotencyKey::parse("k".repeat(256)), Err(IdempotencyKeyError::Length { .. })));
        assert_eq!(IdempotencyKey::parse("tab\there"), Err(IdempotencyKeyError::Character));
        assert_eq!(IdempotencyKey::parse("café"), Err(IdempotencyKeyError::Character));
    }
}
