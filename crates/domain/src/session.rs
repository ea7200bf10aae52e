//! Sessions: what a password log-in opens, refresh tokens keep alive for a while, and a
//! log-out, a password change or an administrator closes.

use std::fmt;

use chrono::TimeDelta;

use crate::{Scopes, Timestamp, UserId};

/// A refresh token is good for this long after it was issued...
pub const REFRESH_TOKEN_LIFETIME: TimeDelta = TimeDelta::days(14);
/// ...and no session outlives this, however often it is refreshed.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::days(90);
/// A spent refresh token presented again within this is a client's race, later a theft.
pub const REFRESH_REUSE_GRACE: TimeDelta = TimeDelta::seconds(10);
/// The longest user agent kept with a session, in characters.
pub const USER_AGENT_MAX_CHARS: usize = 255;

/// A session's id: an opaque random string, unguessable, so that knowing one reveals no other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

/// Not the shape of a session id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a session id")]
pub struct SessionIdError;

impl SessionId {
    /// 32 lower-case hexadecimal digits (128 bits), as generated.
    ///
    /// # Errors
    /// [`SessionIdError`] for anything else.
    pub fn parse(text: impl Into<String>) -> Result<Self, SessionIdError> {
        let text = text.into();
        if is_random_id(&text) { Ok(Self(text)) } else { Err(SessionIdError) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 32 lower-case hexadecimal digits: the shape of every random id the service generates.
pub(crate) fn is_random_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One open (or closed) session of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    /// What its access tokens allow.
    pub scopes: Scopes,
    pub created_at: Timestamp,
    /// The last refresh, or the log-in.
    pub last_used_at: Timestamp,
    /// [`SESSION_LIFETIME`] after the log-in.
    pub expires_at: Timestamp,
    /// The client that logged in, as it named itself, cut to [`USER_AGENT_MAX_CHARS`].
    pub user_agent: Option<String>,
    pub revoked_at: Option<Timestamp>,
}

impl Session {
    /// A session opened `now` by a log-in.
    pub fn open(
        id: SessionId,
        user_id: UserId,
        scopes: Scopes,
        user_agent: Option<&str>,
        now: Timestamp,
    ) -> Self {
        let user_agent = user_agent
            .map(|agent| {
                agent.chars().filter(|c| !c.is_control()).take(USER_AGENT_MAX_CHARS).collect::<String>()
            })
            .filter(|agent| !agent.is_empty());
        Self {
            id,
            user_id,
            scopes,
            created_at: now,
            last_used_at: now,
            expires_at: now + SESSION_LIFETIME,
            user_agent,
            revoked_at: None,
        }
    }

    /// Neither revoked nor past its lifetime.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }

    /// When a refresh token issued `now` for this session expires.
    pub fn refresh_token_expiry(&self, now: Timestamp) -> Timestamp {
        (now + REFRESH_TOKEN_LIFETIME).min(self.expires_at)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()
    }

    fn session() -> Session {
        let id = SessionId::parse("0123456789abcdef0123456789abcdef").unwrap();
        Session::open(id, UserId::new(1).unwrap(), Scopes::allowed_for(false), Some("curl/8\n"), now())
    }

    #[test]
    fn session_ids_are_32_lower_case_hex_digits() {
        assert!(SessionId::parse("0123456789abcdef0123456789abcdef").is_ok());
        for bad in [
            "",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcde",
            "g".repeat(32).as_str(),
        ] {
            assert_eq!(SessionId::parse(bad), Err(SessionIdError), "{bad:?}");
        }
    }

    #[test]
    fn a_session_lives_90_days_and_its_refresh_tokens_14_at_most() {
        let session = session();
        assert_eq!(session.user_agent.as_deref(), Some("curl/8"), "control characters dropped");
        assert!(session.is_active(now() + TimeDelta::days(89)));
        assert!(!session.is_active(now() + TimeDelta::days(90)));
        assert_eq!(session.refresh_token_expiry(now()), now() + TimeDelta::days(14));
        assert_eq!(session.refresh_token_expiry(now() + TimeDelta::days(80)), now() + TimeDelta::days(90));
        let revoked = Session { revoked_at: Some(now()), ..session };
        assert!(!revoked.is_active(now()));
    }
}
