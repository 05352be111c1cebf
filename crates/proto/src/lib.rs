//! The wire contract of orgwarden, typed once: every request and response body of the
//! Management API (Auth0's names and key order, unset keys left out), the error body and its
//! `errorCode`s, the list envelopes, the OAuth token endpoint's bodies, and the scopes.
//!
//! Request bodies are read with `parse`: the body is first checked against Auth0's schema by
//! [`validate`], so a refusal carries Auth0's exact message and names the property it is about
//! ([`Invalid`]), and only then deserialized. Plain `serde` deserialization (for a client reading
//! its own requests back) does not refuse unknown fields; `parse` does.
//!
//! This crate depends on nothing of orgwarden: a CLI or a client library can use it alone.

pub mod clients;
pub mod connections;
pub mod enabled_connections;
pub mod error;
pub mod grants;
pub mod organizations;
pub mod paging;
pub mod scopes;
pub mod signing_keys;
pub mod tokens;
pub mod validate;

pub use error::{ErrorBody, Invalid};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A request body with Auth0's schema: [`parse`](Request::parse) refuses what Auth0 refuses,
/// with its message, before deserializing.
pub trait Request: DeserializeOwned {
    /// The schema of the body (a property list, the required ones, what else is allowed).
    fn schema() -> validate::Schema;

    /// Rules Auth0 checks after the schema (on the typed body); none by default.
    fn check(&self) -> Result<(), Invalid> {
        Ok(())
    }

    /// Checks `body` against [`Request::schema`] (Auth0's wording), then reads it.
    fn parse(body: &Value) -> Result<Self, Invalid> {
        validate::check(body, &Self::schema(), validate::Origin::Payload)?;
        let typed: Self = serde_json::from_value(body.clone()).map_err(|e| {
            // The schema accepted it, so the types disagree with the schema: a bug, reported
            // in Auth0's shape rather than panicking.
            Invalid::new(format!("Payload validation error: '{e}'."))
        })?;
        typed.check()?;
        Ok(typed)
    }
}

/// For `Option<Option<T>>` fields of partial updates: absent is `None`, `null` is
/// `Some(None)` (remove), a value is `Some(Some(v))`. Use with `#[serde(default)]`.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
pub(crate) mod testing {
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use serde_json::Value;
    use std::fmt::Debug;

    /// `value` reads into `T` and writes back byte for byte (keys, order, omissions).
    #[track_caller]
    pub fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: Value) -> T {
        let text = serde_json::to_string(&value).unwrap();
        let typed: T = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&typed).unwrap(), text);
        let again: T = serde_json::from_value(serde_json::to_value(&typed).unwrap()).unwrap();
        assert_eq!(again, typed);
        typed
    }
}
