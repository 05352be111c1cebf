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
pub mod discovery_domains;
pub mod enabled_connections;
pub mod error;
pub mod grants;
pub mod invitations;
pub mod login;
pub mod members;
pub mod organizations;
pub mod paging;
pub mod resource_servers;
pub mod roles;
pub mod scopes;
pub mod signing_keys;
pub mod tickets;
pub mod tokens;
pub mod users;
pub mod validate;

pub use error::{ErrorBody, Invalid};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A request body with Auth0's schema: [`parse`](Request::parse) refuses what Auth0 refuses,
/// with its message, before deserializing; [`validated`](Request::validated) applies the same
/// checks to a body built in code (a dashboard form), so every way in meets the same rules.
pub trait Request: Serialize + DeserializeOwned {
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

    /// The same checks as [`Request::parse`], on a typed body: the body as it would be sent,
    /// against the schema, then [`Request::check`]. The message is the one the API would give.
    fn validated(self) -> Result<Self, Invalid> {
        let body = serde_json::to_value(&self)
            .map_err(|e| Invalid::new(format!("Payload validation error: '{e}'.")))?;
        validate::check(&body, &Self::schema(), validate::Origin::Payload)?;
        self.check()?;
        Ok(self)
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
mod tests {
    use super::*;
    use crate::organizations::{Branding, Colors, CreateOrganization};

    #[test]
    fn a_body_built_in_code_meets_the_same_rules() {
        let mut body = CreateOrganization {
            name: "acme".into(),
            branding: Some(Branding {
                logo_url: None,
                colors: Some(Colors {
                    primary: "#fff".into(),
                    page_background: "blue".into(),
                }),
            }),
            ..Default::default()
        };
        let e = body.clone().validated().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("branding.colors.page_background"));
        assert_eq!(
            e,
            CreateOrganization::parse(&serde_json::to_value(&body).unwrap()).unwrap_err()
        );
        body.branding = None;
        assert_eq!(body.clone().validated().unwrap(), body);
    }

    /// `valid` plus an unknown property is refused by `T::parse` with Auth0's message.
    fn refuses_unknown<T: Request + std::fmt::Debug>(valid: Value) {
        assert!(T::parse(&valid).is_ok(), "{valid}");
        let mut body = valid;
        body["bogus"] = Value::Bool(true);
        let e = T::parse(&body).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Additional properties not allowed: bogus'."
        );
        assert_eq!(e.field, None);
    }

    #[test]
    fn every_request_refuses_unknown_properties() {
        use serde_json::json;
        refuses_unknown::<CreateOrganization>(json!({"name": "acme"}));
        refuses_unknown::<organizations::UpdateOrganization>(json!({"name": "acme"}));
        refuses_unknown::<connections::CreateConnection>(
            json!({"name": "db", "strategy": "auth0"}),
        );
        refuses_unknown::<connections::UpdateConnection>(json!({"display_name": "DB"}));
        refuses_unknown::<enabled_connections::CreateEnabledConnection>(
            json!({"connection_id": "con_abc"}),
        );
        refuses_unknown::<enabled_connections::UpdateEnabledConnection>(
            json!({"show_as_button": true}),
        );
        refuses_unknown::<clients::CreateClient>(json!({"name": "m2m"}));
        refuses_unknown::<clients::UpdateClient>(json!({"name": "m2m"}));
        refuses_unknown::<grants::CreateClientGrant>(
            json!({"client_id": "abc", "audience": "https://a/"}),
        );
        refuses_unknown::<grants::UpdateClientGrant>(json!({"scope": ["read:x"]}));
    }
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
