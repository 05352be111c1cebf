//! The signing key ring: RS256 keys kept in storage, the current one signs, every one that is
//! still listed verifies (chosen by `kid`), and the public halves are published as a JWKS.

use std::collections::HashMap;

use anyhow::Context;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use orgwarden_domain::ids::random_alphanumeric;
use orgwarden_domain::keys::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::error::TokenError;

/// The claims of a Management API access token, as Auth0 issues them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default)]
    pub scope: String,
    pub gty: String,
    pub azp: String,
}

/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Clock skew tolerated on `exp`/`nbf`, in seconds.
const LEEWAY_SECS: u64 = 5;

pub struct KeyRing {
    /// `kid` + whether current, sorted: what the ring was built from.
    kids: Vec<String>,
    /// Each key's self-signed certificate (PEM), as Auth0 shows them.
    certs: Vec<KeyInfo>,
    signer_kid: String,
    signer: EncodingKey,
    verifiers: HashMap<String, DecodingKey>,
    jwks: Value,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("signer_kid", &self.signer_kid)
            .finish_non_exhaustive()
    }
}

/// A signing key as Auth0's `/keys/signing` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub kid: String,
    /// A self-signed certificate for the key (PEM). It is derived from the key alone (dates,
    /// serial and subject included), so every instance shows the same one.
    pub cert: String,
    pub current: bool,
    pub current_since: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

fn key_info(k: &SigningKey) -> anyhow::Result<KeyInfo> {
    use rcgen::{CertificateParams, DnType, KeyPair as CertKey, SerialNumber, PKCS_RSA_SHA256};
    let der = rustls::pki_types::PrivatePkcs8KeyDer::from(k.private_pkcs8.clone());
    let key = CertKey::from_pkcs8_der_and_sign_algo(&der, &PKCS_RSA_SHA256)
        .context("signing key for its certificate")?;
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.distinguished_name.push(
        DnType::CommonName,
        format!("orgwarden signing key {}", k.kid),
    );
    p.serial_number = Some(SerialNumber::from_slice(k.kid.as_bytes()));
    let start = k.created_at.replace_nanosecond(0).unwrap_or(k.created_at);
    p.not_before = start;
    p.not_after = start + time::Duration::days(3650);
    let cert = p
        .self_signed(&key)
        .context("certificate for a signing key")?;
    Ok(KeyInfo {
        kid: k.kid.clone(),
        cert: cert.pem(),
        current: k.current,
        current_since: k.created_at,
        revoked_at: k.revoked_at,
    })
}

/// A new RSA-2048 key, current.
pub fn generate_key(now: OffsetDateTime) -> anyhow::Result<SigningKey> {
    let pair = KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
    let der = pair
        .as_der()
        .map_err(|_| anyhow::anyhow!("RSA key export failed"))?;
    Ok(SigningKey {
        kid: random_alphanumeric(21),
        private_pkcs8: der.as_ref().to_vec(),
        created_at: now,
        current: true,
        revoked_at: None,
    })
}

fn pkcs8_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}

impl KeyRing {
    /// Builds the ring from stored keys; the first current key signs.
    pub fn new(keys: &[SigningKey]) -> anyhow::Result<Self> {
        let current = keys
            .iter()
            .find(|k| k.current)
            .context("no current signing key")?;
        let mut verifiers = HashMap::new();
        let mut jwks = Vec::new();
        for k in keys {
            let pair = KeyPair::from_pkcs8(&k.private_pkcs8)
                .map_err(|e| anyhow::anyhow!("stored signing key {} is unreadable: {e}", k.kid))?;
            let public = pair.public_key();
            let n = public.modulus().big_endian_without_leading_zero().to_vec();
            let e = public.exponent().big_endian_without_leading_zero().to_vec();
            verifiers.insert(k.kid.clone(), DecodingKey::from_rsa_raw_components(&n, &e));
            jwks.push(json!({
                "kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.kid,
                "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode(&e),
            }));
        }
        let signer = EncodingKey::from_rsa_pem(pkcs8_pem(&current.private_pkcs8).as_bytes())
            .context("current signing key is unusable")?;
        let mut kids: Vec<String> = keys
            .iter()
            .map(|k| format!("{}{}", k.kid, k.current))
            .collect();
        kids.sort();
        let certs = keys
            .iter()
            .map(key_info)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(KeyRing {
            kids,
            certs,
            signer_kid: current.kid.clone(),
            signer,
            verifiers,
            jwks: json!({ "keys": jwks }),
        })
    }

    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// What the ring was built from (see [`crate::auth::rotation::refresh`]).
    pub fn kids(&self) -> Vec<String> {
        self.kids.clone()
    }

    /// The keys, as `GET /api/v2/keys/signing` shows them.
    pub fn key_infos(&self) -> &[KeyInfo] {
        &self.certs
    }

    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = Some(self.signer_kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signer).context("signing a token")
    }

    /// RS256 only, key by `kid`, then signature, `exp`, `nbf`, `iss` and `aud`.
    pub fn verify(&self, token: &str, issuer: &str, audience: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Invalid);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Invalid);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifiers.get(kid))
            .ok_or(TokenError::Invalid)?;
        let mut v = Validation::new(Algorithm::RS256);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        v.set_audience(&[audience]);
        v.set_issuer(&[issuer]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        match jsonwebtoken::decode::<Claims>(token, key, &v) {
            Ok(data) => Ok(data.claims),
            Err(e) => Err(match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::BadSignature,
                _ => TokenError::Invalid,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now: i64) -> Claims {
        Claims {
            iss: "https://localhost:8443/".into(),
            sub: "abc@clients".into(),
            aud: "https://localhost:8443/api/v2/".into(),
            iat: now,
            exp: now + 60,
            scope: "read:organizations".into(),
            gty: "client-credentials".into(),
            azp: "abc".into(),
        }
    }

    #[test]
    fn signs_and_verifies_and_publishes_the_public_key() {
        let key = generate_key(OffsetDateTime::now_utc()).unwrap();
        let ring = KeyRing::new(std::slice::from_ref(&key)).unwrap();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let token = ring.sign(&claims(now)).unwrap();
        let got = ring
            .verify(
                &token,
                "https://localhost:8443/",
                "https://localhost:8443/api/v2/",
            )
            .unwrap();
        assert_eq!(got, claims(now));
        assert_eq!(ring.jwks()["keys"][0]["kid"], key.kid);
        assert_eq!(ring.jwks()["keys"][0]["e"], "AQAB");
        assert_eq!(
            ring.verify(&token, "https://localhost:8443/", "https://other/api/v2/"),
            Err(TokenError::Invalid)
        );
    }
}
