//! `private_key_jwt` (RFC 7523): a client proves who it is with a JWT signed by a key it
//! registered (`client_authentication_methods.private_key_jwt.credentials`). The assertion's
//! `iss` and `sub` are the client id, its `aud` this server (`https://DOMAIN/` or the token
//! endpoint), it expires within [`MAX_LIFETIME_SECS`], and its `jti` is used once.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use orgwarden_domain::client::Client;
use orgwarden_domain::login::artifact::key_of;
use orgwarden_domain::login::{Artifact, ArtifactKind};
use serde::Deserialize;
use time::Duration;

use super::person::internal;
use super::token_endpoint::{Endpoint, OAuthError};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// An assertion may not be valid for longer than this (from now).
pub const MAX_LIFETIME_SECS: i64 = 600;
/// Assertions longer than this are refused unread.
const MAX_ASSERTION_BYTES: usize = 8 * 1024;

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    jti: String,
}

#[derive(Deserialize)]
struct Issuer {
    iss: String,
}

/// The client id an assertion claims to be from (unverified: only to find the client).
pub fn claimed_client(assertion: &str) -> Option<String> {
    use base64::Engine;
    if assertion.len() > MAX_ASSERTION_BYTES {
        return None;
    }
    let payload = assertion.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice::<Issuer>(&bytes).ok().map(|i| i.iss)
}

fn algorithm(name: &str) -> Option<Algorithm> {
    match name {
        "RS256" => Some(Algorithm::RS256),
        "RS384" => Some(Algorithm::RS384),
        "PS256" => Some(Algorithm::PS256),
        _ => None,
    }
}

/// Whether `assertion` proves it comes from `client`; a replayed `jti` does not.
pub async fn verify(
    state: &Endpoint,
    client: &Client,
    assertion: &str,
) -> Result<bool, OAuthError> {
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Ok(false);
    }
    let Ok(header) = jsonwebtoken::decode_header(assertion) else {
        return Ok(false);
    };
    let id = &state.tenant.identity;
    let audiences = [id.issuer.clone(), format!("{}oauth/token", id.issuer)];
    let client_id = client.client_id.as_str();
    let mut claims = None;
    for cred in client.jwt_credentials() {
        let Some(alg) = algorithm(&cred.alg).filter(|a| *a == header.alg) else {
            continue;
        };
        if header
            .kid
            .as_deref()
            .is_some_and(|k| k != cred.kid && k != cred.id)
        {
            continue;
        }
        let Ok(key) = DecodingKey::from_rsa_pem(cred.pem.as_bytes()) else {
            continue;
        };
        let mut v = Validation::new(alg);
        v.leeway = 30;
        v.set_audience(&audiences);
        v.set_issuer(&[client_id]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        if let Ok(data) = jsonwebtoken::decode::<Claims>(assertion, &key, &v) {
            claims = Some(data.claims);
            break;
        }
    }
    let Some(claims) = claims else {
        return Ok(false);
    };
    let now = state.tenant.clock.now();
    if claims.sub != client_id
        || claims.exp > now.unix_timestamp() + MAX_LIFETIME_SECS
        || claims.jti.is_empty()
    {
        return Ok(false);
    }
    // The jti, once: a second use of the same assertion is refused.
    let key = key_of(&format!("{client_id}:{}", claims.jti));
    let store = &state.tenant.store;
    let seen = store
        .get_artifact(ArtifactKind::Assertion, &key, now)
        .await
        .map_err(|e| internal("reading a client assertion", e))?;
    if seen.is_some() {
        return Ok(false);
    }
    let expires = time::OffsetDateTime::from_unix_timestamp(claims.exp).unwrap_or(now)
        + Duration::seconds(60);
    let marker = Artifact::new(
        ArtifactKind::Assertion,
        key,
        &serde_json::json!({}),
        expires,
    )
    .map_err(|e| internal("recording a client assertion", e))?;
    // Two uses at once: the second insert fails on the key, and is a replay.
    Ok(store.put_artifact(marker, now).await.is_ok())
}
