//! sea-query's values bound as SQLite's, and SQLite's stored times read back.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSqlError, ToSqlOutput, Value as Sql, ValueRef};
use rusqlite::{CachedStatement, Row};
use sea_orm::sea_query::Value;

/// Binds `values` to the statement's parameters, in order.
pub(super) fn bind(prepared: &mut CachedStatement<'_>, values: &[Value]) -> rusqlite::Result<()> {
    if values.len() != prepared.parameter_count() {
        return Err(rusqlite::Error::InvalidParameterCount(values.len(), prepared.parameter_count()));
    }
    for (index, value) in values.iter().enumerate() {
        prepared.raw_bind_parameter(index + 1, to_sql(value)?)?;
    }
    Ok(())
}

/// One value as SQLite stores it; times as RFC 3339 text, readable by sqlx as well.
fn to_sql(value: &Value) -> rusqlite::Result<ToSqlOutput<'_>> {
    let integer = |value: Option<i64>| ToSqlOutput::Owned(value.map_or(Sql::Null, Sql::Integer));
    Ok(match value {
        Value::Bool(v) => integer(v.map(i64::from)),
        Value::Int(v) => integer(v.map(i64::from)),
        Value::BigInt(v) => integer(*v),
        Value::Unsigned(v) => integer(v.map(i64::from)),
        Value::BigUnsigned(v) => integer(v.map(i64::try_from).transpose().map_err(unsupported)?),
        Value::String(v) => v.as_deref().map_or(ToSqlOutput::Owned(Sql::Null), |text| text.into()),
        Value::ChronoDateTimeUtc(v) => ToSqlOutput::Owned(
            v.map_or(Sql::Null, |time| Sql::Text(time.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
        ),
        other => return Err(unsupported(format!("no SQLite binding for {other:?}"))),
    })
}

fn unsupported(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(error.into())
}

/// The time in column `index`, as sqlx writes it (`2026-11-21 09:13:30.5+00:00`), as
/// RFC 3339, or zone-less and taken as UTC.
pub(super) fn time(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let text = match row.get_ref(index)? {
        ValueRef::Null => return Ok(None),
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).map_err(|error| conversion(index, error))?,
        _ => return Err(conversion(index, FromSqlError::InvalidType)),
    };
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .or_else(|_| DateTime::parse_from_str(text, "%F %T%.f%:z").map(|time| time.with_timezone(&Utc)))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%F %T%.f").map(|time| time.and_utc()))
        .map(Some)
        .map_err(|error| conversion(index, error))
}

fn conversion(index: usize, error: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(error))
}

/// A NOT NULL time column.
pub(super) fn required_time(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    time(row, index)?.ok_or_else(|| conversion(index, FromSqlError::InvalidType))
}
