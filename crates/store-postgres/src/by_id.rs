//! Tables listed in the order of their text `id` (connections, client grants), in both paging
//! styles: a checkpoint is the last id returned.

use deadpool_postgres::{GenericClient, Transaction};
use orgwarden_domain::paging::{Listing, PageRequest};
use tokio_postgres::Row;

use crate::columns::count;
use crate::db::{query, Db};
use crate::errors::DbResult;
use crate::filter::Where;
use crate::paging::{checkpoint, id_after, limit_offset};

pub(crate) struct IdTable<T> {
    pub(crate) table: &'static str,
    pub(crate) columns: &'static str,
    pub(crate) from_row: fn(&Row) -> Result<T, tokio_postgres::Error>,
    pub(crate) id_of: fn(&T) -> &str,
    /// Whether a `from` can be one of this table's ids.
    pub(crate) is_id: fn(&str) -> bool,
}

impl<T: Send> IdTable<T> {
    /// One page of the rows that `filter()` selects, in either paging style.
    pub(crate) async fn list(
        &'static self,
        db: &Db,
        filter: impl Fn() -> Where + Send + Sync,
        page: PageRequest,
    ) -> orgwarden_domain::Result<Listing<T>> {
        match page {
            PageRequest::Offset { page, per_page } => {
                db.snapshot(|tx| Box::pin(self.offset_page(tx, filter(), page, per_page)))
                    .await
            }
            PageRequest::Checkpoint { from, take } => {
                let client = db.client().await?;
                Ok(self.checkpoint_page(&client, filter(), from, take).await?)
            }
        }
    }

    /// One offset page of the rows matching `w`, with their total (in one snapshot).
    pub(crate) async fn offset_page(
        &self,
        tx: &Transaction<'_>,
        mut w: Where,
        page: u32,
        per_page: u32,
    ) -> DbResult<Listing<T>> {
        let (table, columns) = (self.table, self.columns);
        let sql = format!("SELECT count(*) FROM {table} {}", w.sql());
        let total = count(tx, &sql, &w.params()).await?;
        let (limit, offset) = limit_offset(page, per_page);
        let (limit, offset) = (w.arg(limit), w.arg(offset));
        let sql = format!(
            "SELECT {columns} FROM {table} {} ORDER BY id LIMIT {limit} OFFSET {offset}",
            w.sql()
        );
        let items = query(tx, &sql, &w.params())
            .await?
            .iter()
            .map(self.from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Listing::offset(items, total))
    }

    /// One checkpoint page of the rows matching `w`, after the id `from`.
    pub(crate) async fn checkpoint_page(
        &self,
        c: &impl GenericClient,
        mut w: Where,
        from: Option<String>,
        take: u32,
    ) -> DbResult<Listing<T>> {
        let (table, columns) = (self.table, self.columns);
        if let Some(from) = id_after(from, self.is_id)? {
            let p = w.arg(from);
            w.and(format!("id > {p}"));
        }
        let limit = w.arg(i64::from(take));
        let sql = format!(
            "SELECT {columns} FROM {table} {} ORDER BY id LIMIT {limit}",
            w.sql()
        );
        let rows = query(c, &sql, &w.params())
            .await?
            .iter()
            .map(self.from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(checkpoint(
            rows,
            take,
            |r| (self.id_of)(r).to_owned(),
            |r| r,
        ))
    }
}
