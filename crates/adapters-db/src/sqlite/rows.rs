//! The entities' models read straight from SQLite rows, for the in-process reads.

use rusqlite::Row;

use super::in_process::FromSqliteRow;
use super::values::{required_time, time};
use crate::entities::{api_keys, password_reset_tokens, sessions, todo_events, todos, users};

impl FromSqliteRow for todos::Model {
    const COLUMNS: &'static [&'static str] =
        &["id", "user_id", "title", "description", "completed", "created_at", "updated_at", "revision"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            user_id: row.get(1)?,
            title: row.get(2)?,
            description: row.get(3)?,
            completed: row.get(4)?,
            created_at: required_time(row, 5)?,
            updated_at: time(row, 6)?,
            revision: row.get(7)?,
        })
    }
}

impl FromSqliteRow for users::Model {
    const COLUMNS: &'static [&'static str] =
        &["id", "username", "email", "password_hash", "is_active", "created_at", "is_superuser"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        user_at(row, 0)
    }
}

/// The user's columns, from column `at` on.
fn user_at(row: &Row<'_>, at: usize) -> rusqlite::Result<users::Model> {
    Ok(users::Model {
        id: row.get(at)?,
        username: row.get(at + 1)?,
        email: row.get(at + 2)?,
        password_hash: row.get(at + 3)?,
        is_active: row.get(at + 4)?,
        created_at: required_time(row, at + 5)?,
        is_superuser: row.get(at + 6)?,
    })
}

impl FromSqliteRow for sessions::Model {
    const COLUMNS: &'static [&'static str] =
        &["id", "user_id", "scope", "created_at", "last_used_at", "expires_at", "user_agent", "revoked_at"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            user_id: row.get(1)?,
            scope: row.get(2)?,
            created_at: required_time(row, 3)?,
            last_used_at: required_time(row, 4)?,
            expires_at: required_time(row, 5)?,
            user_agent: row.get(6)?,
            revoked_at: time(row, 7)?,
        })
    }
}

/// A session and its user, as `sessions JOIN users` selects them (`A_` and `B_` prefixed).
impl FromSqliteRow for (sessions::Model, users::Model) {
    const COLUMNS: &'static [&'static str] = &[
        "A_id",
        "A_user_id",
        "A_scope",
        "A_created_at",
        "A_last_used_at",
        "A_expires_at",
        "A_user_agent",
        "A_revoked_at",
        "B_id",
        "B_username",
        "B_email",
        "B_password_hash",
        "B_is_active",
        "B_created_at",
        "B_is_superuser",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok((sessions::Model::from_row(row)?, user_at(row, 8)?))
    }
}

impl FromSqliteRow for password_reset_tokens::Model {
    const COLUMNS: &'static [&'static str] = &["hash", "user_id", "created_at", "expires_at", "used_at"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            hash: row.get(0)?,
            user_id: row.get(1)?,
            created_at: required_time(row, 2)?,
            expires_at: required_time(row, 3)?,
            used_at: time(row, 4)?,
        })
    }
}

impl FromSqliteRow for api_keys::Model {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "user_id",
        "name",
        "prefix",
        "hash",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        api_key_at(row, 0)
    }
}

/// The key's columns, from column `at` on.
fn api_key_at(row: &Row<'_>, at: usize) -> rusqlite::Result<api_keys::Model> {
    Ok(api_keys::Model {
        id: row.get(at)?,
        user_id: row.get(at + 1)?,
        name: row.get(at + 2)?,
        prefix: row.get(at + 3)?,
        hash: row.get(at + 4)?,
        scope: row.get(at + 5)?,
        created_at: required_time(row, at + 6)?,
        expires_at: time(row, at + 7)?,
        last_used_at: time(row, at + 8)?,
        revoked_at: time(row, at + 9)?,
    })
}

/// A key and its owner, as `api_keys JOIN users` selects them (`A_` and `B_` prefixed).
impl FromSqliteRow for (api_keys::Model, users::Model) {
    const COLUMNS: &'static [&'static str] = &[
        "A_id",
        "A_user_id",
        "A_name",
        "A_prefix",
        "A_hash",
        "A_scope",
        "A_created_at",
        "A_expires_at",
        "A_last_used_at",
        "A_revoked_at",
        "B_id",
        "B_username",
        "B_email",
        "B_password_hash",
        "B_is_active",
        "B_created_at",
        "B_is_superuser",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok((api_key_at(row, 0)?, user_at(row, 10)?))
    }
}

impl FromSqliteRow for todo_events::Model {
    const COLUMNS: &'static [&'static str] = &[
        "user_id",
        "id",
        "kind",
        "todo_id",
        "title",
        "description",
        "completed",
        "todo_created_at",
        "todo_updated_at",
        "todo_revision",
        "recorded_at_ms",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            user_id: row.get(0)?,
            id: row.get(1)?,
            kind: row.get(2)?,
            todo_id: row.get(3)?,
            title: row.get(4)?,
            description: row.get(5)?,
            completed: row.get(6)?,
            todo_created_at: time(row, 7)?,
            todo_updated_at: time(row, 8)?,
            todo_revision: row.get(9)?,
            recorded_at_ms: row.get(10)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::*;

    fn selected<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|column| column.as_str()).collect()
    }

    #[test]
    fn the_columns_are_those_sea_orm_selects_in_its_order() {
        assert_eq!(selected::<todos::Entity>(), todos::Model::COLUMNS);
        assert_eq!(selected::<users::Entity>(), users::Model::COLUMNS);
        assert_eq!(selected::<sessions::Entity>(), sessions::Model::COLUMNS);
        let pair: Vec<String> = selected::<sessions::Entity>()
            .iter()
            .map(|column| format!("A_{column}"))
            .chain(selected::<users::Entity>().iter().map(|column| format!("B_{column}")))
            .collect();
        assert_eq!(pair, <(sessions::Model, users::Model)>::COLUMNS);
        assert_eq!(selected::<password_reset_tokens::Entity>(), password_reset_tokens::Model::COLUMNS);
        assert_eq!(selected::<api_keys::Entity>(), api_keys::Model::COLUMNS);
        assert_eq!(selected::<todo_events::Entity>(), todo_events::Model::COLUMNS);
        let pair: Vec<String> = selected::<api_keys::Entity>()
            .iter()
            .map(|column| format!("A_{column}"))
            .chain(selected::<users::Entity>().iter().map(|column| format!("B_{column}")))
            .collect();
        assert_eq!(pair, <(api_keys::Model, users::Model)>::COLUMNS);
    }
}
