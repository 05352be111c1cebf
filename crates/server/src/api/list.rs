//! The three shapes of an Auth0 list: a bare array; `{key, start, limit, total}` with
//! `include_totals`; `{key, next}` with checkpoints (`next` left out on the last page).

use orgwarden_domain::paging::{Listing, PageRequest};
use serde_json::{json, Map, Value};

use super::query::{encode_cursor, Paging};

/// What `limit` reports in the offset envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitIs {
    /// `per_page` (organizations, connections, clients, the newer org connections API).
    PerPage,
    /// The number of items returned (Auth0's quirk on `enabled_connections`).
    ItemCount,
}

pub fn shape<T>(
    key: &str,
    listing: &Listing<T>,
    paging: &Paging,
    limit_is: LimitIs,
    item: impl Fn(&T) -> Value,
) -> Value {
    let items: Vec<Value> = listing.items.iter().map(item).collect();
    match &paging.request {
        PageRequest::Checkpoint { .. } => {
            let mut m = Map::new();
            m.insert(key.into(), Value::Array(items));
            if let Some(next) = &listing.next {
                m.insert("next".into(), json!(encode_cursor(next)));
            }
            Value::Object(m)
        }
        PageRequest::Offset { page, per_page } if paging.include_totals => {
            let limit = match limit_is {
                LimitIs::PerPage => *per_page as usize,
                LimitIs::ItemCount => items.len(),
            };
            let mut m = Map::new();
            m.insert(key.into(), Value::Array(items));
            m.insert(
                "start".into(),
                json!(u64::from(*page) * u64::from(*per_page)),
            );
            m.insert("limit".into(), json!(limit));
            m.insert("total".into(), json!(listing.total));
            Value::Object(m)
        }
        PageRequest::Offset { .. } => Value::Array(items),
    }
}
