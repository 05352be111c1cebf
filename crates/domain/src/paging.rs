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

impl<T> Listing<T> {
    /// One offset page: its items and the size of the whole list.
    pub fn offset(items: Vec<T>, total: u64) -> Self {
        Listing {
            items,
            total,
            next: None,
        }
    }
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

/// An offset page of a list made in memory (bounded lists whose order SQL cannot give).
pub fn page_of<T>(mut all: Vec<T>, page: u32, per_page: u32) -> Listing<T> {
    let total = all.len() as u64;
    let window = window_of(all.len(), page, per_page);
    all.truncate(window.end);
    all.drain(..window.start);
    Listing::offset(all, total)
}

/// [`page_of`] of a list kept in memory: only the page's items are copied.
pub fn page_of_slice<T: Clone>(all: &[T], page: u32, per_page: u32) -> Listing<T> {
    Listing::offset(
        all[window_of(all.len(), page, per_page)].to_vec(),
        all.len() as u64,
    )
}

/// Which of `len` items an offset page holds.
fn window_of(len: usize, page: u32, per_page: u32) -> std::ops::Range<usize> {
    let (limit, offset) = limit_offset(page, per_page);
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(len);
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(0))
        .min(len);
    start..end
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

/// Where a checkpoint page of a list in the order of its ids starts: after `from`, which must be
/// one of the list's ids (`is_id`); from the start without one.
pub fn id_after(from: Option<String>, is_id: fn(&str) -> bool) -> crate::Result<Option<String>> {
    match from {
        Some(id) if !is_id(&id) => Err(invalid_from()),
        from => Ok(from),
    }
}

/// Where a checkpoint page of a list in creation order starts: after the `seq` that `from` (a
/// [`seq_checkpoint`] cursor) names; from the start (0) without one.
pub fn seq_after(from: Option<&str>) -> crate::Result<i64> {
    match from {
        Some(f) => f.parse().map_err(|_| invalid_from()),
        None => Ok(0),
    }
}

/// A checkpoint page of a list in creation order, from its rows and their `seq`: `next` is the
/// last row's `seq`, in decimal, when the page is full.
pub fn seq_checkpoint<T>(rows: Vec<(T, i64)>, take: u32) -> Listing<T> {
    checkpoint(rows, take, |(_, seq)| seq.to_string(), |(item, _)| item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_start_after_a_cursor_the_store_made() {
        let is_id = |s: &str| s.starts_with("con_");
        assert_eq!(id_after(None, is_id).ok(), Some(None));
        assert_eq!(
            id_after(Some("con_1".into()), is_id).ok(),
            Some(Some("con_1".into()))
        );
        assert!(matches!(
            id_after(Some("x".into()), is_id),
            Err(crate::Error::Invalid(_))
        ));
        assert_eq!(seq_after(None).ok(), Some(0));
        assert_eq!(seq_after(Some("42")).ok(), Some(42));
        assert!(matches!(
            seq_after(Some("4x")),
            Err(crate::Error::Invalid(_))
        ));
    }

    #[test]
    fn a_full_page_in_creation_order_names_its_last_seq() {
        let full = seq_checkpoint(vec![("a", 3), ("b", 7)], 2);
        assert_eq!((full.items, full.next), (vec!["a", "b"], Some("7".into())));
        let last = seq_checkpoint(vec![("c", 9)], 2);
        assert_eq!((last.items, last.next), (vec!["c"], None));
    }

    #[test]
    fn offset_pages_made_in_memory_cut_the_same_window() {
        let all: Vec<u32> = (0..7).collect();
        for (page, per_page, want) in [
            (0, 3, vec![0, 1, 2]),
            (2, 3, vec![6]),
            (3, 3, vec![]),
            (0, 50, (0..7).collect()),
            (u32::MAX, u32::MAX, vec![]),
            (1, 0, vec![]),
        ] {
            let owned = page_of(all.clone(), page, per_page);
            let copied = page_of_slice(&all, page, per_page);
            assert_eq!(owned, copied);
            assert_eq!((owned.items, owned.total), (want, 7), "{page} {per_page}");
        }
    }
}
