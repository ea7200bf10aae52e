//! An e-mail address, normalised to lower case so that uniqueness ignores case.

use std::fmt;

/// The longest address SMTP can carry (RFC 5321: 256 octets for the path, minus `<>`).
pub const EMAIL_MAX_CHARS: usize = 254;
const LOCAL_PART_MAX_CHARS: usize = 64;
const LABEL_MAX_CHARS: usize = 63;

/// Why a string is not an e-mail address. The messages say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("An email address must have an @-sign.")]
    MissingAt,
    #[error("There must be something before the @-sign.")]
    EmptyLocalPart,
    #[error("There must be something after the @-sign.")]
    EmptyDomain,
    #[error("The email address is too long ({} characters too many).", actual - max)]
    TooLong { max: usize, actual: usize },
    #[error("The email address is too long before the @-sign ({} characters too many).", actual - max)]
    LocalPartTooLong { max: usize, actual: usize },
    #[error("The email address contains invalid characters before the @-sign: {found:?}.")]
    InvalidLocalCharacter { found: char },
    #[error("The part before the @-sign cannot start or end with a period, or have two in a row.")]
    MisplacedPeriod,
    #[error("The part after the @-sign contains invalid characters: {found:?}.")]
    InvalidDomainCharacter { found: char },
    #[error("The part after the @-sign is not valid. It should have a period.")]
    DomainWithoutPeriod,
    #[error("The part after the @-sign is not a valid domain name.")]
    InvalidDomain,
}

/// A syntactically valid address such as `ada@example.com`, stored lower-cased.
///
/// The domain must have a period (no `user@localhost`) and end in a name, not a
/// number; internationalised letters are accepted on both sides of the `@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// # Errors
    /// The first rule the string breaks.
    pub fn parse(raw: impl AsRef<str>) -> Result<Self, EmailError> {
        let raw = raw.as_ref();
        let actual = raw.chars().count();
        if actual > EMAIL_MAX_CHARS {
            return Err(EmailError::TooLong { max: EMAIL_MAX_CHARS, actual });
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(EmailError::MissingAt)?;
        check_local_part(local)?;
        check_domain(domain)?;
        Ok(Self(raw.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_local_part(local: &str) -> Result<(), EmailError> {
    let actual = local.chars().count();
    if actual == 0 {
        return Err(EmailError::EmptyLocalPart);
    }
    if actual > LOCAL_PART_MAX_CHARS {
        return Err(EmailError::LocalPartTooLong { max: LOCAL_PART_MAX_CHARS, actual });
    }
    let allowed = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-.".contains(c);
    if let Some(found) = local.chars().find(|c| !allowed(*c)) {
        return Err(EmailError::InvalidLocalCharacter { found });
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::MisplacedPeriod);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    if domain.is_empty() {
        return Err(EmailError::EmptyDomain);
    }
    if let Some(found) = domain.chars().find(|c| !(c.is_alphanumeric() || *c == '-' || *c == '.')) {
        return Err(EmailError::InvalidDomainCharacter { found });
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailError::DomainWithoutPeriod);
    }
    let label_ok = |label: &str| {
        let chars = label.chars().count();
        (1..=LABEL_MAX_CHARS).contains(&chars) && !label.starts_with('-') && !label.ends_with('-')
    };
    let top_level = labels[labels.len() - 1];
    if !labels.iter().all(|label| label_ok(label)) || top_level.chars().all(|c| c.is_ascii_digit()) {
        return Err(EmailError::InvalidDomain);
    }
    Ok(())
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_accepted_and_lower_cased() {
        let cases = [
            ("test@example.com", "test@example.com"),
            ("Ada.Lovelace@Example.COM", "ada.lovelace@example.com"),
            ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
            ("o'brien@example.ie", "o'brien@example.ie"),
            ("josé@exämple.de", "josé@exämple.de"),
            ("x@a-b.io", "x@a-b.io"),
        ];
        for (raw, stored) in cases {
            assert_eq!(
                EmailAddress::parse(raw).map(|e| e.as_str().to_owned()),
                Ok(stored.to_owned()),
                "{raw}"
            );
        }
    }

    #[test]
    fn invalid_addresses_say_what_is_wrong() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total =
            format!("{}@{}.{}.{}.com", "a".repeat(64), "b".repeat(62), "b".repeat(61), "b".repeat(61));
        let cases: Vec<(&str, EmailError)> = vec![
            ("", EmailError::MissingAt),
            ("plainaddress", EmailError::MissingAt),
            ("@example.com", EmailError::EmptyLocalPart),
            ("user@", EmailError::EmptyDomain),
            ("user@localhost", EmailError::DomainWithoutPeriod),
            ("us er@example.com", EmailError::InvalidLocalCharacter { found: ' ' }),
            (".user@example.com", EmailError::MisplacedPeriod),
            ("user.@example.com", EmailError::MisplacedPeriod),
            ("us..er@example.com", EmailError::MisplacedPeriod),
            ("user@exa_mple.com", EmailError::InvalidDomainCharacter { found: '_' }),
            ("user@example..com", EmailError::InvalidDomain),
            ("user@-example.com", EmailError::InvalidDomain),
            ("user@example.com.", EmailError::InvalidDomain),
            ("user@10.0.0.1", EmailError::InvalidDomain),
            (&long_local, EmailError::LocalPartTooLong { max: 64, actual: 65 }),
            (&long_total, EmailError::TooLong { max: 254, actual: 255 }),
        ];
        for (raw, expected) in cases {
            assert_eq!(EmailAddress::parse(raw), Err(expected), "{raw}");
        }
    }

    #[test]
    fn the_longest_allowed_address_is_accepted() {
        let label = "b".repeat(61);
        let longest = format!("{}@{label}.{label}.{label}.com", "a".repeat(64));
        assert_eq!(longest.chars().count(), EMAIL_MAX_CHARS);
        assert!(EmailAddress::parse(&longest).is_ok());
    }

    #[test]
    fn error_messages_read_as_instructions() {
        assert_eq!(EmailError::MissingAt.to_string(), "An email address must have an @-sign.");
        assert_eq!(
            EmailError::TooLong { max: 254, actual: 260 }.to_string(),
            "The email address is too long (6 characters too many)."
        );
    }
}
