//! Column values that need more than `Row::try_get`: JSON, and counts; column lists in joins.

use serde::de::DeserializeOwned;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::db::{query_one, Params};
use crate::errors::DbResult;

/// A `json` column.
pub(crate) fn json<T: DeserializeOwned>(row: &Row, idx: usize) -> Result<T, tokio_postgres::Error> {
    Ok(row.try_get::<_, Json<T>>(idx)?.0)
}

/// A `json` column that may be NULL.
pub(crate) fn json_opt<T: DeserializeOwned>(
    row: &Row,
    idx: usize,
) -> Result<Option<T>, tokio_postgres::Error> {
    Ok(row.try_get::<_, Option<Json<T>>>(idx)?.map(|j| j.0))
}

/// The value of a `SELECT count(*) …`.
pub(crate) async fn count(
    c: &impl deadpool_postgres::GenericClient,
    sql: &str,
    params: Params<'_>,
) -> DbResult<u64> {
    let n: i64 = query_one(c, sql, params).await?.try_get(0)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A column list (`a, b`) of the table named `alias` in a join (`t.a, t.b`).
pub(crate) fn prefixed(columns: &str, alias: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}
