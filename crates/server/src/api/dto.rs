//! How domain values look on the wire: Auth0's keys, defaults and omissions (unset keys are
//! left out, never `null`).

use orgwarden_domain::client::{Client, ClientGrant};
use orgwarden_domain::connection::Connection;
use orgwarden_domain::enabled_connection::EnabledConnection;
use orgwarden_domain::organization::Organization;
use serde_json::{json, Map, Value};

pub fn organization(o: &Organization) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), json!(o.id.as_str()));
    v.insert("name".into(), json!(o.name));
    if let Some(d) = &o.display_name {
        v.insert("display_name".into(), json!(d));
    }
    if let Some(b) = &o.branding {
        v.insert("branding".into(), json!(b));
    }
    if let Some(m) = &o.metadata {
        v.insert("metadata".into(), Value::Object(m.clone()));
    }
    for (k, val) in &o.attributes {
        v.insert(k.clone(), val.clone());
    }
    Value::Object(v)
}

/// `connection_id, assign_membership_on_login, [is_signup_enabled], show_as_button, connection`;
/// `is_signup_enabled` only for database connections.
pub fn enabled_connection(e: &EnabledConnection) -> Value {
    let mut v = Map::new();
    v.insert("connection_id".into(), json!(e.connection_id.as_str()));
    v.insert(
        "assign_membership_on_login".into(),
        json!(e.settings.assign_membership_on_login),
    );
    if e.connection.is_database() {
        v.insert(
            "is_signup_enabled".into(),
            json!(e.settings.is_signup_enabled),
        );
    }
    v.insert("show_as_button".into(), json!(e.settings.show_as_button));
    v.insert(
        "connection".into(),
        json!({ "name": e.connection.name, "strategy": e.connection.strategy }),
    );
    Value::Object(v)
}

/// The newer `/organizations/{id}/connections` shape: the same, plus `is_enabled` and
/// `organization_access_level`, with `is_signup_enabled` always present.
pub fn organization_connection(e: &EnabledConnection) -> Value {
    json!({
        "connection_id": e.connection_id.as_str(),
        "is_signup_enabled": e.settings.is_signup_enabled,
        "assign_membership_on_login": e.settings.assign_membership_on_login,
        "show_as_button": e.settings.show_as_button,
        "is_enabled": true,
        "organization_access_level": "none",
        "connection": { "name": e.connection.name, "strategy": e.connection.strategy },
    })
}

/// Enterprise strategies for which Auth0 shows a provisioning ticket URL (recordings).
fn has_provisioning_ticket(strategy: &str) -> bool {
    matches!(
        strategy,
        "ad" | "adfs" | "pingfederate" | "samlp" | "waad" | "google-apps"
    )
}

pub fn connection(c: &Connection, domain: &str) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), json!(c.id.as_str()));
    v.insert("options".into(), Value::Object(c.options.clone()));
    v.insert("strategy".into(), json!(c.strategy));
    v.insert("name".into(), json!(c.name));
    if has_provisioning_ticket(&c.strategy) {
        let url = format!("https://{domain}/p/{}/{}", c.strategy, c.id);
        v.insert("provisioning_ticket_url".into(), json!(url));
    }
    v.insert("is_domain_connection".into(), json!(c.is_domain_connection));
    if let Some(s) = c.show_as_button {
        v.insert("show_as_button".into(), json!(s));
    }
    if let Some(d) = &c.display_name {
        v.insert("display_name".into(), json!(d));
    }
    if let Some(m) = &c.metadata {
        v.insert("metadata".into(), Value::Object(m.clone()));
    }
    if let Some(a) = &c.authentication {
        v.insert("authentication".into(), a.clone());
    }
    if let Some(a) = &c.connected_accounts {
        v.insert("connected_accounts".into(), a.clone());
    }
    v.insert("enabled_clients".into(), json!(c.enabled_clients));
    v.insert("realms".into(), json!(c.realms));
    Value::Object(v)
}

/// `fields=a,b` with `include_fields=true` keeps only those (Auth0 always keeps
/// `is_domain_connection` too); with `include_fields=false` it drops them.
pub fn select_fields(v: Value, fields: Option<&[String]>, include: bool) -> Value {
    let (Some(fields), Value::Object(map)) = (fields, &v) else {
        return v;
    };
    let kept = map
        .iter()
        .filter(|(k, _)| {
            let listed = fields.iter().any(|f| f == *k);
            if include {
                listed || k.as_str() == "is_domain_connection"
            } else {
                !listed
            }
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

pub fn client(c: &Client, secret: Option<&str>) -> Value {
    let mut v = Map::new();
    v.insert("client_id".into(), json!(c.client_id.as_str()));
    v.insert("name".into(), json!(c.name));
    if let Some(s) = secret {
        v.insert("client_secret".into(), json!(s));
    }
    for (k, val) in &c.attributes {
        v.insert(k.clone(), val.clone());
    }
    Value::Object(v)
}

pub fn client_grant(g: &ClientGrant) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), json!(g.id.as_str()));
    v.insert("client_id".into(), json!(g.client_id.as_str()));
    v.insert("audience".into(), json!(g.audience));
    v.insert("scope".into(), json!(g.scope));
    for (k, val) in &g.attributes {
        v.insert(k.clone(), val.clone());
    }
    Value::Object(v)
}
