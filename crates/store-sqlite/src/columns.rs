//! Column values: JSON text, times as UNIX nanoseconds, booleans, and the unique-constraint
//! violations SQLite reports.

use rusqlite::types::Type;
use rusqlite::Row;
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::OffsetDateTime;

use crate::db::DbResult;

fn conversion(
    idx: usize,
    ty: Type,
    e: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, ty, Box::new(e))
}

/// A JSON text column.
pub(crate) fn json<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| conversion(idx, Type::Text, e))
}

/// A JSON text column that may be NULL.
pub(crate) fn json_opt<T: DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| conversion(idx, Type::Text, e)))
        .transpose()
}

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> DbResult<String> {
    Ok(serde_json::to_string(value)?)
}

pub(crate) fn to_json_opt<T: Serialize>(value: Option<&T>) -> DbResult<Option<String>> {
    value.map(to_json).transpose()
}

/// A time as stored: nanoseconds since the UNIX epoch (fits until the year 2262).
pub(crate) fn nanos(t: OffsetDateTime) -> DbResult<i64> {
    i64::try_from(t.unix_timestamp_nanos()).map_err(|e| {
        orgwarden_domain::Error::Internal(anyhow::Error::new(e).context("a time out of range"))
            .into()
    })
}

pub(crate) fn time_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<OffsetDateTime> {
    let n: i64 = row.get(idx)?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n))
        .map_err(|e| conversion(idx, Type::Integer, e))
}

pub(crate) fn time_opt(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<OffsetDateTime>> {
    let n: Option<i64> = row.get(idx)?;
    n.map(|n| {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(n))
            .map_err(|e| conversion(idx, Type::Integer, e))
    })
    .transpose()
}

/// For a unique (or primary key) violation, the columns SQLite names, e.g.
/// `"organizations.name"` or `"client_grants.client_id, client_grants.audience"`.
pub(crate) fn unique_violation(e: &rusqlite::Error) -> Option<&str> {
    match e {
        rusqlite::Error::SqliteFailure(f, Some(message))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            message.strip_prefix("UNIQUE constraint failed: ")
        }
        _ => None,
    }
}
