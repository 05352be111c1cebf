//! Machine clients (OAuth2 client credentials) and their grants on an API (audience).
//! Secrets are stored only as salted SHA-256 hashes: they are 64 random characters (about 380
//! bits), so a slow password hash would add cost without adding safety.

use serde_json::{json, Map, Value};

use crate::ids::{random_alphanumeric, ClientId, GrantId};
use crate::validate::{self, array, string, ObjectSchema, Origin, Schema};
use crate::{Error, Result};

pub const CLIENT_CREDENTIALS: &str = "client_credentials";

/// The shortest client secret a caller may choose (generated ones have 64 characters). Auth0's
/// schema allows one character; a guessable secret on a client that may hold Management API
/// scopes is an open door, so orgwarden refuses it (see docs/behaviour.md).
pub const MIN_SECRET_CHARS: usize = 32;

/// Caps on arrays Auth0 leaves unbounded: more than any real client has (Auth0 knows about a
/// dozen grant types; its Management API about 200 scopes).
pub const MAX_GRANT_TYPES: usize = 50;
pub const MAX_GRANT_SCOPES: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub client_id: ClientId,
    pub name: String,
    /// `sha256$<salt hex>$<digest hex>`.
    pub secret_hash: String,
    /// Every other property Auth0 shows for a client (grant_types, app_type, …).
    pub attributes: Map<String, Value>,
}

impl Client {
    pub fn grant_types(&self) -> Vec<&str> {
        self.attributes
            .get("grant_types")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    pub fn allows_client_credentials(&self) -> bool {
        self.grant_types().contains(&CLIENT_CREDENTIALS)
    }

    pub fn verify_secret(&self, secret: &str) -> bool {
        secret::verify(&self.secret_hash, secret)
    }
}

pub mod secret {
    use aws_lc_rs::{constant_time, digest, rand::SecureRandom};

    /// A new client secret: 64 alphanumerics.
    pub fn generate() -> String {
        super::random_alphanumeric(64)
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn digest_hex(salt: &str, secret: &str) -> String {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(salt.as_bytes());
        ctx.update(secret.as_bytes());
        hex(ctx.finish().as_ref())
    }

    pub fn hash(secret: &str) -> String {
        let mut salt = [0u8; 16];
        aws_lc_rs::rand::SystemRandom::new()
            .fill(&mut salt)
            .expect("the system random source failed");
        let salt = hex(&salt);
        let d = digest_hex(&salt, secret);
        format!("sha256${salt}${d}")
    }

    pub fn verify(stored: &str, secret: &str) -> bool {
        let mut parts = stored.splitn(3, '$');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("sha256"), Some(salt), Some(expected)) => {
                let got = digest_hex(salt, secret);
                constant_time::verify_slices_are_equal(got.as_bytes(), expected.as_bytes()).is_ok()
            }
            _ => false,
        }
    }
}

/// Properties of Auth0's client object that we accept and show back.
const PASSTHROUGH: &[&str] = &[
    "description",
    "logo_uri",
    "callbacks",
    "allowed_origins",
    "web_origins",
    "client_aliases",
    "allowed_clients",
    "allowed_logout_urls",
    "oidc_logout",
    "is_first_party",
    "oidc_conformant",
    "jwt_configuration",
    "encryption_key",
    "sso",
    "cross_origin_authentication",
    "cross_origin_loc",
    "sso_disabled",
    "custom_login_page_on",
    "custom_login_page",
    "custom_login_page_preview",
    "form_template",
    "addons",
    "client_metadata",
    "mobile",
    "initiate_login_uri",
    "native_social_login",
    "refresh_token",
    "default_organization",
    "organization_usage",
    "organization_require_behavior",
    "client_authentication_methods",
    "require_pushed_authorization_requests",
    "require_proof_of_possession",
    "signed_request_object",
    "compliance_level",
    "token_quota",
    "is_token_endpoint_ip_header_trusted",
];

const APP_TYPES: &[&str] = &[
    "native",
    "spa",
    "regular_web",
    "non_interactive",
    "resource_server",
    "express_configuration",
    "rms",
    "box",
    "cloudbees",
    "concur",
    "dropbox",
    "mscrm",
    "echosign",
    "egnyte",
    "newrelic",
    "office365",
    "salesforce",
    "sentry",
    "sharepoint",
    "slack",
    "springcm",
    "zendesk",
    "zoom",
    "sso_integration",
    "oag",
];

const AUTH_METHODS: &[&str] = &["none", "client_secret_post", "client_secret_basic"];

fn client_schema(create: bool) -> Schema {
    let mut o = ObjectSchema::new()
        .prop(
            "name",
            "Name of this client (min length: 1 character, does not allow `<` or `>`).",
            string(1, 255),
        )
        .prop("app_type", "", Schema::Enum(APP_TYPES))
        .prop(
            "grant_types",
            "List of grant types supported for this application.",
            array(string(1, 255), Some(MAX_GRANT_TYPES), true),
        )
        .prop("token_endpoint_auth_method", "", Schema::Enum(AUTH_METHODS));
    for p in PASSTHROUGH {
        o = o.prop(p, "", Schema::Any);
    }
    if create {
        o.required(&["name"]).build()
    } else {
        o.prop(
            "client_secret",
            "The secret used to sign tokens for the client",
            string(MIN_SECRET_CHARS, 255),
        )
        .build()
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.contains('<') || name.contains('>') {
        return Err(Error::Invalid(validate::invalid(
            Origin::Payload,
            &format!("String does not match pattern ^[^<>]+$: {name}"),
            "name",
            "Name of this client (min length: 1 character, does not allow `<` or `>`).",
        )));
    }
    Ok(())
}

/// What a create request asks for (the secret is made by [`NewClient::into_client`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewClient {
    pub name: String,
    pub attributes: Map<String, Value>,
}

impl NewClient {
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &client_schema(true), Origin::Payload).map_err(Error::Invalid)?;
        let mut attributes = body.as_object().cloned().unwrap_or_default();
        let name = attributes
            .remove("name")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        check_name(&name)?;
        Ok(Self { name, attributes })
    }

    /// A machine-to-machine client with the client-credentials grant.
    pub fn machine(name: &str) -> Self {
        let mut attributes = Map::new();
        attributes.insert("app_type".into(), json!("non_interactive"));
        attributes.insert("grant_types".into(), json!([CLIENT_CREDENTIALS]));
        Self {
            name: name.to_owned(),
            attributes,
        }
    }

    /// Fills Auth0's defaults and makes a secret; returns the client and the secret in clear,
    /// which is shown once.
    pub fn into_client(self) -> (Client, String) {
        let mut attributes = self.attributes;
        let default_grants = match attributes.get("app_type").and_then(Value::as_str) {
            Some("non_interactive") => json!([CLIENT_CREDENTIALS]),
            _ => json!([
                "authorization_code",
                "implicit",
                "refresh_token",
                CLIENT_CREDENTIALS
            ]),
        };
        let defaults = json!({
            "is_first_party": true,
            "is_token_endpoint_ip_header_trusted": false,
            "oidc_conformant": false,
            "sso_disabled": false,
            "cross_origin_authentication": false,
            "custom_login_page_on": true,
            "grant_types": default_grants,
            "refresh_token": {
                "rotation_type": "non-rotating", "expiration_type": "non-expiring", "leeway": 0,
                "token_lifetime": 2592000, "infinite_token_lifetime": true,
                "infinite_idle_token_lifetime": true, "idle_token_lifetime": 1296000
            },
        });
        if let Value::Object(d) = defaults {
            for (k, v) in d {
                attributes.entry(k).or_insert(v);
            }
        }
        // A client that authenticates with private_key_jwt has no token endpoint method.
        if !attributes.contains_key("client_authentication_methods") {
            attributes
                .entry("token_endpoint_auth_method")
                .or_insert(json!("client_secret_post"));
        }
        let jwt = attributes.entry("jwt_configuration").or_insert(json!({}));
        if let Value::Object(j) = jwt {
            j.entry("secret_encoded").or_insert(json!(false));
            j.entry("alg").or_insert(json!("RS256"));
        }
        let secret = secret::generate();
        let client = Client {
            client_id: ClientId::generate(),
            name: self.name,
            secret_hash: secret::hash(&secret),
            attributes,
        };
        (client, secret)
    }
}

/// A partial update of a client: the given properties replace the stored ones.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub attributes: Map<String, Value>,
    /// A new secret chosen by the caller (Auth0 allows it); stored hashed.
    pub client_secret: Option<String>,
}

impl ClientPatch {
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &client_schema(false), Origin::Payload).map_err(Error::Invalid)?;
        let mut attributes = body.as_object().cloned().unwrap_or_default();
        let name = attributes
            .remove("name")
            .and_then(|v| v.as_str().map(str::to_owned));
        if let Some(n) = &name {
            check_name(n)?;
        }
        let client_secret = attributes
            .remove("client_secret")
            .and_then(|v| v.as_str().map(str::to_owned));
        Ok(Self {
            name,
            attributes,
            client_secret,
        })
    }

    /// Whether the patch sets how the client proves who it is (a secret, or keys for
    /// `private_key_jwt`): whoever does so can act as the client.
    pub fn changes_credentials(&self) -> bool {
        self.client_secret.is_some()
            || self
                .attributes
                .contains_key("client_authentication_methods")
    }

    pub fn apply(self, c: &mut Client) {
        if let Some(n) = self.name {
            c.name = n;
        }
        for (k, v) in self.attributes {
            c.attributes.insert(k, v);
        }
        if let Some(s) = self.client_secret {
            c.secret_hash = secret::hash(&s);
        }
    }
}

/// A client's permission to get tokens for an API (audience) with some scopes.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientGrant {
    pub id: GrantId,
    pub client_id: ClientId,
    pub audience: String,
    pub scope: Vec<String>,
    /// Other properties (organization_usage, subject_type, …), shown back as given.
    pub attributes: Map<String, Value>,
}

/// `is_system` is not here: Auth0 sets it on the grants it manages, and no request may.
const GRANT_PASSTHROUGH: &[&str] = &[
    "organization_usage",
    "allow_any_organization",
    "subject_type",
    "authorization_details_types",
];

fn grant_schema(create: bool) -> Schema {
    let mut o = ObjectSchema::new().prop(
        "scope",
        "Scopes allowed for this client grant.",
        array(string(1, 280), Some(MAX_GRANT_SCOPES), true),
    );
    for p in GRANT_PASSTHROUGH {
        o = o.prop(p, "", Schema::Any);
    }
    if create {
        o.prop("client_id", "ID of the client.", string(1, 64))
            .prop(
                "audience",
                "The audience (API identifier) of this client grant",
                string(1, 600),
            )
            .required(&["client_id", "audience"])
            .build()
    } else {
        o.min_props(1).build()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewClientGrant {
    pub client_id: ClientId,
    pub audience: String,
    pub scope: Vec<String>,
    pub attributes: Map<String, Value>,
}

fn scope_list(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

impl NewClientGrant {
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &grant_schema(true), Origin::Payload).map_err(Error::Invalid)?;
        let mut attributes = body.as_object().cloned().unwrap_or_default();
        let client_id = attributes
            .remove("client_id")
            .and_then(|v| v.as_str().and_then(ClientId::parse));
        let client_id = client_id.ok_or(Error::NotFound(crate::NotFound::Client))?;
        let audience = attributes
            .remove("audience")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let scope = scope_list(attributes.remove("scope").as_ref()).unwrap_or_default();
        Ok(Self {
            client_id,
            audience,
            scope,
            attributes,
        })
    }

    pub fn into_grant(self) -> ClientGrant {
        ClientGrant {
            id: GrantId::generate(),
            client_id: self.client_id,
            audience: self.audience,
            scope: self.scope,
            attributes: self.attributes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClientGrantPatch {
    pub scope: Option<Vec<String>>,
    pub attributes: Map<String, Value>,
}

impl ClientGrantPatch {
    pub fn from_json(body: &Value) -> Result<Self> {
        validate::check(body, &grant_schema(false), Origin::Payload).map_err(Error::Invalid)?;
        let mut attributes = body.as_object().cloned().unwrap_or_default();
        let scope = scope_list(attributes.remove("scope").as_ref());
        Ok(Self { scope, attributes })
    }

    pub fn apply(self, g: &mut ClientGrant) {
        if let Some(s) = self.scope {
            g.scope = s;
        }
        for (k, v) in self.attributes {
            g.attributes.insert(k, v);
        }
    }
}

/// Filters of `GET /client-grants`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GrantFilter {
    pub client_id: Option<String>,
    pub audience: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_verify_only_against_their_hash() {
        let (client, secret) = NewClient::machine("m2m").into_client();
        assert!(client.verify_secret(&secret));
        assert!(!client.verify_secret("wrong"));
        assert!(!client.secret_hash.contains(&secret));
        assert!(client.allows_client_credentials());
    }

    #[test]
    fn client_bodies_are_checked() {
        assert!(
            NewClient::from_json(&json!({"name": "ok", "app_type": "non_interactive"})).is_ok()
        );
        assert!(NewClient::from_json(&json!({"name": "<b>"})).is_err());
        assert!(NewClient::from_json(&json!({"name": "x", "bogus": 1})).is_err());
        assert!(NewClientGrant::from_json(
            &json!({"client_id": "abc", "audience": "https://a/", "scope": ["a", "a"]})
        )
        .is_err());
    }
}
