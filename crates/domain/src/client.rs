//! Machine clients (OAuth2 client credentials) and their grants on an API (audience).
//! Secrets are stored only as salted SHA-256 hashes: they are 64 random characters (about 380
//! bits), so a slow password hash would add cost without adding safety.

use orgwarden_proto::clients::{self as wire, CreateClient, UpdateClient};
use orgwarden_proto::grants::{self as grant_wire, CreateClientGrant, UpdateClientGrant};
use serde_json::{json, Map, Value};

use crate::ids::{random_alphanumeric, ClientId, GrantId, OrgId};
use crate::{Error, Result};

pub use orgwarden_proto::clients::{MAX_GRANT_TYPES, MIN_SECRET_CHARS};
pub use orgwarden_proto::grants::MAX_GRANT_SCOPES;
pub use orgwarden_proto::tokens::CLIENT_CREDENTIALS;

#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub client_id: ClientId,
    pub name: String,
    /// `sha256$<salt hex>$<digest hex>`.
    pub secret_hash: String,
    /// Every other property Auth0 shows for a client (grant_types, app_type, …).
    pub attributes: Map<String, Value>,
}

/// `scheme://authority` of an absolute URL.
pub fn url_origin(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (!scheme.is_empty() && end > 0).then(|| &url[..scheme.len() + 3 + end])
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

    pub fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types().contains(&grant_type)
    }

    fn strings(&self, key: &str) -> Vec<&str> {
        self.attributes
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).and_then(Value::as_str)
    }

    /// The URLs a login may return to (`callbacks`), compared exactly.
    pub fn callbacks(&self) -> Vec<&str> {
        self.strings("callbacks")
    }

    /// The URLs a logout may return to (`allowed_logout_urls`), compared exactly.
    pub fn allowed_logout_urls(&self) -> Vec<&str> {
        self.strings("allowed_logout_urls")
    }

    /// Whether a browser page at `origin` (`scheme://host[:port]`) may read this client's
    /// answers from the token, revocation and user-info endpoints (CORS): one of its
    /// `allowed_origins` or `web_origins`, or the origin of one of its `callbacks` (Auth0's
    /// default). Compared exactly, without a trailing slash; no wildcards.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        if origin.is_empty() || origin == "null" {
            return false;
        }
        self.strings("allowed_origins")
            .into_iter()
            .chain(self.strings("web_origins"))
            .any(|o| o.trim_end_matches('/') == origin)
            || self
                .callbacks()
                .into_iter()
                .any(|c| url_origin(c) == Some(origin))
    }

    /// Whether `response_mode=web_message` may post its answer to `origin`: one of the
    /// client's `web_origins` (as Auth0 requires for silent authentication in an iframe).
    pub fn allows_web_message_to(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        !origin.is_empty()
            && self
                .strings("web_origins")
                .into_iter()
                .any(|o| o.trim_end_matches('/') == origin)
    }

    /// A public client (a SPA or native app) has no secret to authenticate with at the token
    /// endpoint: `token_endpoint_auth_method: none`.
    pub fn is_public(&self) -> bool {
        self.text("token_endpoint_auth_method") == Some("none")
    }

    /// `refresh_token.rotation_type: rotating`: each use of a refresh token gives a new one.
    pub fn rotates_refresh_tokens(&self) -> bool {
        self.refresh_setting("rotation_type")
            .and_then(Value::as_str)
            == Some("rotating")
    }

    /// How long a refresh token lives, in seconds: `token_lifetime` when
    /// `expiration_type: expiring`, else [`NON_EXPIRING_REFRESH_SECS`].
    pub fn refresh_token_lifetime(&self) -> i64 {
        let expiring = self
            .refresh_setting("expiration_type")
            .and_then(Value::as_str)
            == Some("expiring");
        let infinite = self
            .refresh_setting("infinite_token_lifetime")
            .and_then(Value::as_bool)
            == Some(true);
        match self
            .refresh_setting("token_lifetime")
            .and_then(Value::as_i64)
        {
            Some(secs) if expiring && !infinite && secs > 0 => secs.min(NON_EXPIRING_REFRESH_SECS),
            _ => NON_EXPIRING_REFRESH_SECS,
        }
    }

    fn refresh_setting(&self, key: &str) -> Option<&Value> {
        self.attributes.get("refresh_token")?.get(key)
    }

    /// `organization_usage`: `deny` (the default), `allow` or `require`.
    pub fn organization_usage(&self) -> OrganizationUsage {
        match self.text("organization_usage") {
            Some("allow") => OrganizationUsage::Allow,
            Some("require") => OrganizationUsage::Require,
            _ => OrganizationUsage::Deny,
        }
    }

    /// `organization_require_behavior`: how to ask for the organization when one is required
    /// and the request names none (`no_prompt`, the default, refuses it).
    pub fn organization_prompt(&self) -> Option<OrganizationPrompt> {
        match self.text("organization_require_behavior") {
            Some("pre_login_prompt") => Some(OrganizationPrompt::BeforeLogin),
            Some("post_login_prompt") => Some(OrganizationPrompt::AfterLogin),
            _ => None,
        }
    }

    pub fn verify_secret(&self, secret: &str) -> bool {
        secret::verify(&self.secret_hash, secret)
    }

    /// The client as the API shows it; `secret` only when it was just made. Credentials'
    /// public keys are kept, not shown (as Auth0).
    pub fn to_wire(&self, secret: Option<&str>) -> wire::Client {
        let mut attributes = self.attributes.clone();
        if let Some(m) = attributes.get_mut(AUTH_METHODS) {
            *m = crate::client_credentials::shown(m);
        }
        wire::Client {
            client_id: self.client_id.as_str().to_owned(),
            name: self.name.clone(),
            client_secret: secret.map(str::to_owned),
            attributes,
        }
    }

    /// The public keys it signs client assertions with (`private_key_jwt`).
    pub fn jwt_credentials(&self) -> Vec<crate::client_credentials::Credential> {
        crate::client_credentials::stored(self.attributes.get(AUTH_METHODS))
    }

    /// Gives new `private_key_jwt` credentials their id, kid and times (see
    /// [`crate::client_credentials::normalize`]); `current` is the stored client on a change.
    pub fn normalize_credentials(
        attributes: &mut Map<String, Value>,
        current: Option<&Client>,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        let Some(asked) = attributes.get(AUTH_METHODS) else {
            return Ok(());
        };
        let stored = current.and_then(|c| c.attributes.get(AUTH_METHODS));
        let normalized = crate::client_credentials::normalize(asked, stored, now)?;
        attributes.insert(AUTH_METHODS.into(), normalized);
        Ok(())
    }
}

/// Where a client's `private_key_jwt` keys are kept.
const AUTH_METHODS: &str = "client_authentication_methods";

/// A "non-expiring" refresh token is kept this long (five years): storage needs an end.
pub const NON_EXPIRING_REFRESH_SECS: i64 = 5 * 365 * 24 * 3600;

/// Whether people sign in to this client through organizations.
/// `organization_require_behavior`'s prompts: the organization's name before the login page,
/// or a choice among the person's organizations after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationPrompt {
    BeforeLogin,
    AfterLogin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationUsage {
    Deny,
    Allow,
    Require,
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

/// What a create request asks for (the secret is made by [`NewClient::into_client`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewClient {
    pub name: String,
    pub attributes: Map<String, Value>,
}

/// A `POST /clients` body; the properties other than `name` are kept in the order given.
impl From<CreateClient> for NewClient {
    fn from(body: CreateClient) -> Self {
        Self {
            name: body.name,
            attributes: body.attributes,
        }
    }
}

impl NewClient {
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

/// A `PATCH /clients/{id}` body.
impl From<UpdateClient> for ClientPatch {
    fn from(body: UpdateClient) -> Self {
        Self {
            name: body.name,
            attributes: body.attributes,
            client_secret: body.client_secret,
        }
    }
}

impl ClientPatch {
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

impl ClientGrant {
    /// The grant as the API shows it.
    pub fn to_wire(&self) -> grant_wire::ClientGrant {
        grant_wire::ClientGrant {
            id: self.id.as_str().to_owned(),
            client_id: self.client_id.as_str().to_owned(),
            audience: self.audience.clone(),
            scope: self.scope.clone(),
            attributes: self.attributes.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewClientGrant {
    pub client_id: ClientId,
    pub audience: String,
    pub scope: Vec<String>,
    pub attributes: Map<String, Value>,
}

/// A `POST /client-grants` body; a `client_id` that cannot be a client's is an unknown
/// client, as in Auth0.
impl TryFrom<CreateClientGrant> for NewClientGrant {
    type Error = Error;

    fn try_from(body: CreateClientGrant) -> Result<Self> {
        let client_id =
            ClientId::parse(&body.client_id).ok_or(Error::NotFound(crate::NotFound::Client))?;
        Ok(Self {
            client_id,
            audience: body.audience,
            scope: body.scope.unwrap_or_default(),
            attributes: body.attributes,
        })
    }
}

impl NewClientGrant {
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

/// A `PATCH /client-grants/{id}` body.
impl From<UpdateClientGrant> for ClientGrantPatch {
    fn from(body: UpdateClientGrant) -> Self {
        Self {
            scope: body.scope,
            attributes: body.attributes,
        }
    }
}

impl ClientGrantPatch {
    pub fn apply(self, g: &mut ClientGrant) {
        if let Some(s) = self.scope {
            g.scope = s;
        }
        for (k, v) in self.attributes {
            g.attributes.insert(k, v);
        }
    }
}

/// Filters of `GET /client-grants` and `GET /organizations/{id}/client-grants`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GrantFilter {
    pub client_id: Option<String>,
    pub audience: Option<String>,
    /// Only the grants associated with this organization.
    pub organization: Option<OrgId>,
    /// Only these grants (`grant_ids`).
    pub ids: Option<Vec<GrantId>>,
}

impl ClientGrant {
    /// Auth0 associates a grant with organizations only if its tokens may be for one
    /// (`organization_usage` is `allow` or `require`).
    pub fn usable_by_organizations(&self) -> bool {
        matches!(
            self.attributes
                .get("organization_usage")
                .and_then(Value::as_str),
            Some("allow" | "require")
        )
    }

    /// The answer to `POST /organizations/{id}/client-grants`.
    pub fn to_organization_wire(&self) -> grant_wire::OrganizationClientGrant {
        grant_wire::OrganizationClientGrant {
            grant_id: self.id.as_str().to_owned(),
            client_id: self.client_id.as_str().to_owned(),
            audience: self.audience.clone(),
            scope: self.scope.clone(),
        }
    }
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
    fn browsers_may_read_answers_from_listed_origins_and_callbacks_origins() {
        let (mut client, _) = NewClient::machine("spa").into_client();
        for (k, v) in [
            (
                "callbacks",
                serde_json::json!(["https://app.test:3000/cb?x=1"]),
            ),
            ("allowed_origins", serde_json::json!(["https://cors.test/"])),
            ("web_origins", serde_json::json!(["http://localhost:8080"])),
        ] {
            client.attributes.insert(k.into(), v);
        }
        for ok in [
            "https://app.test:3000",
            "https://cors.test",
            "http://localhost:8080",
        ] {
            assert!(client.allows_origin(ok), "{ok}");
        }
        for no in [
            "https://app.test",
            "https://evil.test",
            "null",
            "",
            "https://cors.test.evil",
        ] {
            assert!(!client.allows_origin(no), "{no}");
        }
        assert!(client.allows_web_message_to("http://localhost:8080"));
        assert!(
            !client.allows_web_message_to("https://app.test:3000"),
            "web_origins only"
        );
        assert_eq!(url_origin("https://a.test:1/x?y"), Some("https://a.test:1"));
        assert_eq!(url_origin("/relative"), None);
    }

    #[test]
    fn grant_bodies_name_an_unknown_client_not_found() {
        let body = CreateClientGrant {
            client_id: "not a client id".into(),
            audience: "https://a/".into(),
            ..Default::default()
        };
        assert!(matches!(
            NewClientGrant::try_from(body),
            Err(Error::NotFound(crate::NotFound::Client))
        ));
    }
}
