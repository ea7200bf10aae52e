//! `LIMIT ?` and `OFFSET ?` written as literals before a statement is prepared.
//!
//! SQLite reads a bound LIMIT while planning, which marks the prepared statement to be
//! planned again whenever its parameters are rebound: every cached `SELECT ... LIMIT ?`
//! would be re-parsed on every run. With literals it is prepared once per distinct page.

use std::borrow::Cow;

use sea_orm::sea_query::Value;

/// The statement's SQL and values with trailing `LIMIT ?` / `LIMIT ? OFFSET ?` (as
/// sea-query writes them, always last) replaced by the integers bound to them.
pub(super) fn inline<'a>(sql: &'a str, values: &'a [Value]) -> (Cow<'a, str>, &'a [Value]) {
    for (suffix, count) in [(" LIMIT ? OFFSET ?", 2), (" LIMIT ?", 1), (" OFFSET ?", 1)] {
        let Some(head) = sql.strip_suffix(suffix) else { continue };
        let Some(split) = values.len().checked_sub(count) else { break };
        let (kept, bound) = values.split_at(split);
        let Some(numbers) = bound.iter().map(integer).collect::<Option<Vec<_>>>() else { break };
        let literal = match numbers[..] {
            [limit, offset] => format!("{head} LIMIT {limit} OFFSET {offset}"),
            [number] => format!("{head}{}{number}", suffix.trim_end_matches('?')),
            _ => break,
        };
        return (Cow::Owned(literal), kept);
    }
    (Cow::Borrowed(sql), values)
}

fn integer(value: &Value) -> Option<i128> {
    match value {
        Value::TinyInt(Some(n)) => Some(i128::from(*n)),
        Value::SmallInt(Some(n)) => Some(i128::from(*n)),
        Value::Int(Some(n)) => Some(i128::from(*n)),
        Value::BigInt(Some(n)) => Some(i128::from(*n)),
        Value::TinyUnsigned(Some(n)) => Some(i128::from(*n)),
        Value::SmallUnsigned(Some(n)) => Some(i128::from(*n)),
        Value::Unsigned(Some(n)) => Some(i128::from(*n)),
        Value::BigUnsigned(Some(n)) => Some(i128::from(*n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::Value;

    use super::inline;

    #[test]
    fn limit_and_offset_become_literals_and_leave_the_other_values() {
        let values = [Value::BigInt(Some(7)), Value::BigUnsigned(Some(100)), Value::BigUnsigned(Some(20))];
        let (sql, kept) = inline("SELECT a FROM t WHERE b = ? LIMIT ? OFFSET ?", &values);
        assert_eq!(sql, "SELECT a FROM t WHERE b = ? LIMIT 100 OFFSET 20");
        assert_eq!(kept, &values[..1]);
        let (sql, kept) = inline("SELECT a FROM t WHERE b = ? LIMIT ?", &values[..2]);
        assert_eq!((sql.as_ref(), kept), ("SELECT a FROM t WHERE b = ? LIMIT 100", &values[..1]));
    }

    #[test]
    fn anything_else_is_left_alone() {
        let text = [Value::String(Some("1; DROP TABLE t".into()))];
        assert_eq!(inline("SELECT a FROM t LIMIT ?", &text), ("SELECT a FROM t LIMIT ?".into(), &text[..]));
        assert_eq!(inline("SELECT a FROM t LIMIT ?", &[]), ("SELECT a FROM t LIMIT ?".into(), &[][..]));
        let id = [Value::BigInt(Some(1))];
        assert_eq!(
            inline("SELECT a FROM t WHERE id = ?", &id),
            ("SELECT a FROM t WHERE id = ?".into(), &id[..])
        );
    }
}
