//! Passwords of database users: the connection's policy (Auth0's levels), and argon2id hashes.
//! A password is never stored, returned or logged; its hash is never returned or logged
//! ([`PasswordHash`]'s `Debug` shows nothing of it).

use std::fmt;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// Auth0's message for a password its connection's policy refuses.
pub const TOO_WEAK: &str = "PasswordStrengthError: Password is too weak";

/// Longer passwords are refused before hashing (bounded work per request).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// An argon2id hash in PHC string form.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    /// The PHC string, for storage only.
    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

/// The policy of a database connection (`options.passwordPolicy`, `none` when unset, as
/// Auth0's older connections), with `options.password_complexity_options.min_length`.
pub fn check_policy(options: &Map<String, Value>, password: &str) -> Result<()> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::invalid_field(
            "password",
            format!("PasswordStrengthError: Password is too long (max {MAX_PASSWORD_BYTES} bytes)"),
        ));
    }
    let level = options
        .get("passwordPolicy")
        .and_then(Value::as_str)
        .unwrap_or("none");
    let (mut min_len, kinds, no_repeats) = match level {
        "low" => (6, 0, false),
        "fair" => (8, 3, false),
        "good" => (8, 3, false),
        "excellent" => (10, 3, true),
        _ => (1, 0, false),
    };
    if let Some(n) = options
        .get("password_complexity_options")
        .and_then(|o| o.get("min_length"))
        .and_then(Value::as_u64)
    {
        min_len = n as usize;
    }
    let chars: Vec<char> = password.chars().collect();
    let lower = chars.iter().any(|c| c.is_lowercase());
    let upper = chars.iter().any(|c| c.is_uppercase());
    let digit = chars.iter().any(|c| c.is_ascii_digit());
    let special = chars.iter().any(|c| !c.is_alphanumeric());
    // `fair` asks for lower, upper and digits; `good` and `excellent` for 3 of the 4 kinds.
    let met = if level == "fair" {
        if lower && upper && digit {
            3
        } else {
            0
        }
    } else {
        [lower, upper, digit, special]
            .iter()
            .filter(|b| **b)
            .count()
    };
    let repeats = no_repeats && chars.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]);
    if chars.len() < min_len || met < kinds || repeats {
        return Err(Error::invalid_field("password", TOO_WEAK));
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    // argon2id, 19 MiB, 2 passes, 1 lane: OWASP's recommended minimum.
    Argon2::default()
}

/// Hashes with a fresh random salt. CPU-bound (tens of milliseconds): call it off the async
/// runtime (`spawn_blocking`).
pub fn hash(password: &str) -> Result<PasswordHash> {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| anyhow::anyhow!("no random salt"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let phc = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(PasswordHash(phc.to_string()))
}

/// Whether `candidate` is the password of `hash`. CPU-bound, as [`hash`].
pub fn verify(hash: &PasswordHash, candidate: &str) -> bool {
    match argon2::password_hash::PasswordHash::new(&hash.0) {
        Ok(parsed) => argon2()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn policies_as_auth0() {
        let good = opts(json!({"passwordPolicy": "good"}));
        assert!(check_policy(&good, "I have a password and its a secret").is_ok());
        assert!(check_policy(&good, "Passwords hide their chuck").is_ok());
        assert!(check_policy(&good, "short1A").is_err());
        assert!(check_policy(&good, "alllowercase").is_err());
        let excellent = opts(json!({"passwordPolicy": "excellent"}));
        assert!(check_policy(&excellent, "Abcdef12345").is_ok());
        assert!(
            check_policy(&excellent, "Abcdddef12345").is_err(),
            "three in a row"
        );
        let low = opts(json!({"passwordPolicy": "low"}));
        assert!(check_policy(&low, "abcdef").is_ok());
        assert!(check_policy(&low, "abcde").is_err());
        let fair = opts(json!({"passwordPolicy": "fair"}));
        assert!(check_policy(&fair, "Abcdefg1").is_ok());
        assert!(check_policy(&fair, "abcdefg1!").is_err());
        let min = opts(
            json!({"passwordPolicy": "none", "password_complexity_options": {"min_length": 12}}),
        );
        assert!(check_policy(&min, "abcdefghijk").is_err());
        assert!(check_policy(&Map::new(), "x").is_ok());
        let e = check_policy(&good, "weak").unwrap_err();
        assert_eq!(e.to_string(), TOO_WEAK);
        assert!(check_policy(&Map::new(), &"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
    }

    #[test]
    fn hashes_verify_and_never_show() {
        let h = hash("correct horse").unwrap();
        assert!(h.as_stored().starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse"));
        assert!(!verify(&h, "correct horsf"));
        assert_ne!(hash("correct horse").unwrap(), h, "salted");
        assert_eq!(format!("{h:?}"), "PasswordHash(…)");
        assert!(!verify(&PasswordHash::from_trusted("garbage".into()), "x"));
    }
}
