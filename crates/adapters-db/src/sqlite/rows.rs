//! The entities' models read straight from SQLite rows, for the in-process reads.

use rusqlite::Row;

use super::in_process::FromSqliteRow;
use super::values::{required_time, time};
use crate::entities::{sessions, todos, users};

impl FromSqliteRow for todos::Model {
    const COLUMNS: &'static [&'static str] =
        &["id", "user_id", "title", "description", "completed", "created_at", "updated_at"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            user_id: row.get(1)?,
            title: row.get(2)?,
            description: row.get(3)?,
            completed: row.get(4)?,
            created_at: required_time(row, 5)?,
            updated_at: time(row, 6)?,
        })
    }
}

impl FromSqliteRow for users::Model {
    const COLUMNS: &'static [&'static str] =
        &["id", "username", "email", "password_hash", "is_active", "created_at"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            username: row.get(1)?,
            email: row.get(2)?,
            password_hash: row.get(3)?,
            is_active: row.get(4)?,
            created_at: required_time(row, 5)?,
        })
    }
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
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let session = sessions::Model {
            id: row.get(0)?,
            user_id: row.get(1)?,
            scope: row.get(2)?,
            created_at: required_time(row, 3)?,
            last_used_at: required_time(row, 4)?,
            expires_at: required_time(row, 5)?,
            user_agent: row.get(6)?,
            revoked_at: time(row, 7)?,
        };
        let user = users::Model {
            id: row.get(8)?,
            username: row.get(9)?,
            email: row.get(10)?,
            password_hash: row.get(11)?,
            is_active: row.get(12)?,
            created_at: required_time(row, 13)?,
        };
        Ok((session, user))
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
    }
}
