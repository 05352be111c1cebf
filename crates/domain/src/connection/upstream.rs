//! What a federated connection's options say about its upstream OpenID Connect provider, read
//! as Auth0 stores them: `client_id`, `client_secret`, `scope` (or, for `google-oauth2`, the
//! `email`/`profile` flags), and where the provider is: its endpoints (`issuer`,
//! `authorization_endpoint`, `token_endpoint`, `jwks_uri`, `userinfo_endpoint`, filled from
//! discovery at create/update), else a discovery document (`discovery_url`, the `issuer`'s
//! `/.well-known/openid-configuration`, Okta's `domain`). No HTTP here: the server fetches.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Connection;

/// The strategies orgwarden signs people in through (others keep their note on the login page).
pub const FEDERATED_STRATEGIES: [&str; 3] = ["oidc", "okta", "google-oauth2"];

/// Whether people can sign in through a connection of `strategy` by federation.
pub fn is_federated(strategy: &str) -> bool {
    FEDERATED_STRATEGIES.contains(&strategy)
}

/// The discovery document's path under an issuer.
pub const WELL_KNOWN: &str = "/.well-known/openid-configuration";

/// The provider's endpoints, as its discovery document names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
}

impl Endpoints {
    /// Every endpoint, if `doc` (a discovery document, or a connection's options) names them
    /// all as `https://` URLs (the user-info endpoint is optional).
    pub fn from_document(doc: &Map<String, Value>) -> Result<Endpoints, String> {
        let get = |k: &str| -> Result<String, String> {
            match doc.get(k) {
                Some(Value::String(s)) if s.starts_with("https://") && s.len() <= 2048 => {
                    Ok(s.clone())
                }
                Some(Value::String(_)) => Err(format!("{k} is not an https URL")),
                _ => Err(format!("{k} is missing")),
            }
        };
        Ok(Endpoints {
            issuer: get("issuer")?,
            authorization_endpoint: get("authorization_endpoint")?,
            token_endpoint: get("token_endpoint")?,
            jwks_uri: get("jwks_uri")?,
            userinfo_endpoint: match doc.get("userinfo_endpoint") {
                None | Some(Value::Null) => None,
                Some(_) => Some(get("userinfo_endpoint")?),
            },
        })
    }

    /// Writes the endpoints a connection's options lack (absent or `null`) into them, as
    /// Auth0 does after discovery: endpoints sent are kept as sent.
    pub fn fill(&self, options: &mut Map<String, Value>) {
        let mut put = |k: &str, v: &str| {
            if options.get(k).is_none_or(Value::is_null) {
                options.insert(k.to_owned(), Value::String(v.to_owned()));
            }
        };
        put("issuer", &self.issuer);
        put("authorization_endpoint", &self.authorization_endpoint);
        put("token_endpoint", &self.token_endpoint);
        put("jwks_uri", &self.jwks_uri);
        if let Some(u) = &self.userinfo_endpoint {
            put("userinfo_endpoint", u);
        }
    }
}

/// How a connection reaches its provider.
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamSettings {
    pub client_id: String,
    /// Absent for a public (front-channel) client: PKCE alone then protects the code.
    pub client_secret: Option<String>,
    /// Space-separated, always with `openid`.
    pub scope: String,
    /// The endpoints, when the options hold them all.
    pub endpoints: Option<Endpoints>,
    /// Where to discover them otherwise.
    pub discovery_url: Option<String>,
}

impl fmt::Debug for UpstreamSettings {
    /// Never the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamSettings")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("scope", &self.scope)
            .field("endpoints", &self.endpoints)
            .field("discovery_url", &self.discovery_url)
            .finish()
    }
}

fn text<'a>(options: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    options
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Okta's org authorization server, as Okta documents it under an org's `domain`: what an
/// `okta` connection uses when its discovery document cannot be read at create/update.
pub fn okta_org_endpoints(domain: &str) -> Endpoints {
    let host = domain.trim_start_matches("https://").trim_end_matches('/');
    let base = format!("https://{host}");
    Endpoints {
        issuer: base.clone(),
        authorization_endpoint: format!("{base}/oauth2/v1/authorize"),
        token_endpoint: format!("{base}/oauth2/v1/token"),
        jwks_uri: format!("{base}/oauth2/v1/keys"),
        userinfo_endpoint: Some(format!("{base}/oauth2/v1/userinfo")),
    }
}

/// The discovery document's URL for `issuer` (with or without its trailing slash).
pub fn discovery_url_of(issuer: &str) -> String {
    format!("{}{WELL_KNOWN}", issuer.trim_end_matches('/'))
}

/// Where a connection's discovery document is, from its options: `discovery_url`, else (Okta)
/// `https://<domain>`'s well-known URL (Auth0 reads Okta's there even when an `issuer` is
/// sent), else the `issuer`'s. `google_issuer` is Google's
/// (configurable, so that tests can point it at a provider of theirs).
pub fn discovery_source(
    strategy: &str,
    options: &Map<String, Value>,
    google_issuer: &str,
) -> Option<String> {
    if strategy == "google-oauth2" {
        return Some(discovery_url_of(google_issuer));
    }
    if let Some(u) = text(options, "discovery_url") {
        return Some(u.to_owned());
    }
    if strategy == "okta" {
        if let Some(d) = text(options, "domain") {
            let host = d.trim_start_matches("https://").trim_end_matches('/');
            return Some(discovery_url_of(&format!("https://{host}")));
        }
    }
    text(options, "issuer").map(discovery_url_of)
}

impl UpstreamSettings {
    /// The settings of a federated connection; a message naming what is missing otherwise.
    pub fn of(connection: &Connection, google_issuer: &str) -> Result<UpstreamSettings, String> {
        let strategy = connection.strategy.as_str();
        if !is_federated(strategy) {
            return Err(format!(
                "orgwarden does not sign people in through {strategy} connections"
            ));
        }
        let o = &connection.options;
        let client_id = text(o, "client_id")
            .ok_or("the connection has no client_id")?
            .to_owned();
        let client_secret = text(o, "client_secret").map(str::to_owned);
        let mut scopes: Vec<String> = vec!["openid".into()];
        let mut add = |s: &str| {
            if !s.is_empty() && !scopes.iter().any(|x| x == s) {
                scopes.push(s.to_owned());
            }
        };
        if strategy == "google-oauth2" {
            // Auth0's flags; `email` defaults to on, as its defaults make it.
            if o.get("email").and_then(Value::as_bool).unwrap_or(true) {
                add("email");
            }
            if o.get("profile").and_then(Value::as_bool).unwrap_or(true) {
                add("profile");
            }
        } else {
            match o.get("scope").or_else(|| o.get("scopes")) {
                Some(Value::String(s)) => s.split_whitespace().for_each(&mut add),
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).for_each(&mut add),
                _ => {
                    add("profile");
                    add("email");
                }
            }
        }
        let endpoints = if strategy == "google-oauth2" {
            None
        } else {
            Endpoints::from_document(o).ok()
        };
        let discovery_url = discovery_source(strategy, o, google_issuer);
        if endpoints.is_none() && discovery_url.is_none() {
            return Err(
                "the connection names neither its provider's endpoints nor where to discover them (discovery_url, issuer)"
                    .into(),
            );
        }
        Ok(UpstreamSettings {
            client_id,
            client_secret,
            scope: scopes.join(" "),
            endpoints,
            discovery_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ConnectionId;
    use serde_json::json;

    fn connection(strategy: &str, options: Value) -> Connection {
        Connection {
            id: ConnectionId::generate(),
            name: "acme-sso".into(),
            display_name: None,
            strategy: strategy.into(),
            options: options.as_object().cloned().unwrap(),
            realms: vec![],
            is_domain_connection: false,
            show_as_button: None,
            enabled_clients: vec![],
            metadata: None,
            authentication: None,
            connected_accounts: None,
        }
    }

    #[test]
    fn read_as_auth0_stores_them() {
        let c = connection(
            "oidc",
            json!({"client_id": "abc", "client_secret": "s3cret", "issuer": "https://idp.acme.test/", "scope": "openid profile groups"}),
        );
        let s = UpstreamSettings::of(&c, "https://accounts.google.com").unwrap();
        assert_eq!(s.scope, "openid profile groups");
        assert_eq!(
            s.discovery_url.as_deref(),
            Some("https://idp.acme.test/.well-known/openid-configuration")
        );
        assert!(s.endpoints.is_none());
        assert!(!format!("{s:?}").contains("s3cret"));
        let okta = connection(
            "okta",
            json!({"client_id": "abc", "domain": "acme.okta.com"}),
        );
        let s = UpstreamSettings::of(&okta, "x").unwrap();
        assert_eq!(
            s.discovery_url.as_deref(),
            Some("https://acme.okta.com/.well-known/openid-configuration")
        );
        assert_eq!(s.scope, "openid profile email");
        let google = connection("google-oauth2", json!({"client_id": "g", "profile": false}));
        let s = UpstreamSettings::of(&google, "https://127.0.0.1:9/").unwrap();
        assert_eq!(s.scope, "openid email");
        assert_eq!(
            s.discovery_url.as_deref(),
            Some("https://127.0.0.1:9/.well-known/openid-configuration")
        );
    }

    #[test]
    fn refusals_name_what_is_missing() {
        let no_id = connection("oidc", json!({"issuer": "https://idp.acme.test"}));
        assert!(UpstreamSettings::of(&no_id, "x")
            .unwrap_err()
            .contains("client_id"));
        let nowhere = connection("oidc", json!({"client_id": "a"}));
        assert!(UpstreamSettings::of(&nowhere, "x").is_err());
        let saml = connection("samlp", json!({}));
        assert!(UpstreamSettings::of(&saml, "x").is_err());
        let plain = json!({"issuer": "http://idp", "authorization_endpoint": "https://a", "token_endpoint": "https://t", "jwks_uri": "https://j"});
        assert!(Endpoints::from_document(plain.as_object().unwrap())
            .unwrap_err()
            .contains("issuer"));
    }
}
