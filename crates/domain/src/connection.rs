//! Connections: the login sources of the tenant (a database, a social provider, an enterprise
//! directory). Organizations enable some of them.

use serde_json::{Map, Value};

use crate::ids::ConnectionId;
use crate::validate::{self, array, nullable, string, ObjectSchema, Origin, Schema};
use crate::{Error, Result};

mod defaults;

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

/// The list filter also accepts this legacy strategy.
pub const LIST_FILTER_EXTRA_STRATEGIES: &[&str] = &["auth0-adldap"];

/// The database strategy: the only one that supports organization sign-up.
pub const DATABASE_STRATEGY: &str = "auth0";

pub const MAX_METADATA_KEYS: usize = 10;

/// Enterprise strategies: Auth0 shows `show_as_button` on these.
pub fn is_enterprise(strategy: &str) -> bool {
    matches!(
        strategy,
        "ad" | "adfs"
            | "auth0-oidc"
            | "google-apps"
            | "ip"
            | "office365"
            | "oidc"
            | "okta"
            | "pingfederate"
            | "samlp"
            | "sharepoint"
            | "waad"
            | "custom"
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub id: ConnectionId,
    pub name: String,
    pub display_name: Option<String>,
    pub strategy: String,
    pub options: Map<String, Value>,
    pub realms: Vec<String>,
    pub is_domain_connection: bool,
    pub show_as_button: Option<bool>,
    pub enabled_clients: Vec<String>,
    pub metadata: Option<Map<String, Value>>,
    pub authentication: Option<Value>,
    pub connected_accounts: Option<Value>,
}

impl Connection {
    pub fn is_database(&self) -> bool {
        self.strategy == DATABASE_STRATEGY
    }
}

/// The name and strategy of a connection, as shown inside an enabled connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSummary {
    pub name: String,
    pub strategy: String,
}

impl ConnectionSummary {
    pub fn is_database(&self) -> bool {
        self.strategy == DATABASE_STRATEGY
    }
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

fn create_schema() -> Schema {
    common(ObjectSchema::new())
        .prop("name", "The name of the connection. Must start and end with an alphanumeric character and can only contain alphanumeric characters and '-'. Max length 128", Schema::Pattern { max: 128, text: NAME_PATTERN, check: is_valid_name })
        .prop("strategy", "", Schema::Enum(STRATEGIES))
        .required(&["name", "strategy"])
        .build()
}

fn update_schema() -> Schema {
    common(ObjectSchema::new()).min_props(1).build()
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

fn object(v: Option<&Value>) -> Option<Map<String, Value>> {
    v.and_then(Value::as_object).cloned()
}

/// What a create request asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConnection {
    pub name: String,
    pub strategy: String,
    pub display_name: Option<String>,
    pub options: Map<String, Value>,
    pub realms: Option<Vec<String>>,
    pub is_domain_connection: bool,
    pub show_as_button: Option<bool>,
    pub enabled_clients: Vec<String>,
    pub metadata: Option<Map<String, Value>>,
    pub authentication: Option<Value>,
    pub connected_accounts: Option<Value>,
}

impl NewConnection {
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &create_schema(), Origin::Payload).map_err(Error::Invalid)?;
        if let (Some(strategy), Some(options)) =
            (body["strategy"].as_str(), body["options"].as_object())
        {
            check_options(strategy, options)?;
        }
        Ok(Self {
            name: body["name"].as_str().unwrap_or_default().to_owned(),
            strategy: body["strategy"].as_str().unwrap_or_default().to_owned(),
            display_name: body
                .get("display_name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            options: object(body.get("options")).unwrap_or_default(),
            realms: strings(body.get("realms")).filter(|r| !r.is_empty()),
            is_domain_connection: body
                .get("is_domain_connection")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            show_as_button: body.get("show_as_button").and_then(Value::as_bool),
            enabled_clients: strings(body.get("enabled_clients")).unwrap_or_default(),
            metadata: object(body.get("metadata")).filter(|m| !m.is_empty()),
            authentication: body.get("authentication").cloned(),
            connected_accounts: body.get("connected_accounts").cloned(),
        })
    }

    /// The connection as Auth0 would store it: its defaults filled in.
    pub fn into_connection(self, id: ConnectionId) -> Connection {
        let mut enabled_clients = self.enabled_clients;
        enabled_clients.sort();
        enabled_clients.dedup();
        let options = defaults::options(&self.strategy, self.options);
        let show_as_button = self
            .show_as_button
            .or_else(|| is_enterprise(&self.strategy).then_some(false));
        let (authentication, connected_accounts) =
            defaults::purposes(&self.strategy, self.authentication, self.connected_accounts);
        Connection {
            id,
            realms: self.realms.unwrap_or_else(|| vec![self.name.clone()]),
            display_name: self
                .display_name
                .or_else(|| defaults::display_name(&self.strategy, &self.name)),
            name: self.name,
            strategy: self.strategy,
            options,
            is_domain_connection: self.is_domain_connection,
            show_as_button,
            enabled_clients,
            metadata: self.metadata,
            authentication,
            connected_accounts,
        }
    }
}

/// A partial update. `options`, when given, replaces the whole object (as Auth0).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectionPatch {
    pub display_name: Option<String>,
    pub options: Option<Map<String, Value>>,
    pub realms: Option<Vec<String>>,
    pub is_domain_connection: Option<bool>,
    pub show_as_button: Option<bool>,
    pub enabled_clients: Option<Vec<String>>,
    pub metadata: Option<Option<Map<String, Value>>>,
    pub authentication: Option<Value>,
    pub connected_accounts: Option<Value>,
}

impl ConnectionPatch {
    /// Validates a `PATCH /connections/{id}` body. `name` and `strategy` cannot be changed.
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &update_schema(), Origin::Payload).map_err(Error::Invalid)?;
        Ok(Self {
            display_name: body
                .get("display_name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            options: body
                .get("options")
                .map(|v| v.as_object().cloned().unwrap_or_default()),
            realms: strings(body.get("realms")),
            is_domain_connection: body.get("is_domain_connection").and_then(Value::as_bool),
            show_as_button: body.get("show_as_button").and_then(Value::as_bool),
            enabled_clients: strings(body.get("enabled_clients")),
            metadata: body
                .get("metadata")
                .map(|v| object(Some(v)).filter(|m| !m.is_empty())),
            authentication: body.get("authentication").cloned(),
            connected_accounts: body.get("connected_accounts").cloned(),
        })
    }

    /// Applies the patch; options are then checked against the strategy's rules.
    pub fn apply(self, c: &mut Connection) -> Result<()> {
        if let Some(d) = self.display_name {
            c.display_name = Some(d);
        }
        if let Some(o) = self.options {
            c.options = o;
        }
        if let Some(r) = self.realms {
            c.realms = if r.is_empty() {
                vec![c.name.clone()]
            } else {
                r
            };
        }
        if let Some(v) = self.is_domain_connection {
            c.is_domain_connection = v;
        }
        if let Some(v) = self.show_as_button {
            c.show_as_button = Some(v);
        }
        if let Some(mut v) = self.enabled_clients {
            v.sort();
            v.dedup();
            c.enabled_clients = v;
        }
        if let Some(m) = self.metadata {
            c.metadata = m;
        }
        if let Some(a) = self.authentication {
            c.authentication = Some(a);
        }
        if let Some(a) = self.connected_accounts {
            c.connected_accounts = Some(a);
        }
        check_options(&c.strategy, &c.options)
    }
}

/// Auth0's rules for a database connection's `options.attributes` (flexible identifiers), with
/// its messages, as recorded.
pub fn check_options(strategy: &str, options: &Map<String, Value>) -> Result<()> {
    if strategy != DATABASE_STRATEGY {
        return Ok(());
    }
    let attributes = match options.get("attributes") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(a)) => a,
        Some(other) => {
            let template = format!(
                "Expected type object but found type {}",
                validate::type_name(other)
            );
            return Err(Error::Invalid(validate::invalid(
                Origin::Payload,
                &template,
                "options.attributes",
                "",
            )));
        }
    };
    for other in ["requires_username", "validation"] {
        if options.get(other).is_some_and(|v| !v.is_null()) {
            return Err(Error::invalid(format!(
                "Cannot set both options.attributes and options.{other}"
            )));
        }
    }
    let active = |a: &Value| a.pointer("/identifier/active").and_then(Value::as_bool) == Some(true);
    if !attributes.values().any(active) {
        return Err(Error::invalid(
            "attributes must contain one active identifier",
        ));
    }
    for (name, a) in attributes {
        let required = a.get("profile_required").and_then(Value::as_bool) == Some(true);
        let on_signup = a.pointer("/signup/status").and_then(Value::as_str);
        if required && on_signup.is_some_and(|s| s != "required") {
            return Err(Error::invalid(format!(
                "attribute {name} must also be required on signup"
            )));
        }
    }
    Ok(())
}

/// Filters of `GET /connections`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionFilter {
    pub name: Option<String>,
    pub strategies: Vec<String>,
}

impl ConnectionFilter {
    pub fn matches(&self, c: &Connection) -> bool {
        self.name.as_ref().is_none_or(|n| *n == c.name)
            && (self.strategies.is_empty() || self.strategies.contains(&c.strategy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn create_fills_auth0_defaults() {
        let c = NewConnection::from_json(&json!({"name": "db", "strategy": "auth0"}))
            .unwrap()
            .into_connection(ConnectionId::generate());
        assert_eq!(c.realms, vec!["db"]);
        assert_eq!(c.options["passwordPolicy"], "good");
        assert_eq!(c.show_as_button, None);
        let ad = NewConnection::from_json(&json!({"name": "corp", "strategy": "ad"}))
            .unwrap()
            .into_connection(ConnectionId::generate());
        assert_eq!(ad.show_as_button, Some(false));
    }

    #[test]
    fn database_attribute_rules_use_auth0s_messages() {
        let check =
            |o: Value| check_options("auth0", o.as_object().unwrap()).map_err(|e| e.to_string());
        let email = json!({"identifier": {"active": true}, "profile_required": true, "signup": {"status": "required"}});
        assert!(check(json!({"attributes": {"email": email}})).is_ok());
        assert_eq!(
            check(json!({"requires_username": true, "attributes": {"email": email}})).unwrap_err(),
            "Cannot set both options.attributes and options.requires_username"
        );
        assert_eq!(
            check(json!({"validation": {}, "attributes": {"email": email}})).unwrap_err(),
            "Cannot set both options.attributes and options.validation"
        );
        let inactive = json!({"identifier": {"active": false}});
        assert_eq!(
            check(json!({"attributes": {"email": inactive}})).unwrap_err(),
            "attributes must contain one active identifier"
        );
        let phone = json!({"identifier": {"active": true}, "profile_required": true, "signup": {"status": "inactive"}});
        assert_eq!(
            check(json!({"attributes": {"phone_number": phone}})).unwrap_err(),
            "attribute phone_number must also be required on signup"
        );
        assert!(check_options("samlp", json!({"attributes": {}}).as_object().unwrap()).is_ok());
        assert_eq!(
            check(json!({"attributes": "nope"})).unwrap_err(),
            "Payload validation error: 'Expected type object but found type string' on property options.attributes."
        );
    }

    #[test]
    fn bad_bodies_are_refused_with_auth0_messages() {
        let e = NewConnection::from_json(&json!({"name": "x", "strategy": "nope"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Payload validation error: 'No enum match for: nope' on property strategy."
        );
        let e = ConnectionPatch::from_json(&json!({"name": "x"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Payload validation error: 'Additional properties not allowed: name'."
        );
        assert!(ConnectionPatch::from_json(&json!({})).is_err());
    }
}
