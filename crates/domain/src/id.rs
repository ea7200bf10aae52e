//! Identifiers. Both are positive 64-bit integers assigned by the database.

use std::fmt;

/// Why a raw number is not an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an id must be greater than 0, got {0}")]
    NotPositive(i64),
}

macro_rules! positive_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(i64);

        impl $name {
            /// Accepts any number greater than zero.
            ///
            /// # Errors
            /// [`IdError::NotPositive`] for zero and negative numbers.
            pub fn new(raw: i64) -> Result<Self, IdError> {
                if raw > 0 { Ok(Self(raw)) } else { Err(IdError::NotPositive(raw)) }
            }

            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

positive_id!(
    /// The identity of a registered user.
    UserId
);
positive_id!(
    /// The identity of a todo.
    TodoId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_positive_numbers_only() {
        for (raw, ok) in [(i64::MIN, false), (-1, false), (0, false), (1, true), (i64::MAX, true)] {
            assert_eq!(TodoId::new(raw).is_ok(), ok, "TodoId {raw}");
            assert_eq!(UserId::new(raw).is_ok(), ok, "UserId {raw}");
        }
    }

    #[test]
    fn an_id_gives_back_its_number_and_prints_it() {
        let id = UserId::new(42).unwrap();
        assert_eq!(id.get(), 42);
        assert_eq!(id.to_string(), "42");
    }
}
