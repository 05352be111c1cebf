//! What the login flow keeps between requests, in storage so that several instances share
//! it: authorization codes (one use, a minute) and login sessions (the cookie's). Each is
//! found by the SHA-256 of its secret, never the secret itself, and holds a JSON payload the
//! flow defines here.

use aws_lc_rs::digest;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::ids::random_alphanumeric;
use crate::Result;

/// How long an authorization code can be redeemed.
pub const CODE_LIFETIME_SECS: i64 = 60;
/// How long a login session lasts without a new sign-in (Auth0's default absolute lifetime is
/// 7 days for a persistent session; its idle timeout 3 days).
pub const SESSION_LIFETIME_SECS: i64 = 3 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    Code,
    Session,
    RefreshToken,
    /// A refresh-token family that was revoked (keyed by the family).
    RevokedFamily,
    /// A client assertion's `jti` already used (keyed by the hash of client id and jti).
    Assertion,
    /// A password-change ticket (`/tickets/password-change`, `/dbconnections/change_password`).
    PasswordTicket,
    /// A sign-in sent to an upstream identity provider, waiting for its answer (keyed by the
    /// SHA-256 of the `state` sent upstream; used once).
    Upstream,
}

impl ArtifactKind {
    pub const ALL: [ArtifactKind; 7] = [
        ArtifactKind::Code,
        ArtifactKind::Session,
        ArtifactKind::RefreshToken,
        ArtifactKind::RevokedFamily,
        ArtifactKind::Assertion,
        ArtifactKind::PasswordTicket,
        ArtifactKind::Upstream,
    ];

    /// The kind stored as `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Code => "code",
            ArtifactKind::Session => "session",
            ArtifactKind::RefreshToken => "refresh",
            ArtifactKind::RevokedFamily => "revoked_family",
            ArtifactKind::Assertion => "assertion",
            ArtifactKind::PasswordTicket => "password_ticket",
            ArtifactKind::Upstream => "upstream",
        }
    }
}

/// One stored artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub kind: ArtifactKind,
    /// The SHA-256 (hex) of the secret that names it.
    pub key: String,
    pub payload: Value,
    pub expires_at: OffsetDateTime,
    /// When it was used, for one-use artifacts.
    pub consumed_at: Option<OffsetDateTime>,
}

/// A new secret (to hand out) and the key it is stored under.
pub fn new_secret() -> (String, String) {
    let secret = random_alphanumeric(43);
    let key = key_of(&secret);
    (secret, key)
}

/// The storage key of a secret.
pub fn key_of(secret: &str) -> String {
    let d = digest::digest(&digest::SHA256, secret.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl Artifact {
    pub fn new<T: Serialize>(
        kind: ArtifactKind,
        key: String,
        payload: &T,
        expires_at: OffsetDateTime,
    ) -> Result<Self> {
        Ok(Artifact {
            kind,
            key,
            payload: serde_json::to_value(payload).map_err(|e| crate::Error::Internal(e.into()))?,
            expires_at,
            consumed_at: None,
        })
    }

    pub fn payload<T: for<'de> Deserialize<'de>>(&self) -> Result<T> {
        serde_json::from_value(self.payload.clone()).map_err(|e| crate::Error::Internal(e.into()))
    }
}

/// Who signed in to which client (and organization), asking for what: what every token of a
/// person's is made from, whether it comes from a code, a refresh token or a password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonGrant {
    pub client_id: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// When the person authenticated (seconds since the epoch).
    pub auth_time: i64,
    /// The login session, if the grant came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// What an authorization code stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeGrant {
    #[serde(flatten)]
    pub grant: PersonGrant,
    pub redirect_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
}

/// What a refresh token stands for. Every refresh token that descends from one login shares
/// its `family`; reusing a rotated one revokes the family (see [`ArtifactKind::RevokedFamily`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshGrant {
    #[serde(flatten)]
    pub grant: PersonGrant,
    pub family: String,
    /// Each use gives a new token and uses this one up (`rotation_type: rotating`).
    pub rotating: bool,
}

/// A login session: who signed in, when, through which connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginSession {
    /// A public id for the session (the ID token's `sid`), not the cookie's secret.
    pub sid: String,
    pub user_id: String,
    pub connection: String,
    pub auth_time: i64,
}

/// How long a person has to come back from an upstream identity provider.
pub const UPSTREAM_LIFETIME_SECS: i64 = 600;

/// A sign-in sent to an upstream provider: what the callback needs to check its answer and
/// to go on with the application's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpstreamRequest {
    /// The connection's name.
    pub connection: String,
    /// The application's `/authorize` parameters, resolved again at the callback.
    pub params: crate::login::AuthorizeParams,
    /// The `nonce` sent upstream, which the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier of the challenge sent upstream.
    pub code_verifier: String,
    /// The SHA-256 of the browser's binding cookie: only the browser that left may come back.
    pub browser: String,
}

/// What a password-change ticket lets its holder do: set `user_id`'s password, once, then go
/// to `result_url` (if any).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordTicket {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default)]
    pub mark_email_as_verified: bool,
    #[serde(default)]
    pub include_email_in_redirect: bool,
}
