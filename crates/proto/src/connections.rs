//! `/api/v2/connections`: the connection as shown, and the create and update bodies with
//! Auth0's schema.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{array, nullable, string, ObjectSchema, Schema};
use crate::Request;

/// Auth0's `ConnectionIdentityProviderEnum`.
pub const STRATEGIES: &[&str] = &[
    "ad",
    "adfs",
    "amazon",
    "apple",
    "dropbox",
    "bitbucket",
    "auth0-oidc",
    "auth0",
    "baidu",
    "bitly",
    "box",
    "custom",
    "daccount",
    "dwolla",
    "email",
    "evernote-sandbox",
    "evernote",
    "exact",
    "facebook",
    "fitbit",
    "github",
    "google-apps",
    "google-oauth2",
    "instagram",
    "ip",
    "line",
    "linkedin",
    "oauth1",
    "oauth2",
    "office365",
    "oidc",
    "okta",
    "paypal",
    "paypal-sandbox",
    "pingfederate",
    "planningcenter",
    "salesforce-community",
    "salesforce-sandbox",
    "salesforce",
    "samlp",
    "sharepoint",
    "shopify",
    "shop",
    "sms",
    "soundcloud",
    "thirtysevensignals",
    "twitter",
    "untappd",
    "vkontakte",
    "waad",
    "weibo",
    "windowslive",
    "wordpress",
    "yahoo",
    "yandex",
];

pub const MAX_METADATA_KEYS: usize = 10;

/// A connection as the API shows it, in Auth0's key order. `provisioning_ticket_url` only for
/// enterprise strategies that have one; `show_as_button` only when set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    pub options: Map<String, Value>,
    pub strategy: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_ticket_url: Option<String>,
    pub is_domain_connection: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_as_button: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_accounts: Option<Value>,
    pub enabled_clients: Vec<String>,
    pub realms: Vec<String>,
}

/// The answer to `DELETE /connections/{id}` when the deletion is under way (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedConnection {
    /// ISO 8601 with milliseconds.
    pub deleted_at: String,
}

/// `POST /connections`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateConnection {
    pub name: String,
    pub strategy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `null` reads as left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_clients: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_domain_connection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_as_button: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realms: Option<Vec<String>>,
    /// `null` reads as left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// `{"active": bool}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Value>,
    /// `{"active": bool}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_accounts: Option<Value>,
}

/// `PATCH /connections/{id}`: `name` and `strategy` cannot be changed; `options`, when given,
/// replaces the whole object (`null`: an empty one); `metadata: null` removes the metadata.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateConnection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub options: Option<Option<Map<String, Value>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_clients: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_domain_connection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_as_button: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realms: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Map<String, Value>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_accounts: Option<Value>,
}

/// `^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$`: alphanumerics and single inner dashes.
pub fn is_valid_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
}

const NAME_PATTERN: &str = "^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$";

fn active_flag() -> Schema {
    ObjectSchema::new()
        .prop("active", "", Schema::Bool)
        .required(&["active"])
        .build()
}

fn metadata_schema() -> Schema {
    ObjectSchema::new()
        .additional(nullable(string(0, 255)))
        .max_props(MAX_METADATA_KEYS)
        .build()
}
fn common(o: ObjectSchema) -> ObjectSchema {
    o.prop("display_name", "Connection name used in the new universal login experience", string(0, 128))
        .prop("options", "The connection's options (depend on the connection strategy)", nullable(ObjectSchema::new().additional(Schema::Any).build()))
        .prop("enabled_clients", "DEPRECATED property. Use the PATCH /v2/connections/{id}/clients endpoint to enable the connection for a set of clients.", array(string(1, 64), None, false))
        .prop("is_domain_connection", "<code>true</code> promotes to a domain-level connection so that third-party applications can use it. <code>false</code> does not promote the connection, so only first-party applications with the connection enabled can use it. (Defaults to <code>false</code>.)", Schema::Bool)
        .prop("show_as_button", "Enables showing a button for the connection in the login page (new experience only). If false, it will be usable only by HRD. (Defaults to <code>false</code>.)", Schema::Bool)
        .prop("realms", "Defines the realms for which the connection will be used (ie: email domains). If the array is empty or the property is not specified, the connection name will be added as realm.", array(string(1, 255), None, false))
        .prop("metadata", "Metadata associated with the connection in the form of an object with string values (max 255 chars).  Maximum of 10 metadata properties allowed.", nullable(metadata_schema()))
        .prop("authentication", "Configure the purpose of a connection to be used for authentication during login.", active_flag())
        .prop("connected_accounts", "Configure the purpose of a connection to be used for connected accounts and Token Vault.", active_flag())
}

impl Request for CreateConnection {
    fn schema() -> Schema {
        common(ObjectSchema::new())
        .prop("name", "The name of the connection. Must start and end with an alphanumeric character and can only contain alphanumeric characters and '-'. Max length 128", Schema::Pattern { max: 128, text: NAME_PATTERN, check: is_valid_name })
        .prop("strategy", "", Schema::Enum(STRATEGIES))
        .required(&["name", "strategy"])
        .build()
    }
}

impl Request for UpdateConnection {
    fn schema() -> Schema {
        common(ObjectSchema::new()).min_props(1).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn connection_names_follow_the_pattern() {
        assert!(is_valid_name("Test-Auth0-Connection-1757329209"));
        assert!(is_valid_name("a"));
        assert!(!is_valid_name("-a"));
        assert!(!is_valid_name("a--b"));
        assert!(!is_valid_name("a_b"));
    }

    #[test]
    fn shapes_round_trip() {
        let c: Connection = round_trip(json!({
            "id": "con_x", "options": {"a": 1}, "strategy": "samlp", "name": "corp",
            "provisioning_ticket_url": "https://t/p/samlp/con_x", "is_domain_connection": false,
            "show_as_button": false, "display_name": "Corp", "metadata": {"k": "v"},
            "authentication": {"active": true}, "connected_accounts": {"active": false},
            "enabled_clients": ["c1"], "realms": ["corp"]
        }));
        assert_eq!(c.show_as_button, Some(false));
        round_trip::<Connection>(json!({
            "id": "con_x", "options": {}, "strategy": "auth0", "name": "db",
            "is_domain_connection": false, "enabled_clients": [], "realms": ["db"]
        }));
        round_trip::<DeletedConnection>(json!({"deleted_at": "2026-01-01T00:00:00.000Z"}));
        round_trip::<CreateConnection>(json!({"name": "db", "strategy": "auth0", "realms": ["a"]}));
        let u: UpdateConnection = round_trip(json!({"options": null, "metadata": {"k": "v"}}));
        assert_eq!(u.options, Some(None));
    }

    #[test]
    fn bad_bodies_are_refused_with_auth0_messages() {
        let e = CreateConnection::parse(&json!({"name": "x", "strategy": "nope"})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'No enum match for: nope' on property strategy."
        );
        assert_eq!(e.field.as_deref(), Some("strategy"));
        let e = UpdateConnection::parse(&json!({"name": "x"})).unwrap_err();
        assert_eq!(
            e.message,
            "Payload validation error: 'Additional properties not allowed: name'."
        );
        assert!(UpdateConnection::parse(&json!({})).is_err());
        let ok =
            CreateConnection::parse(&json!({"name": "x", "strategy": "auth0", "options": null}))
                .unwrap();
        assert_eq!(ok.options, None);
    }
}

/// At most this many changes in one `PATCH /connections/{id}/clients` (Auth0's limit).
pub const MAX_CLIENT_CHANGES: usize = 50;

/// One entry of `PATCH /connections/{id}/clients`: enable (`status: true`) or disable the
/// connection for a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionClientChange {
    pub client_id: String,
    pub status: bool,
}

/// `PATCH /connections/{id}/clients`: a JSON array of changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UpdateConnectionClients(pub Vec<ConnectionClientChange>);

impl crate::Request for UpdateConnectionClients {
    fn schema() -> crate::validate::Schema {
        let change = crate::validate::ObjectSchema::new()
            .prop(
                "client_id",
                "The client_id of the client to be the subject to change status",
                crate::validate::string(1, 64),
            )
            .prop(
                "status",
                "Whether the connection is enabled or not for this client_id",
                crate::validate::Schema::Bool,
            )
            .required(&["client_id", "status"])
            .build();
        crate::validate::array(change, Some(MAX_CLIENT_CHANGES), false)
    }
}

/// One entry of `GET /connections/{id}/clients`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionClient {
    pub client_id: String,
}

#[cfg(test)]
mod connection_clients_tests {
    use super::*;
    use crate::Request;
    use serde_json::json;

    #[test]
    fn changes_are_checked() {
        let ok =
            UpdateConnectionClients::parse(&json!([{"client_id": "abc", "status": true}])).unwrap();
        assert_eq!(ok.0[0].client_id, "abc");
        for bad in [
            json!({"client_id": "abc", "status": true}),
            json!([{"client_id": "abc"}]),
            json!([{"client_id": "abc", "status": "yes"}]),
            json!([{"client_id": "abc", "status": true, "extra": 1}]),
            json!(vec![
                json!({"client_id": "a", "status": true});
                MAX_CLIENT_CHANGES + 1
            ]),
        ] {
            assert!(UpdateConnectionClients::parse(&bad).is_err(), "{bad}");
        }
    }
}
