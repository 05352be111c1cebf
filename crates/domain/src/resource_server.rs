//! Resource servers: the APIs a client can be granted access to and get tokens for. Each is
//! named by its `identifier` (the token's `aud`), unique and never changed. The Management API
//! itself is one of them, the system one: it is not stored but made from the server's audience
//! ([`ResourceServer::management`]), and cannot be changed or deleted.

use orgwarden_proto::resource_servers::{
    self as wire, CreateResourceServer, ResourceServerFields, ResourceServerScope,
    UpdateResourceServer, SETTINGS,
};
use serde_json::{Map, Value};

use crate::Result;

/// Auth0's defaults for what a create body leaves out.
pub const DEFAULT_SIGNING_ALG: &str = "RS256";
pub const DEFAULT_TOKEN_LIFETIME: i64 = 86_400;
/// The Management API's name, as Auth0 shows it.
pub const MANAGEMENT_API_NAME: &str = "Auth0 Management API";

/// A resource server id: 24 lowercase hex digits, as Auth0's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceServerId(String);

impl ResourceServerId {
    pub fn generate() -> Self {
        // 24 hex digits from 12 random bytes: 96 bits, as Auth0's ids.
        use aws_lc_rs::rand::{SecureRandom, SystemRandom};
        let mut bytes = [0u8; 12];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system random source failed");
        Self(hex(&bytes))
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(s.to_ascii_lowercase()))
    }

    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The system one's: derived from its identifier, so every instance shows the same id.
    fn of_identifier(identifier: &str) -> Self {
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, identifier.as_bytes());
        Self(hex(&d.as_ref()[..12]))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl std::fmt::Display for ResourceServerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceServer {
    pub id: ResourceServerId,
    pub identifier: String,
    pub name: String,
    pub is_system: bool,
    pub settings: Settings,
}

/// Everything but the id, the identifier and the name: stored by the backends as one JSON
/// document ([`Settings::to_document`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub scopes: Vec<ResourceServerScope>,
    pub signing_alg: String,
    /// Kept for HS256 APIs; never shown.
    pub signing_secret: Option<String>,
    pub allow_offline_access: bool,
    /// Seconds; the lifetime of the tokens the token endpoint issues for this API.
    pub token_lifetime: i64,
    pub token_lifetime_for_web: Option<i64>,
    pub skip_consent_for_verifiable_first_party_clients: bool,
    pub enforce_policies: Option<bool>,
    pub token_dialect: Option<String>,
    /// The settings kept as given ([`SETTINGS`]), in Auth0's order.
    pub extra: Map<String, Value>,
}

impl Settings {
    /// The stored form: the update body that would set every field.
    pub fn to_document(&self) -> Value {
        let fields = ResourceServerFields {
            scopes: Some(self.scopes.clone()),
            signing_alg: Some(self.signing_alg.clone()),
            signing_secret: self.signing_secret.clone(),
            allow_offline_access: Some(self.allow_offline_access),
            token_lifetime: Some(self.token_lifetime),
            token_lifetime_for_web: self.token_lifetime_for_web,
            token_dialect: self.token_dialect.clone(),
            skip_consent_for_verifiable_first_party_clients: Some(
                self.skip_consent_for_verifiable_first_party_clients,
            ),
            enforce_policies: self.enforce_policies,
            settings: self.extra.clone(),
        };
        serde_json::to_value(fields).expect("settings serialize")
    }

    /// Reads what [`Settings::to_document`] wrote.
    pub fn from_document(doc: Value) -> Result<Self> {
        let f: ResourceServerFields = serde_json::from_value(doc)
            .map_err(|e| anyhow::anyhow!("a stored resource server is unreadable: {e}"))?;
        Ok(Self::defaults().patched(f))
    }

    fn defaults() -> Self {
        Settings {
            scopes: Vec::new(),
            signing_alg: DEFAULT_SIGNING_ALG.into(),
            signing_secret: None,
            allow_offline_access: false,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            token_lifetime_for_web: None,
            skip_consent_for_verifiable_first_party_clients: false,
            enforce_policies: None,
            token_dialect: None,
            extra: Map::new(),
        }
    }

    /// These settings with what `f` gives replacing what it names.
    fn patched(mut self, f: ResourceServerFields) -> Self {
        if let Some(v) = f.scopes {
            self.scopes = v;
        }
        if let Some(v) = f.signing_alg {
            self.signing_alg = v;
        }
        if f.signing_secret.is_some() {
            self.signing_secret = f.signing_secret;
        }
        if let Some(v) = f.allow_offline_access {
            self.allow_offline_access = v;
        }
        if let Some(v) = f.token_lifetime {
            self.token_lifetime = v;
        }
        if f.token_lifetime_for_web.is_some() {
            self.token_lifetime_for_web = f.token_lifetime_for_web;
        }
        if let Some(v) = f.skip_consent_for_verifiable_first_party_clients {
            self.skip_consent_for_verifiable_first_party_clients = v;
        }
        if f.enforce_policies.is_some() {
            self.enforce_policies = f.enforce_policies;
        }
        if f.token_dialect.is_some() {
            self.token_dialect = f.token_dialect;
        }
        let mut extra = self.extra;
        extra.extend(f.settings);
        // Auth0's order, whatever order they were given or stored in.
        self.extra = SETTINGS
            .iter()
            .filter_map(|k| extra.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        self
    }
}

impl ResourceServer {
    /// The Management API, as listed among the resource servers: `audience` is the server's,
    /// `scopes` the Management scopes.
    pub fn management(audience: &str, scopes: &[&str]) -> Self {
        ResourceServer {
            id: ResourceServerId::of_identifier(audience),
            identifier: audience.to_owned(),
            name: MANAGEMENT_API_NAME.into(),
            is_system: true,
            settings: Settings {
                scopes: scopes
                    .iter()
                    .map(|s| ResourceServerScope {
                        value: (*s).to_owned(),
                        description: None,
                    })
                    .collect(),
                ..Settings::defaults()
            },
        }
    }

    /// The scope values this API defines.
    pub fn scope_values(&self) -> impl Iterator<Item = &str> {
        self.settings.scopes.iter().map(|s| s.value.as_str())
    }

    pub fn to_wire(&self) -> wire::ResourceServer {
        let s = &self.settings;
        wire::ResourceServer {
            id: self.id.as_str().to_owned(),
            name: self.name.clone(),
            is_system: self.is_system.then_some(true),
            identifier: self.identifier.clone(),
            scopes: s.scopes.clone(),
            signing_alg: s.signing_alg.clone(),
            allow_offline_access: s.allow_offline_access,
            token_lifetime: s.token_lifetime,
            token_lifetime_for_web: s.token_lifetime_for_web,
            skip_consent_for_verifiable_first_party_clients: s
                .skip_consent_for_verifiable_first_party_clients,
            enforce_policies: s.enforce_policies,
            token_dialect: s.token_dialect.clone(),
            settings: shown_settings(&s.extra),
        }
    }
}

/// The settings as Auth0 shows them: a token-encryption key without its PEM, which Auth0 takes
/// but never sends back.
fn shown_settings(extra: &Map<String, Value>) -> Map<String, Value> {
    let mut shown = extra.clone();
    if let Some(Value::Object(key)) = shown
        .get_mut("token_encryption")
        .and_then(|t| t.get_mut("encryption_key"))
    {
        key.remove("pem");
    }
    shown
}

/// A `POST /resource-servers` body, with Auth0's defaults; the name defaults to the identifier.
impl From<CreateResourceServer> for ResourceServer {
    fn from(body: CreateResourceServer) -> Self {
        ResourceServer {
            id: ResourceServerId::generate(),
            name: body.name.unwrap_or_else(|| body.identifier.clone()),
            identifier: body.identifier,
            is_system: false,
            settings: Settings::defaults().patched(body.fields),
        }
    }
}

/// A `PATCH /resource-servers/{id}` body: what it names replaces what is stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceServerPatch {
    pub name: Option<String>,
    pub fields: ResourceServerFields,
}

impl From<UpdateResourceServer> for ResourceServerPatch {
    fn from(body: UpdateResourceServer) -> Self {
        ResourceServerPatch {
            name: body.name,
            fields: body.fields,
        }
    }
}

impl ResourceServerPatch {
    pub fn apply(self, rs: &mut ResourceServer) {
        if let Some(name) = self.name {
            rs.name = name;
        }
        rs.settings = rs.settings.clone().patched(self.fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orgwarden_proto::Request;
    use serde_json::json;

    #[test]
    fn create_fills_auth0_defaults_and_keeps_the_settings_order() {
        let body = CreateResourceServer::parse(&json!({
            "identifier": "https://api.example.com/",
            "subject_type_authorization": {"user": {"policy": "allow_all"}},
            "consent_policy": null
        }))
        .unwrap();
        let rs = ResourceServer::from(body);
        assert_eq!(rs.name, "https://api.example.com/");
        assert_eq!(rs.settings.signing_alg, "RS256");
        assert_eq!(rs.settings.token_lifetime, 86_400);
        let keys: Vec<&String> = rs.settings.extra.keys().collect();
        assert_eq!(keys, ["consent_policy", "subject_type_authorization"]);
        let back = Settings::from_document(rs.settings.to_document()).unwrap();
        assert_eq!(back, rs.settings);
        assert!(ResourceServerId::parse(rs.id.as_str()).is_some());
    }

    #[test]
    fn a_token_encryption_key_is_kept_but_shown_without_its_pem() {
        let body = CreateResourceServer::parse(&json!({
            "identifier": "https://api.example.com/",
            "token_encryption": {"format": "compact-nested-jwe", "encryption_key":
                {"name": "k", "alg": "RSA-OAEP-256", "kid": "k1", "pem": "-----BEGIN PUBLIC KEY-----"}}
        }))
        .unwrap();
        let rs = ResourceServer::from(body);
        assert_eq!(
            rs.settings.extra["token_encryption"]["encryption_key"]["pem"],
            "-----BEGIN PUBLIC KEY-----"
        );
        let shown = serde_json::to_value(rs.to_wire()).unwrap();
        assert_eq!(
            shown["token_encryption"],
            json!({"format": "compact-nested-jwe", "encryption_key": {"name": "k", "alg": "RSA-OAEP-256", "kid": "k1"}})
        );
    }

    #[test]
    fn the_management_api_has_a_stable_id() {
        let a = ResourceServer::management("https://t/api/v2/", &["read:clients"]);
        let b = ResourceServer::management("https://t/api/v2/", &[]);
        assert_eq!(a.id, b.id);
        assert!(a.is_system);
        assert_eq!(a.to_wire().is_system, Some(true));
        assert_eq!(a.scope_values().collect::<Vec<_>>(), ["read:clients"]);
    }

    #[test]
    fn a_patch_replaces_only_what_it_names() {
        let mut rs = ResourceServer::from(
            CreateResourceServer::parse(&json!({"identifier": "x", "token_lifetime": 60})).unwrap(),
        );
        ResourceServerPatch::from(
            UpdateResourceServer::parse(&json!({"name": "n", "signing_alg": "HS256"})).unwrap(),
        )
        .apply(&mut rs);
        assert_eq!(
            (
                rs.name.as_str(),
                rs.settings.signing_alg.as_str(),
                rs.settings.token_lifetime
            ),
            ("n", "HS256", 60)
        );
    }
}
