//! The two ways Auth0 pages lists: by page number, or by checkpoint (`from`/`take`).

/// What the caller asked for. The HTTP layer has checked the ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    Offset {
        page: u32,
        per_page: u32,
    },
    /// `from` is the `next` value of the previous page (already decoded), or none for the first.
    Checkpoint {
        from: Option<String>,
        take: u32,
    },
}

impl PageRequest {
    pub fn first(per_page: u32) -> Self {
        PageRequest::Offset { page: 0, per_page }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Number of items in the whole list (offset paging only; 0 for checkpoints).
    pub total: u64,
    /// Checkpoint paging: where the next page starts; `None` on the last page.
    pub next: Option<String>,
}

/// A `from` the store did not produce.
pub fn invalid_from() -> crate::Error {
    crate::Error::Invalid("Invalid from parameter".into())
}

/// `LIMIT` and `OFFSET` of an offset page.
pub fn limit_offset(page: u32, per_page: u32) -> (i64, i64) {
    let offset = u64::from(page) * u64::from(per_page);
    (
        i64::from(per_page),
        i64::try_from(offset).unwrap_or(i64::MAX),
    )
}

/// A checkpoint page of `rows`: `next` is the cursor of the last row when the page is full.
pub fn checkpoint<R, T>(
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
