//! `/api/v2/keys/signing` and the JWKS at `/.well-known/jwks.json`.

use serde::{Deserialize, Serialize};

/// A token signing key as Auth0 shows it: `previous` and `current_until` for a key rotated
/// out, `revoked_at` for a revoked one. Times are ISO 8601 with milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKey {
    pub kid: String,
    /// The certificate, PEM.
    pub cert: String,
    pub fingerprint: String,
    pub thumbprint: String,
    pub current: bool,
    /// orgwarden never prepares a next key ahead of rotation: always `false`.
    pub next: bool,
    pub previous: bool,
    pub current_since: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_until: Option<String>,
    pub revoked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// The answer to a rotation (the new key) or a revocation (the revoked key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRef {
    pub cert: String,
    pub kid: String,
}

/// A public RSA key as a JSON Web Key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    pub kid: String,
    /// The modulus, base64url without padding.
    pub n: String,
    /// The exponent, base64url without padding.
    pub e: String,
}

impl Jwk {
    /// An RS256 signature key.
    pub fn rs256(kid: &str, n: String, e: String) -> Self {
        Jwk {
            kty: "RSA".into(),
            use_: "sig".into(),
            alg: "RS256".into(),
            kid: kid.to_owned(),
            n,
            e,
        }
    }
}

/// `{"keys": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::round_trip;
    use serde_json::json;

    #[test]
    fn shapes_round_trip() {
        round_trip::<SigningKey>(json!({
            "kid": "k1", "cert": "-----BEGIN CERTIFICATE-----", "fingerprint": "AA", "thumbprint": "aa",
            "current": false, "next": false, "previous": true,
            "current_since": "2026-01-01T00:00:00.000Z", "current_until": "2026-02-01T00:00:00.000Z",
            "revoked": true, "revoked_at": "2026-03-01T00:00:00.000Z"
        }));
        round_trip::<SigningKey>(json!({
            "kid": "k1", "cert": "c", "fingerprint": "AA", "thumbprint": "aa",
            "current": true, "next": false, "previous": false,
            "current_since": "2026-01-01T00:00:00.000Z", "revoked": false
        }));
        round_trip::<KeyRef>(json!({"cert": "c", "kid": "k1"}));
        let jwks: Jwks = round_trip(json!({"keys": [
            {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1", "n": "abc", "e": "AQAB"}
        ]}));
        assert_eq!(jwks.keys[0], Jwk::rs256("k1", "abc".into(), "AQAB".into()));
    }
}
