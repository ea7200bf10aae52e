//! Passwords and their hashes. Neither can be printed, compared or serialised by
//! accident: they have no `Display`, their `Debug` is redacted, and the plain text
//! is zeroed in memory when dropped.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Why a string is not acceptable as a new password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least {min} characters, got {actual}")]
    TooShort { min: usize, actual: usize },
    #[error("a password has at most {max} characters, got {actual}")]
    TooLong { max: usize, actual: usize },
    /// NUL, which many clients cannot type and some hashing libraries stop at.
    #[error("a password must not contain the NUL character")]
    ContainsNul,
}

/// A password in plain text, on its way to being hashed or verified.
pub struct Password(SecretString);

impl Password {
    /// A new password, held to the policy: 8 to 128 characters, no NUL.
    ///
    /// # Errors
    /// [`PasswordError`] when the length is outside the policy.
    pub fn parse(raw: String) -> Result<Self, PasswordError> {
        let actual = raw.chars().count();
        if actual < PASSWORD_MIN_CHARS {
            return Err(PasswordError::TooShort { min: PASSWORD_MIN_CHARS, actual });
        }
        if actual > PASSWORD_MAX_CHARS {
            return Err(PasswordError::TooLong { max: PASSWORD_MAX_CHARS, actual });
        }
        if raw.contains('\0') {
            return Err(PasswordError::ContainsNul);
        }
        Ok(Self(raw.into()))
    }

    /// A password as typed at log-in. It is not held to the policy, so that a
    /// stricter policy never locks out someone whose password predates it.
    pub fn from_attempt(raw: String) -> Self {
        Self(raw.into())
    }

    /// The plain text, for the one adapter that hashes or verifies it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// A password hash as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
///
/// It never leaves the service; `Debug` is redacted so that it cannot reach a log either.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by a password hasher or read back from storage.
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_are_held_to_the_length_policy() {
        let cases: &[(String, Result<(), PasswordError>)] = &[
            (String::new(), Err(PasswordError::TooShort { min: 8, actual: 0 })),
            ("1234567".into(), Err(PasswordError::TooShort { min: 8, actual: 7 })),
            ("12345678".into(), Ok(())),
            ("é".repeat(8), Ok(())),
            ("x".repeat(128), Ok(())),
            ("x".repeat(129), Err(PasswordError::TooLong { max: 128, actual: 129 })),
            ("1234\u{0}5678".into(), Err(PasswordError::ContainsNul)),
        ];
        for (raw, expected) in cases {
            assert_eq!(Password::parse(raw.clone()).map(|_| ()), *expected, "{} chars", raw.chars().count());
        }
    }

    #[test]
    fn a_login_attempt_is_not_held_to_the_policy() {
        assert_eq!(Password::from_attempt("short".into()).expose(), "short");
    }

    #[test]
    fn neither_password_nor_hash_can_be_printed() {
        let password = Password::parse("correct horse battery".into()).unwrap();
        let hash = PasswordHash::new("$argon2id$v=19$secret".into());
        assert_eq!(format!("{password:?}"), "Password([REDACTED])");
        assert_eq!(format!("{hash:?}"), "PasswordHash([REDACTED])");
    }
}
