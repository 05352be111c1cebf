//! The three shapes of an Auth0 list ([`Page`]): a bare array; `{key, start, limit, total}`
//! with `include_totals`; `{key, next}` with checkpoints (`next` left out on the last page).

use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_proto::paging::{Checkpoint, Page, Totals};

use super::query::{encode_cursor, Paging};

/// What `limit` reports in the offset envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitIs {
    /// `per_page` (organizations, connections, clients, the newer org connections API).
    PerPage,
    /// The number of items returned (Auth0's quirk on `enabled_connections`).
    ItemCount,
}

pub fn shape<T, W>(
    key: &str,
    listing: &Listing<T>,
    paging: &Paging,
    limit_is: LimitIs,
    item: impl Fn(&T) -> W,
) -> Page<W> {
    let items: Vec<W> = listing.items.iter().map(item).collect();
    match &paging.request {
        PageRequest::Checkpoint { .. } => Page::Checkpoint(Checkpoint {
            key: key.into(),
            items,
            next: listing.next.as_ref().map(|n| encode_cursor(n)),
        }),
        PageRequest::Offset { page, per_page } if paging.include_totals => {
            let limit = match limit_is {
                LimitIs::PerPage => u64::from(*per_page),
                LimitIs::ItemCount => items.len() as u64,
            };
            Page::Totals(Totals {
                key: key.into(),
                items,
                start: u64::from(*page) * u64::from(*per_page),
                limit,
                total: listing.total,
            })
        }
        PageRequest::Offset { .. } => Page::All(items),
    }
}
