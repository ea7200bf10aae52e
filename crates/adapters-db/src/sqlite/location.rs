//! Where a `sqlite:` URL points, and how to open a connection there.

use std::path::PathBuf;

use sea_orm::{DbErr, RuntimeErr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File {
        path: PathBuf,
        create: bool,
    },
    /// Private to one connection, which then does everything.
    Memory,
}

impl Location {
    /// Reads `sqlite://todo.db`, `sqlite:todo.db`, `sqlite:///abs/path.db`,
    /// `sqlite::memory:` and the `mode` parameter: `rwc` (the default) creates a
    /// missing file, `rw` does not, `memory` keeps the database in memory.
    ///
    /// # Errors
    /// `DbErr::Conn` naming the problem, for any other form or parameter.
    pub fn parse(url: &str) -> Result<Self, DbErr> {
        let invalid = |why: &str| DbErr::Conn(RuntimeErr::Internal(format!("{url}: {why}")));
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| invalid("a SQLite URL starts with sqlite:"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (mut create, mut memory) = (true, path.is_empty() || path == ":memory:");
        for parameter in query.split('&').filter(|parameter| !parameter.is_empty()) {
            match parameter {
                "mode=rwc" => create = true,
                "mode=rw" => create = false,
                "mode=memory" => memory = true,
                _ => return Err(invalid(&format!("unsupported parameter `{parameter}`"))),
            }
        }
        Ok(if memory { Self::Memory } else { Self::File { path: PathBuf::from(path), create } })
    }
}

#[cfg(test)]
mod tests {
    use super::Location;

    fn file(path: &str, create: bool) -> Location {
        Location::File { path: path.into(), create }
    }

    #[test]
    fn reads_every_supported_form() {
        assert_eq!(Location::parse("sqlite://todo.db").unwrap(), file("todo.db", true));
        assert_eq!(Location::parse("sqlite:todo.db?mode=rw").unwrap(), file("todo.db", false));
        assert_eq!(
            Location::parse("sqlite:///var/lib/todo.db?mode=rwc").unwrap(),
            file("/var/lib/todo.db", true)
        );
        assert_eq!(Location::parse("sqlite::memory:").unwrap(), Location::Memory);
        assert_eq!(Location::parse("sqlite://x.db?mode=memory").unwrap(), Location::Memory);
    }

    #[test]
    fn refuses_what_it_would_otherwise_ignore() {
        for url in ["postgres://localhost/test", "sqlite://todo.db?mode=ro", "sqlite://todo.db?cache=shared"]
        {
            let error = Location::parse(url).unwrap_err().to_string();
            assert!(error.contains(url), "{error}");
        }
    }
}
