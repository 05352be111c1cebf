//! The signing key ring: RS256 keys kept in storage (sealed with the master key when one is
//! given), the current one signs, every one that still verifies (chosen by `kid`) is published
//! as a JWKS, and every stored key is listed as `/api/v2/keys/signing` shows it.

use std::collections::HashMap;

use anyhow::Context;
use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use orgwarden_domain::ids::random_alphanumeric;
use orgwarden_domain::keys::SigningKey;
use orgwarden_proto::signing_keys::{Jwk, Jwks};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::sealing::{self, MasterKey};
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
    /// A machine token asked for an organization (`client_credentials` with `organization`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
}

/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Clock skew tolerated on `exp`/`nbf`, in seconds.
const LEEWAY_SECS: u64 = 5;

/// The protected header of the tokens `kid` signs, base64url-encoded: the JSON
/// `jsonwebtoken::Header` writes for RS256 with `typ` and `kid` (its key order).
fn jws_header(kid: &str) -> anyhow::Result<String> {
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".into());
    header.kid = Some(kid.to_owned());
    Ok(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?))
}

pub struct KeyRing {
    /// What the ring was built from (see [`KeyRing::version_of`]).
    version: Vec<String>,
    /// Every stored key, as Auth0 lists them, in the store's order.
    infos: Vec<KeyInfo>,
    signer_kid: String,
    /// The current key, parsed once: parsing an RSA key (and checking it) costs more than
    /// signing with it, and `jsonwebtoken::encode` parses it again on every call.
    signer: RsaKeyPair,
    /// The signed tokens' header (`typ`, `alg`, `kid`), base64url-encoded once.
    signer_header: String,
    /// The current key (PKCS#8 DER) and its certificate (DER), which also sign SAML requests
    /// (`signSAMLRequest`), as Auth0 signs them with the tenant's key. Never printed.
    signer_pkcs8: Vec<u8>,
    signer_cert_der: Vec<u8>,
    verifiers: HashMap<String, DecodingKey>,
    jwks: Jwks,
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
    /// SHA-1 of the certificate (DER), as colon-separated hex pairs (Auth0's `fingerprint`).
    pub fingerprint: String,
    /// The same SHA-1 as plain hex (Auth0's `thumbprint`).
    pub thumbprint: String,
    pub current: bool,
    pub current_since: OffsetDateTime,
    /// When it stopped being current.
    pub rotated_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// The key as listed, and its certificate (DER).
fn key_info(k: &SigningKey, pkcs8: &[u8]) -> anyhow::Result<(KeyInfo, Vec<u8>)> {
    use rcgen::{CertificateParams, DnType, KeyPair as CertKey, SerialNumber, PKCS_RSA_SHA256};
    let der = rustls::pki_types::PrivatePkcs8KeyDer::from(pkcs8.to_vec());
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
    let sha1 = digest(&SHA1_FOR_LEGACY_USE_ONLY, cert.der());
    let hex: Vec<String> = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    Ok((
        KeyInfo {
            kid: k.kid.clone(),
            cert: cert.pem(),
            fingerprint: hex.join(":"),
            thumbprint: hex.concat(),
            current: k.current,
            current_since: k.created_at,
            rotated_at: k.rotated_at,
            revoked_at: k.revoked_at,
        },
        cert.der().to_vec(),
    ))
}

/// A new RSA-2048 key, current, sealed with `master` when there is one.
pub fn generate_key(now: OffsetDateTime, master: Option<&MasterKey>) -> anyhow::Result<SigningKey> {
    let pair = KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
    let der = pair
        .as_der()
        .map_err(|_| anyhow::anyhow!("RSA key export failed"))?;
    let kid = random_alphanumeric(21);
    let private_key = match master {
        Some(m) => sealing::seal(m, &kid, der.as_ref())?,
        None => der.as_ref().to_vec(),
    };
    Ok(SigningKey {
        kid,
        private_key,
        created_at: now,
        current: true,
        rotated_at: None,
        revoked_at: None,
    })
}

impl KeyRing {
    /// Builds the ring from the stored keys, opened with `master`: the current key signs; the
    /// keys that verify at `now` (see [`SigningKey::verifies_at`]) verify and are published.
    pub fn new(
        keys: &[SigningKey],
        master: Option<&MasterKey>,
        now: OffsetDateTime,
        token_lifetime: i64,
    ) -> anyhow::Result<Self> {
        let current = keys
            .iter()
            .find(|k| k.current)
            .context("no current signing key")?;
        let mut verifiers = HashMap::new();
        let mut jwks = Vec::new();
        let mut infos = Vec::with_capacity(keys.len());
        let mut signer = None;
        let mut signer_material = None;
        for k in keys {
            let pkcs8 = sealing::open(master, &k.kid, &k.private_key)?;
            let (info, cert_der) = key_info(k, &pkcs8)?;
            infos.push(info);
            if k.current {
                signer = Some(
                    RsaKeyPair::from_pkcs8(&pkcs8)
                        .map_err(|e| anyhow::anyhow!("current signing key is unusable: {e}"))?,
                );
                signer_material = Some((pkcs8.to_vec(), cert_der));
            }
            if !k.verifies_at(now, token_lifetime) {
                continue;
            }
            let pair = KeyPair::from_pkcs8(&pkcs8)
                .map_err(|e| anyhow::anyhow!("stored signing key {} is unreadable: {e}", k.kid))?;
            let public = pair.public_key();
            let n = public.modulus().big_endian_without_leading_zero().to_vec();
            let e = public.exponent().big_endian_without_leading_zero().to_vec();
            verifiers.insert(k.kid.clone(), DecodingKey::from_rsa_raw_components(&n, &e));
            jwks.push(Jwk::rs256(
                &k.kid,
                URL_SAFE_NO_PAD.encode(&n),
                URL_SAFE_NO_PAD.encode(&e),
            ));
        }
        let (signer_pkcs8, signer_cert_der) = signer_material.context("no current signing key")?;
        Ok(KeyRing {
            version: Self::version_of(keys, now, token_lifetime),
            infos,
            signer_kid: current.kid.clone(),
            signer: signer.context("no current signing key")?,
            signer_header: jws_header(&current.kid)?,
            signer_pkcs8,
            signer_cert_der,
            verifiers,
            jwks: Jwks { keys: jwks },
        })
    }

    /// What a ring built from `keys` at `now` would differ by: each key's kid, whether it is
    /// current, rotated out, revoked, and whether it verifies. Cheap: nothing is opened.
    pub fn version_of(
        keys: &[SigningKey],
        now: OffsetDateTime,
        token_lifetime: i64,
    ) -> Vec<String> {
        let mut version: Vec<String> = keys
            .iter()
            .map(|k| {
                format!(
                    "{} {} {} {} {}",
                    k.kid,
                    k.current,
                    k.rotated_at.is_some(),
                    k.revoked_at.is_some(),
                    k.verifies_at(now, token_lifetime)
                )
            })
            .collect();
        version.sort();
        version
    }

    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// What the ring was built from (see [`KeyRing::version_of`]).
    pub fn version(&self) -> &[String] {
        &self.version
    }

    /// Every stored key, as `GET /api/v2/keys/signing` shows them.
    pub fn key_infos(&self) -> &[KeyInfo] {
        &self.infos
    }

    /// The current key as PKCS#8 DER and its certificate as DER: what signs SAML requests
    /// (`signSAMLRequest`) and the certificate the SAML metadata publishes. A JWS signing input
    /// (`base64url.base64url`) can never equal what SAML signs (a query string with `=` and `&`,
    /// or canonical XML), so one key serves both.
    pub fn signer_material(&self) -> (&[u8], &[u8]) {
        (&self.signer_pkcs8, &self.signer_cert_der)
    }

    /// The key that signs new tokens.
    pub fn signer_kid(&self) -> &str {
        &self.signer_kid
    }

    /// Signs any claims (access tokens, ID tokens) with the current key: an RS256 JWS in
    /// compact form, byte for byte what `jsonwebtoken::encode` makes with the same header.
    pub fn sign<T: serde::Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        let claims = serde_json::to_vec(claims).context("serializing a token's claims")?;
        let b64_len = |n: usize| n.div_ceil(3) * 4;
        let modulus = self.signer.public_modulus_len();
        let mut token = String::with_capacity(
            self.signer_header.len() + b64_len(claims.len()) + b64_len(modulus) + 2,
        );
        token.push_str(&self.signer_header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims, &mut token);
        let mut signature = vec![0; modulus];
        self.signer
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("signing a token failed"))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }

    /// RS256 only, key by `kid`, then signature, `exp`, `nbf`, `iss` and `aud`.
    pub fn verify(&self, token: &str, issuer: &str, audience: &str) -> Result<Claims, TokenError> {
        self.verify_as(token, issuer, audience)
    }

    /// The key that signed `token`, by its `kid`: RS256 only, tokens over 8 KiB refused unread.
    fn key_of(&self, token: &str) -> Result<&DecodingKey, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Invalid);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Invalid);
        }
        header
            .kid
            .as_deref()
            .and_then(|kid| self.verifiers.get(kid))
            .ok_or(TokenError::Invalid)
    }

    /// Whether `token` is an RS256 token naming a key (`kid`) this ring does not hold: signed by
    /// a key made elsewhere since the ring was loaded, or by one no longer here (revoked, or
    /// never ours). Only asked once a token has been refused.
    pub fn names_unknown_key(&self, token: &str) -> bool {
        token.len() <= MAX_TOKEN_BYTES
            && jsonwebtoken::decode_header(token).is_ok_and(|h| {
                h.alg == Algorithm::RS256
                    && h.kid.is_some_and(|kid| !self.verifiers.contains_key(&kid))
            })
    }

    /// Signature and issuer only (no expiry, no audience): for hints such as a logout's
    /// `id_token_hint`, never for access.
    pub fn verify_signature_as<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
    ) -> Result<T, TokenError> {
        let key = self.key_of(token)?;
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_aud = false;
        v.set_issuer(&[issuer]);
        v.set_required_spec_claims(&["iss", "aud"]);
        jsonwebtoken::decode::<T>(token, key, &v)
            .map(|d| d.claims)
            .map_err(|_| TokenError::Invalid)
    }

    /// [`KeyRing::verify`] into claims of the caller's shape (`aud` may be a list).
    pub fn verify_as<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<T, TokenError> {
        let key = self.key_of(token)?;
        let mut v = Validation::new(Algorithm::RS256);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        v.set_audience(&[audience]);
        v.set_issuer(&[issuer]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        match jsonwebtoken::decode::<T>(token, key, &v) {
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
            org_id: None,
        }
    }

    #[test]
    fn signs_and_verifies_and_publishes_the_public_key() {
        let key = generate_key(OffsetDateTime::now_utc(), None).unwrap();
        let ring = KeyRing::new(
            std::slice::from_ref(&key),
            None,
            OffsetDateTime::now_utc(),
            60,
        )
        .unwrap();
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
        assert_eq!(ring.jwks().keys[0].kid, key.kid);
        assert_eq!(ring.jwks().keys[0].e, "AQAB");
        assert_eq!(
            ring.verify(&token, "https://localhost:8443/", "https://other/api/v2/"),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn a_token_names_an_unknown_key_only_if_it_is_rs256_with_a_kid_not_in_the_ring() {
        let now = OffsetDateTime::now_utc();
        let ours = KeyRing::new(&[generate_key(now, None).unwrap()], None, now, 60).unwrap();
        let theirs = KeyRing::new(&[generate_key(now, None).unwrap()], None, now, 60).unwrap();
        let t = now.unix_timestamp();
        assert!(!ours.names_unknown_key(&ours.sign(&claims(t)).unwrap()));
        assert!(ours.names_unknown_key(&theirs.sign(&claims(t)).unwrap()));
        // No kid, another algorithm, not a token, too long: nothing to look for.
        let hs256 = jsonwebtoken::encode(
            &jsonwebtoken::Header {
                kid: Some("someone".into()),
                ..jsonwebtoken::Header::new(Algorithm::HS256)
            },
            &claims(t),
            &jsonwebtoken::EncodingKey::from_secret(b"k").unwrap(),
        )
        .unwrap();
        assert!(!ours.names_unknown_key(&hs256));
        let no_kid = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &claims(t),
            &jsonwebtoken::EncodingKey::from_secret(b"k").unwrap(),
        )
        .unwrap();
        assert!(!ours.names_unknown_key(&no_kid));
        assert!(!ours.names_unknown_key("not.a.token"));
        let long = theirs.sign(&claims(t)).unwrap() + &"A".repeat(MAX_TOKEN_BYTES);
        assert!(!ours.names_unknown_key(&long));
    }

    fn pkcs8_pem(der: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap());
            pem.push('\n');
        }
        pem.push_str("-----END PRIVATE KEY-----\n");
        pem
    }

    /// RS256 (PKCS#1 v1.5) is deterministic, so the ring's own encoding must give exactly the
    /// token the JWT library gives for the same key, header and claims.
    #[test]
    fn signs_byte_for_byte_as_the_jwt_library_does() {
        let now = OffsetDateTime::now_utc();
        let key = generate_key(now, None).unwrap();
        let ring = KeyRing::new(std::slice::from_ref(&key), None, now, 60).unwrap();
        let pkcs8 = sealing::open(None, &key.kid, &key.private_key).unwrap();
        let library =
            jsonwebtoken::EncodingKey::from_rsa_pem(pkcs8_pem(&pkcs8).as_bytes()).unwrap();
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = Some(key.kid.clone());
        let c = claims(now.unix_timestamp());
        assert_eq!(
            ring.sign(&c).unwrap(),
            jsonwebtoken::encode(&header, &c, &library).unwrap()
        );
    }
}
