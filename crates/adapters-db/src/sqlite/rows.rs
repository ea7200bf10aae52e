//! The entities' models read straight from SQLite rows, for the in-process reads.

use rusqlite::Row;

use super::in_process::FromSqliteRow;
use super::values::{required_time, time};
use crate::entities::{todos, users};

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
    }
}
