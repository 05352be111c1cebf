//! What the lists share: offsets, and checkpoint pages with their cursors.

use orgwarden_domain::paging::Listing;
use orgwarden_domain::Error;

/// A `from` this store did not produce.
pub(crate) fn invalid_from() -> Error {
    Error::Invalid("Invalid from parameter".into())
}

/// `LIMIT` and `OFFSET` of an offset page.
pub(crate) fn limit_offset(page: u32, per_page: u32) -> (i64, i64) {
    let offset = u64::from(page) * u64::from(per_page);
    (
        i64::from(per_page),
        i64::try_from(offset).unwrap_or(i64::MAX),
    )
}

/// A checkpoint page of `rows`: `next` is the cursor of the last row when the page is full.
pub(crate) fn checkpoint<R, T>(
    rows: Vec<R>,
    take: u32,
    cursor: impl FnOnce(&R) -> String,
    item: impl FnMut(R) -> T,
) -> Listing<T> {
    let full = u32::try_from(rows.len()).is_ok_and(|n| n == take);
    let next = if full { rows.last().map(cursor) } else { None };
    Listing {
        items: rows.into_iter().map(item).collect(),
        total: 0,
        next,
    }
}
