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
