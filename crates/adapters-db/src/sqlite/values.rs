//! Statements in, rows out: sea-query's values bound as SQLite's, and SQLite's values
//! read back as the ones the entities' fields expect, chosen by the declared column type.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSqlError, ToSqlOutput, Type, Value as Sql, ValueRef};
use rusqlite::{CachedStatement, Connection};
use sea_orm::sea_query::Value;
use sea_orm::{ProxyExecResult, ProxyRow, Statement};

use super::limits;

/// Runs a statement that returns rows.
pub(super) fn query(connection: &Connection, statement: &Statement) -> rusqlite::Result<Vec<ProxyRow>> {
    let (sql, values) = limits::inline(&statement.sql, all_values(statement));
    let mut prepared = connection.prepare_cached(&sql)?;
    bind(&mut prepared, values)?;
    let columns: Vec<(String, Kind)> = prepared
        .columns()
        .iter()
        .map(|column| (column.name().to_owned(), Kind::declared(column.decl_type())))
        .collect();
    let mut rows = prepared.raw_query();
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = BTreeMap::new();
        for (index, (name, kind)) in columns.iter().enumerate() {
            let value = kind.read(row.get_ref(index)?).map_err(|error| match error {
                FromSqlError::InvalidType => rusqlite::Error::InvalidColumnType(
                    index,
                    name.clone(),
                    row.get_ref(index).map_or(Type::Null, |value| value.data_type()),
                ),
                other => rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(other)),
            })?;
            values.insert(name.clone(), value);
        }
        read.push(ProxyRow::new(values));
    }
    Ok(read)
}

/// Runs a statement that returns no rows; without parameters it may hold several.
pub(super) fn execute(connection: &Connection, statement: &Statement) -> rusqlite::Result<ProxyExecResult> {
    let changed = match &statement.values {
        None => connection.execute_batch(&statement.sql).map(|()| connection.changes())?,
        Some(_) => {
            let mut prepared = connection.prepare_cached(&statement.sql)?;
            bind(&mut prepared, all_values(statement))?;
            prepared.raw_execute()? as u64
        }
    };
    let last_insert_id = u64::try_from(connection.last_insert_rowid()).unwrap_or(0);
    Ok(ProxyExecResult::new(last_insert_id, changed))
}

fn all_values(statement: &Statement) -> &[Value] {
    statement.values.as_ref().map_or(&[][..], |values| &values.0[..])
}

fn bind(prepared: &mut CachedStatement<'_>, values: &[Value]) -> rusqlite::Result<()> {
    if values.len() != prepared.parameter_count() {
        return Err(rusqlite::Error::InvalidParameterCount(values.len(), prepared.parameter_count()));
    }
    for (index, value) in values.iter().enumerate() {
        prepared.raw_bind_parameter(index + 1, to_sql(value)?)?;
    }
    Ok(())
}

/// One value as SQLite stores it. Times are written as RFC 3339 text, as sqlx writes them,
/// so that files written by either driver read the same.
fn to_sql(value: &Value) -> rusqlite::Result<ToSqlOutput<'_>> {
    let integer = |value: Option<i64>| ToSqlOutput::Owned(value.map_or(Sql::Null, Sql::Integer));
    let real = |value: Option<f64>| ToSqlOutput::Owned(value.map_or(Sql::Null, Sql::Real));
    Ok(match value {
        Value::Bool(v) => integer(v.map(i64::from)),
        Value::TinyInt(v) => integer(v.map(i64::from)),
        Value::SmallInt(v) => integer(v.map(i64::from)),
        Value::Int(v) => integer(v.map(i64::from)),
        Value::BigInt(v) => integer(*v),
        Value::TinyUnsigned(v) => integer(v.map(i64::from)),
        Value::SmallUnsigned(v) => integer(v.map(i64::from)),
        Value::Unsigned(v) => integer(v.map(i64::from)),
        Value::BigUnsigned(v) => integer(v.map(i64::try_from).transpose().map_err(unsupported)?),
        Value::Float(v) => real(v.map(f64::from)),
        Value::Double(v) => real(*v),
        Value::String(v) => v.as_deref().map_or(ToSqlOutput::Owned(Sql::Null), |text| text.into()),
        Value::Char(v) => ToSqlOutput::Owned(v.map_or(Sql::Null, |c| Sql::Text(c.to_string()))),
        Value::Bytes(v) => v.as_deref().map_or(ToSqlOutput::Owned(Sql::Null), |bytes| bytes.into()),
        Value::ChronoDateTimeUtc(v) => ToSqlOutput::Owned(
            v.map_or(Sql::Null, |time| Sql::Text(time.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
        ),
        other => return Err(unsupported(format!("no SQLite binding for {other:?}"))),
    })
}

fn unsupported(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(error.into())
}

/// What a column holds, from its declared type as the migrations wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Boolean,
    Real,
    Text,
    Blob,
    Time,
    /// An expression: no declared type, so the stored value decides.
    Untyped,
}

impl Kind {
    fn declared(declared: Option<&str>) -> Self {
        let Some(declared) = declared else { return Self::Untyped };
        let has = |part: &str| {
            declared.as_bytes().windows(part.len()).any(|w| w.eq_ignore_ascii_case(part.as_bytes()))
        };
        if has("bool") {
            Self::Boolean
        } else if has("timestamp") || has("datetime") {
            Self::Time
        } else if has("int") {
            Self::Integer
        } else if has("char") || has("text") || has("clob") {
            Self::Text
        } else if has("real") || has("floa") || has("doub") {
            Self::Real
        } else if has("blob") {
            Self::Blob
        } else {
            Self::Untyped
        }
    }

    fn read(self, stored: ValueRef<'_>) -> Result<Value, FromSqlError> {
        Ok(match (self, stored) {
            (Self::Boolean, ValueRef::Null) => Value::Bool(None),
            (Self::Boolean, ValueRef::Integer(i)) => Value::Bool(Some(i != 0)),
            (Self::Integer | Self::Untyped, ValueRef::Integer(i)) => Value::BigInt(Some(i)),
            (Self::Integer, ValueRef::Null) => Value::BigInt(None),
            (Self::Real | Self::Untyped, ValueRef::Real(r)) => Value::Double(Some(r)),
            (Self::Real, ValueRef::Integer(i)) => Value::Double(Some(i as f64)),
            (Self::Real, ValueRef::Null) => Value::Double(None),
            (Self::Text | Self::Untyped, ValueRef::Text(_)) => {
                Value::String(Some(stored.as_str()?.to_owned()))
            }
            (Self::Text | Self::Untyped, ValueRef::Null) => Value::String(None),
            (Self::Blob | Self::Untyped, ValueRef::Blob(bytes)) => Value::Bytes(Some(bytes.to_vec())),
            (Self::Blob, ValueRef::Null) => Value::Bytes(None),
            (Self::Time, ValueRef::Null) => Value::ChronoDateTimeUtc(None),
            (Self::Time, ValueRef::Text(_)) => Value::ChronoDateTimeUtc(Some(parse_time(stored.as_str()?)?)),
            _ => return Err(FromSqlError::InvalidType),
        })
    }
}

/// RFC 3339 as written here and by sqlx, or a zone-less `2026-11-21 09:13:30.5` taken as UTC.
fn parse_time(text: &str) -> Result<DateTime<Utc>, FromSqlError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%F %T%.f").map(|time| time.and_utc()))
        .map_err(|error| FromSqlError::Other(Box::new(error)))
}
