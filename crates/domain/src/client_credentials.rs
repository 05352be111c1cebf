//! A client's public keys for `private_key_jwt` (`client_authentication_methods.
//! private_key_jwt.credentials`), as Auth0 keeps them: given as `{name, credential_type:
//! "public_key", pem, alg}`, stored with an `id`, the key's RFC 7638 thumbprint as `kid`, and
//! times; shown without the PEM. A change may keep stored credentials by naming their `id`.

use aws_lc_rs::digest;
use base64::Engine;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::clock::iso8601_millis;
use crate::ids::random_alphanumeric;
use crate::{Error, Result};

/// Auth0 lets a client hold two credentials at once (to rotate keys).
pub const MAX_CREDENTIALS: usize = 2;
/// The algorithms a client assertion may be signed with.
pub const ALGORITHMS: &[&str] = &["RS256", "RS384", "PS256"];

const FIELD: &str = "client_authentication_methods.private_key_jwt.credentials";

/// A stored credential, for checking a client assertion.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    pub id: String,
    pub kid: String,
    pub alg: String,
    pub pem: String,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_field(FIELD, message)
}

/// The DER inside a PEM `PUBLIC KEY` (or `RSA PUBLIC KEY`) block.
fn der_of(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    let begins = pem.trim_start().starts_with("-----BEGIN PUBLIC KEY-----")
        || pem
            .trim_start()
            .starts_with("-----BEGIN RSA PUBLIC KEY-----");
    if !begins {
        return None;
    }
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// The RFC 7638 thumbprint (SHA-256, base64url) of an RSA public key in PEM.
pub fn thumbprint(pem: &str) -> Option<String> {
    let der = der_of(pem)?;
    let key = aws_lc_rs::rsa::PublicKey::from_der(&der).ok()?;
    if key.modulus_len() < 256 {
        return None; // under 2048 bits
    }
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let n = b64(key.modulus().big_endian_without_leading_zero());
    let e = b64(key.exponent().big_endian_without_leading_zero());
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    Some(b64(
        digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref()
    ))
}

fn credentials(methods: &Value) -> Option<&Vec<Value>> {
    methods
        .get("private_key_jwt")?
        .get("credentials")?
        .as_array()
}

/// Turns the `client_authentication_methods` asked for into the stored form: new credentials
/// get an id, a kid and times; `{id}` alone keeps a credential from `current` (the stored
/// methods, on a change).
pub fn normalize(asked: &Value, current: Option<&Value>, now: OffsetDateTime) -> Result<Value> {
    let Some(list) = credentials(asked) else {
        return Ok(asked.clone());
    };
    if list.is_empty() || list.len() > MAX_CREDENTIALS {
        return Err(invalid(format!(
            "A client has 1 to {MAX_CREDENTIALS} credentials."
        )));
    }
    let stored: Vec<Value> = current.and_then(credentials).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for c in list {
        let Some(c) = c.as_object() else {
            return Err(invalid("Each credential is an object."));
        };
        if let (Some(id), None) = (c.get("id").and_then(Value::as_str), c.get("pem")) {
            let kept = stored
                .iter()
                .find(|s| s.get("id").and_then(Value::as_str) == Some(id))
                .ok_or_else(|| invalid(format!("No credential {id} on this client.")))?;
            out.push(kept.clone());
            continue;
        }
        if c.get("credential_type").and_then(Value::as_str) != Some("public_key") {
            return Err(invalid("credential_type must be public_key."));
        }
        let pem = c
            .get("pem")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("A public_key credential needs its pem."))?;
        let kid = thumbprint(pem).ok_or_else(|| {
            invalid("pem must be an RSA public key of 2048 bits or more, in PEM.")
        })?;
        let alg = c.get("alg").and_then(Value::as_str).unwrap_or("RS256");
        if !ALGORITHMS.contains(&alg) {
            return Err(invalid(format!(
                "alg must be one of {}.",
                ALGORITHMS.join(", ")
            )));
        }
        let at = iso8601_millis(now);
        let mut stored = Map::new();
        stored.insert(
            "id".into(),
            json!(format!("cred_{}", random_alphanumeric(22))),
        );
        if let Some(name) = c.get("name") {
            stored.insert("name".into(), name.clone());
        }
        stored.insert("kid".into(), json!(kid));
        stored.insert("credential_type".into(), json!("public_key"));
        stored.insert("alg".into(), json!(alg));
        stored.insert("created_at".into(), json!(at));
        stored.insert("updated_at".into(), json!(at));
        stored.insert("pem".into(), json!(pem));
        out.push(Value::Object(stored));
    }
    let mut methods = asked.clone();
    methods["private_key_jwt"]["credentials"] = Value::Array(out);
    Ok(methods)
}

/// The methods as shown: the credentials without their PEM.
pub fn shown(methods: &Value) -> Value {
    let mut m = methods.clone();
    if let Some(list) = m
        .get_mut("private_key_jwt")
        .and_then(|p| p.get_mut("credentials"))
        .and_then(Value::as_array_mut)
    {
        for c in list.iter_mut().filter_map(Value::as_object_mut) {
            c.remove("pem");
        }
    }
    m
}

/// The stored credentials, for checking an assertion.
pub fn stored(methods: Option<&Value>) -> Vec<Credential> {
    methods
        .and_then(credentials)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some(Credential {
                id: c.get("id")?.as_str()?.to_owned(),
                kid: c.get("kid")?.as_str()?.to_owned(),
                alg: c.get("alg")?.as_str()?.to_owned(),
                pem: c.get("pem")?.as_str()?.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_keys_and_unknown_ids_are_refused() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let asked = |c: Value| json!({"private_key_jwt": {"credentials": [c]}});
        for bad in [
            json!({"credential_type": "public_key", "pem": "not a pem"}),
            json!({"credential_type": "x509_cert", "pem": "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----"}),
            json!({"credential_type": "public_key", "pem": "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----"}),
            json!({"id": "cred_unknown"}),
        ] {
            assert!(normalize(&asked(bad.clone()), None, now).is_err(), "{bad}");
        }
        let three =
            json!({"private_key_jwt": {"credentials": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}});
        assert!(normalize(&three, None, now).is_err());
    }
}
