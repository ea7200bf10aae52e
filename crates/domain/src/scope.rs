//! What an access token (or, later, an API key) allows: OAuth2 scopes.

use std::collections::BTreeSet;
use std::fmt;

/// One permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Read one's own todos.
    TodosRead,
    /// Change one's own todos.
    TodosWrite,
    /// The `/admin` routes; granted only to superusers.
    Admin,
}

impl Scope {
    pub const ALL: [Self; 3] = [Self::TodosRead, Self::TodosWrite, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TodosRead => "todos:read",
            Self::TodosWrite => "todos:write",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }
}

/// A scope that does not exist was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {0:?}")]
pub struct ScopeError(pub String);

/// A set of scopes, written space-separated in a fixed order (RFC 6749, section 3.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// `"todos:read todos:write"`; any amount of white space between; empty for none.
    ///
    /// # Errors
    /// [`ScopeError`] naming the first scope that does not exist.
    pub fn parse(text: &str) -> Result<Self, ScopeError> {
        text.split_whitespace()
            .map(|name| Scope::parse(name).ok_or_else(|| ScopeError(name.to_owned())))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// What a user may have: the todo scopes, and `admin` for a superuser.
    pub fn allowed_for(is_superuser: bool) -> Self {
        let mut scopes = BTreeSet::from([Scope::TodosRead, Scope::TodosWrite]);
        if is_superuser {
            scopes.insert(Scope::Admin);
        }
        Self(scopes)
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_subset(&self, of: &Self) -> bool {
        self.0.is_subset(&of.0)
    }

    /// The scopes in both sets.
    #[must_use]
    pub fn intersection(&self, other: &Self) -> Self {
        Self(self.0.intersection(&other.0).copied().collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(scopes: I) -> Self {
        Self(scopes.into_iter().collect())
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_and_write_in_a_fixed_order() {
        let scopes = Scopes::parse("  todos:write\ttodos:read todos:write ").unwrap();
        assert_eq!(scopes.to_string(), "todos:read todos:write");
        assert_eq!(Scopes::parse("").unwrap(), Scopes::default());
        assert_eq!(Scopes::parse("todos:read admin write"), Err(ScopeError("write".into())));
        assert_eq!(Scopes::parse("Admin"), Err(ScopeError("Admin".into())), "names are case-sensitive");
    }

    #[test]
    fn only_a_superuser_may_have_admin() {
        assert_eq!(Scopes::allowed_for(false).to_string(), "todos:read todos:write");
        assert_eq!(Scopes::allowed_for(true).to_string(), "todos:read todos:write admin");
        let read = Scopes::parse("todos:read").unwrap();
        assert!(read.is_subset(&Scopes::allowed_for(false)));
        assert!(!Scopes::allowed_for(true).is_subset(&Scopes::allowed_for(false)));
    }
}
