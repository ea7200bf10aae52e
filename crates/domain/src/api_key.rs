//! API keys: long-lived secrets a user makes for scripts and other services, each with its own
//! scopes, expiry and name, revocable one by one.

use std::fmt;

use chrono::TimeDelta;

use crate::session::is_random_id;
use crate::{Scopes, Timestamp, UserId};

/// Every key starts with this, so that a key found in a log or a repository is recognisable.
pub const API_KEY_PREFIX: &str = "tdk_";
/// How many leading characters of a key are kept in clear, to tell keys apart in a list.
pub const API_KEY_SHOWN_CHARS: usize = 8;
/// A key's `last_used_at` is written at most this often.
pub const API_KEY_USE_RECORDED_EVERY: TimeDelta = TimeDelta::minutes(1);
pub const API_KEY_NAME_MAX_CHARS: usize = 100;
/// The longest lifetime a key may be given, in days (about ten years).
pub const API_KEY_MAX_DAYS: u32 = 3650;

/// A key's id: random, like a session's, so that one id reveals nothing of others.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKeyId(String);

/// Not the shape of an API key id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an API key id")]
pub struct ApiKeyIdError;

impl ApiKeyId {
    /// 32 lower-case hexadecimal digits, as generated.
    ///
    /// # Errors
    /// [`ApiKeyIdError`] for anything else.
    pub fn parse(text: impl Into<String>) -> Result<Self, ApiKeyIdError> {
        let text = text.into();
        if is_random_id(&text) { Ok(Self(text)) } else { Err(ApiKeyIdError) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a string is not a key name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyNameError {
    #[error("a key name has 1 to {max} characters, got {actual}")]
    Length { max: usize, actual: usize },
    #[error("a key name must not be only white space")]
    Blank,
    #[error("a key name must not contain control characters")]
    Control,
}

/// What the user calls a key: 1 to 100 characters, not blank, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyName(String);

impl ApiKeyName {
    /// # Errors
    /// The first rule the string breaks, length first.
    pub fn parse(raw: impl Into<String>) -> Result<Self, ApiKeyNameError> {
        let raw = raw.into();
        let actual = raw.chars().count();
        if actual == 0 || actual > API_KEY_NAME_MAX_CHARS {
            return Err(ApiKeyNameError::Length { max: API_KEY_NAME_MAX_CHARS, actual });
        }
        if raw.trim().is_empty() {
            return Err(ApiKeyNameError::Blank);
        }
        if raw.chars().any(char::is_control) {
            return Err(ApiKeyNameError::Control);
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One API key, as stored: everything but the key itself, of which only a hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub name: ApiKeyName,
    /// The key's first [`API_KEY_SHOWN_CHARS`] characters, `tdk_` included.
    pub prefix: String,
    pub scopes: Scopes,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// Recorded at most every [`API_KEY_USE_RECORDED_EVERY`].
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    /// Neither revoked nor expired.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expiry| now < expiry)
    }

    /// Whether a use at `now` should be written down, given the last one recorded.
    pub fn use_is_worth_recording(&self, now: Timestamp) -> bool {
        self.last_used_at.is_none_or(|last| now - last >= API_KEY_USE_RECORDED_EVERY)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()
    }

    fn key() -> ApiKey {
        ApiKey {
            id: ApiKeyId::parse("0123456789abcdef0123456789abcdef").unwrap(),
            user_id: UserId::new(1).unwrap(),
            name: ApiKeyName::parse("backup script").unwrap(),
            prefix: "tdk_AbCd".into(),
            scopes: Scopes::allowed_for(false),
            created_at: now(),
            expires_at: Some(now() + TimeDelta::days(30)),
            last_used_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn key_names_are_short_visible_text() {
        assert_eq!(ApiKeyName::parse("ci").unwrap().as_str(), "ci");
        assert!(ApiKeyName::parse("x".repeat(100)).is_ok());
        assert_eq!(ApiKeyName::parse(""), Err(ApiKeyNameError::Length { max: 100, actual: 0 }));
        assert_eq!(
            ApiKeyName::parse("x".repeat(101)),
            Err(ApiKeyNameError::Length { max: 100, actual: 101 })
        );
        assert_eq!(ApiKeyName::parse("  "), Err(ApiKeyNameError::Blank));
        assert_eq!(ApiKeyName::parse("a\nb"), Err(ApiKeyNameError::Control));
        assert!(ApiKeyId::parse("0123456789ABCDEF0123456789abcdef").is_err());
    }

    #[test]
    fn a_key_works_until_it_expires_or_is_revoked() {
        let key = key();
        assert!(key.is_active(now() + TimeDelta::days(29)));
        assert!(!key.is_active(now() + TimeDelta::days(30)));
        assert!(ApiKey { expires_at: None, ..key.clone() }.is_active(now() + TimeDelta::days(9999)));
        assert!(!ApiKey { revoked_at: Some(now()), ..key }.is_active(now()));
    }

    #[test]
    fn a_use_is_recorded_at_most_once_a_minute() {
        let key = key();
        assert!(key.use_is_worth_recording(now()));
        let used = ApiKey { last_used_at: Some(now()), ..key };
        assert!(!used.use_is_worth_recording(now() + TimeDelta::seconds(59)));
        assert!(used.use_is_worth_recording(now() + TimeDelta::seconds(60)));
    }
}
