//! The three shapes of an Auth0 list: a bare array; `{<key>, start, limit, total}` with
//! `include_totals=true`; `{<key>, next}` with checkpoints (`next` left out on the last page).
//! `<key>` names the items (`organizations`, `clients`, `enabled_connections`, …).

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A list of `T` in one of Auth0's three shapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Page<T> {
    /// The bare array (no `include_totals`, no checkpoint).
    All(Vec<T>),
    Totals(Totals<T>),
    Checkpoint(Checkpoint<T>),
}

/// `{<key>: [...], start, limit, total}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals<T> {
    pub key: String,
    pub items: Vec<T>,
    /// The index of the first item: `page * per_page`.
    pub start: u64,
    pub limit: u64,
    pub total: u64,
}

/// `{<key>: [...], [next]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint<T> {
    pub key: String,
    pub items: Vec<T>,
    /// Where the next page starts; left out on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn items(&self) -> &[T] {
        match self {
            Page::All(items) => items,
            Page::Totals(t) => &t.items,
            Page::Checkpoint(c) => &c.items,
        }
    }

    pub fn into_items(self) -> Vec<T> {
        match self {
            Page::All(items) => items,
            Page::Totals(t) => t.items,
            Page::Checkpoint(c) => c.items,
        }
    }
}

impl<T: Serialize> Serialize for Page<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Page::All(items) => items.serialize(s),
            Page::Totals(t) => {
                let mut m = s.serialize_map(Some(4))?;
                m.serialize_entry(&t.key, &t.items)?;
                m.serialize_entry("start", &t.start)?;
                m.serialize_entry("limit", &t.limit)?;
                m.serialize_entry("total", &t.total)?;
                m.end()
            }
            Page::Checkpoint(c) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry(&c.key, &c.items)?;
                if let Some(next) = &c.next {
                    m.serialize_entry("next", next)?;
                }
                m.end()
            }
        }
    }
}

/// `length` is in Auth0's envelope of `/users` (the number of items on the page).
const ENVELOPE_KEYS: &[&str] = &["start", "limit", "total", "next", "length"];

fn number<E: serde::de::Error>(m: &Map<String, Value>, key: &str) -> Result<u64, E> {
    m.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| E::custom(format!("list envelope without a numeric `{key}`")))
}

/// Reads any of the three shapes; the items' key is the one key that is not part of the
/// envelope.
impl<'de, T: DeserializeOwned> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut m = match Value::deserialize(d)? {
            Value::Array(a) => {
                return serde_json::from_value(Value::Array(a))
                    .map(Page::All)
                    .map_err(D::Error::custom)
            }
            Value::Object(m) => m,
            other => return Err(D::Error::custom(format!("not a list: {other}"))),
        };
        let key = m
            .keys()
            .find(|k| !ENVELOPE_KEYS.contains(&k.as_str()))
            .cloned()
            .ok_or_else(|| D::Error::custom("list envelope without items"))?;
        let items: Vec<T> =
            serde_json::from_value(m.remove(&key).unwrap_or_default()).map_err(D::Error::custom)?;
        if m.contains_key("start") {
            Ok(Page::Totals(Totals {
                key,
                items,
                start: number(&m, "start")?,
                limit: number(&m, "limit")?,
                total: number(&m, "total")?,
            }))
        } else {
            let next = match m.remove("next") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s),
                Some(other) => {
                    return Err(D::Error::custom(format!("`next` is not a string: {other}")))
                }
            };
            Ok(Page::Checkpoint(Checkpoint { key, items, next }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn the_three_shapes_round_trip() {
        let all: Page<u8> = round_trip(json!([1, 2]));
        assert_eq!(all.items(), [1, 2]);
        let t: Page<String> =
            round_trip(json!({"clients": ["a"], "start": 50, "limit": 50, "total": 51}));
        assert!(matches!(&t, Page::Totals(t) if t.key == "clients" && t.total == 51));
        let c: Page<String> = round_trip(json!({"organizations": ["a"], "next": "abc"}));
        assert!(matches!(&c, Page::Checkpoint(c) if c.next.as_deref() == Some("abc")));
        let last: Page<String> = round_trip(json!({"organizations": []}));
        assert!(
            matches!(last, Page::Checkpoint(c) if c.next.is_none() && c.key == "organizations")
        );
    }
}
