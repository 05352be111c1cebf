//! Tables listed in the order of their text `id` (connections, client grants), in both paging
//! styles: a checkpoint is the last id returned.

use orgwarden_domain::paging::{Listing, PageRequest};
use rusqlite::{params_from_iter, Connection, Row};

use crate::db::DbResult;
use crate::filter::Where;
use crate::paging::{checkpoint, id_after, limit_offset};

pub(crate) struct IdTable<T> {
    pub(crate) table: &'static str,
    pub(crate) columns: &'static str,
    pub(crate) from_row: fn(&Row<'_>) -> rusqlite::Result<T>,
    pub(crate) id_of: fn(&T) -> &str,
    /// Whether a `from` can be one of this table's ids.
    pub(crate) is_id: fn(&str) -> bool,
}

impl<T> IdTable<T> {
    /// The rows matching `w`, one page of them.
    pub(crate) fn list(
        &self,
        conn: &Connection,
        mut w: Where,
        page: PageRequest,
    ) -> DbResult<Listing<T>> {
        let (table, columns) = (self.table, self.columns);
        match page {
            PageRequest::Offset { page, per_page } => {
                let tx = conn.unchecked_transaction()?;
                let sql = format!("SELECT count(*) FROM {table} {}", w.sql());
                let total = tx
                    .prepare_cached(&sql)?
                    .query_row(params_from_iter(&w.args), |r| r.get(0))?;
                let (limit, offset) = limit_offset(page, per_page);
                let (limit, offset) = (w.arg(limit), w.arg(offset));
                let sql = format!(
                    "SELECT {columns} FROM {table} {} ORDER BY id LIMIT +{limit} OFFSET +{offset}",
                    w.sql()
                );
                let items = tx
                    .prepare_cached(&sql)?
                    .query_map(params_from_iter(&w.args), self.from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(Listing::offset(items, total))
            }
            PageRequest::Checkpoint { from, take } => {
                if let Some(from) = id_after(from, self.is_id)? {
                    let p = w.arg(from);
                    w.and(format!("id > {p}"));
                }
                let limit = w.arg(i64::from(take));
                let sql = format!(
                    "SELECT {columns} FROM {table} {} ORDER BY id LIMIT +{limit}",
                    w.sql()
                );
                let rows = conn
                    .prepare_cached(&sql)?
                    .query_map(params_from_iter(&w.args), self.from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(checkpoint(
                    rows,
                    take,
                    |r| (self.id_of)(r).to_owned(),
                    |r| r,
                ))
            }
        }
    }
}
