//! Connections: the login sources of the tenant (a database, a social provider, an enterprise
//! directory). Organizations enable some of them.

use orgwarden_proto::connections as wire;
use orgwarden_proto::connections::{CreateConnection, UpdateConnection};
use orgwarden_proto::Request;
use serde_json::{Map, Value};

use crate::ids::ConnectionId;
use crate::validate::{self, Origin};
use crate::{Error, Result};

mod defaults;
pub mod upstream;

pub use orgwarden_proto::connections::{is_valid_name, MAX_METADATA_KEYS, STRATEGIES};

/// The list filter also accepts this legacy strategy.
pub const LIST_FILTER_EXTRA_STRATEGIES: &[&str] = &["auth0-adldap"];

/// The database strategy: the only one that supports organization sign-up.
pub const DATABASE_STRATEGY: &str = "auth0";

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

/// Enterprise strategies for which Auth0 shows a provisioning ticket URL (recordings).
fn has_provisioning_ticket(strategy: &str) -> bool {
    matches!(
        strategy,
        "ad" | "adfs" | "pingfederate" | "samlp" | "waad" | "google-apps"
    )
}

impl Connection {
    /// The connection as the API shows it; `domain` is the tenant's, for the provisioning
    /// ticket URL.
    pub fn to_wire(&self, domain: &str) -> wire::Connection {
        wire::Connection {
            id: self.id.as_str().to_owned(),
            options: self.options.clone(),
            strategy: self.strategy.clone(),
            name: self.name.clone(),
            provisioning_ticket_url: has_provisioning_ticket(&self.strategy)
                .then(|| format!("https://{domain}/p/{}/{}", self.strategy, self.id)),
            is_domain_connection: self.is_domain_connection,
            show_as_button: self.show_as_button,
            display_name: self.display_name.clone(),
            metadata: self.metadata.clone(),
            authentication: self.authentication.clone(),
            connected_accounts: self.connected_accounts.clone(),
            enabled_clients: self.enabled_clients.clone(),
            realms: self.realms.clone(),
        }
    }
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

/// A `POST /connections` body, with the strategy's rules on `options`.
impl TryFrom<CreateConnection> for NewConnection {
    type Error = Error;

    fn try_from(body: CreateConnection) -> Result<Self> {
        if let Some(options) = &body.options {
            check_options(&body.strategy, options)?;
        }
        Ok(Self {
            name: body.name,
            strategy: body.strategy,
            display_name: body.display_name,
            options: body.options.unwrap_or_default(),
            realms: body.realms.filter(|r| !r.is_empty()),
            is_domain_connection: body.is_domain_connection.unwrap_or(false),
            show_as_button: body.show_as_button,
            enabled_clients: body.enabled_clients.unwrap_or_default(),
            metadata: body.metadata.filter(|m| !m.is_empty()),
            authentication: body.authentication,
            connected_accounts: body.connected_accounts,
        })
    }
}

impl NewConnection {
    /// Parses and reads a `POST /connections` body: [`CreateConnection::parse`], then the
    /// rules above. For callers that hold JSON (tests, tools).
    pub fn from_json(body: &Value) -> Result<Self> {
        Self::try_from(CreateConnection::parse(body)?)
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
    /// Clients to enable (`true`) or disable (`false`), after `enabled_clients`
    /// (`PATCH /connections/{id}/clients`: the same list, changed one client at a time).
    pub client_changes: Vec<(String, bool)>,
    pub metadata: Option<Option<Map<String, Value>>>,
    pub authentication: Option<Value>,
    pub connected_accounts: Option<Value>,
}

/// A `PATCH /connections/{id}` body. `name` and `strategy` cannot be changed.
impl From<UpdateConnection> for ConnectionPatch {
    fn from(body: UpdateConnection) -> Self {
        Self {
            display_name: body.display_name,
            options: body.options.map(Option::unwrap_or_default),
            realms: body.realms,
            is_domain_connection: body.is_domain_connection,
            show_as_button: body.show_as_button,
            enabled_clients: body.enabled_clients,
            client_changes: Vec::new(),
            metadata: body.metadata.map(|m| m.filter(|m| !m.is_empty())),
            authentication: body.authentication,
            connected_accounts: body.connected_accounts,
        }
    }
}

/// A `PATCH /connections/{id}/clients` body: only the changes of enabled clients.
impl From<orgwarden_proto::connections::UpdateConnectionClients> for ConnectionPatch {
    fn from(body: orgwarden_proto::connections::UpdateConnectionClients) -> Self {
        Self {
            client_changes: body
                .0
                .into_iter()
                .map(|c| (c.client_id, c.status))
                .collect(),
            ..Self::default()
        }
    }
}

impl ConnectionPatch {
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
        for (client, enable) in self.client_changes {
            match (c.enabled_clients.binary_search(&client), enable) {
                (Err(at), true) => c.enabled_clients.insert(at, client),
                (Ok(at), false) => {
                    c.enabled_clients.remove(at);
                }
                _ => {}
            }
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
    fn oidc_endpoints_left_null_come_from_the_metadata_sent() {
        let c = NewConnection::from_json(&json!({"name": "sso", "strategy": "oidc", "options": {
            "issuer": "https://idp.test", "token_endpoint": null,
            "authorization_endpoint": "https://idp.test/mine",
            "oidc_metadata": {"issuer": "https://other.test", "token_endpoint": "https://idp.test/token",
                "userinfo_endpoint": "https://idp.test/userinfo", "authorization_endpoint": "https://idp.test/authorize"}}}))
        .unwrap()
        .into_connection(ConnectionId::generate());
        assert_eq!(c.options["token_endpoint"], "https://idp.test/token");
        assert_eq!(c.options["userinfo_endpoint"], "https://idp.test/userinfo");
        assert_eq!(
            c.options["authorization_endpoint"], "https://idp.test/mine",
            "sent values stay"
        );
        assert_eq!(c.options["issuer"], "https://idp.test");
        assert!(
            c.options.get("jwks_uri").is_none(),
            "nothing to fill it from"
        );
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
    fn bodies_read_as_before() {
        let e = NewConnection::from_json(&json!({"name": "x", "strategy": "nope"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Payload validation error: 'No enum match for: nope' on property strategy."
        );
        let e = NewConnection::from_json(
            &json!({"name": "x", "strategy": "auth0", "options": {"attributes": 1}}),
        )
        .unwrap_err();
        assert!(matches!(e, Error::Invalid(i) if i.field.as_deref() == Some("options.attributes")));
        let patch = ConnectionPatch::from(
            UpdateConnection::parse(&json!({"options": null, "metadata": {}})).unwrap(),
        );
        assert_eq!(patch.options, Some(Map::new()));
        assert_eq!(patch.metadata, Some(None));
    }

    #[test]
    fn only_some_enterprise_strategies_show_a_provisioning_ticket() {
        let ad = NewConnection::from_json(&json!({"name": "corp", "strategy": "ad"}))
            .unwrap()
            .into_connection(ConnectionId::parse("con_abc").unwrap());
        assert_eq!(
            ad.to_wire("t.example").provisioning_ticket_url.as_deref(),
            Some("https://t.example/p/ad/con_abc")
        );
        let mut db = ad;
        db.strategy = "auth0".into();
        assert_eq!(db.to_wire("t.example").provisioning_ticket_url, None);
    }
}
