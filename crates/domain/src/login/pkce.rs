//! Proof Key for Code Exchange (RFC 7636), S256 only: `plain` would let whoever reads the
//! authorization request redeem the code.

use aws_lc_rs::{constant_time, digest};
use base64::Engine;

/// A `code_challenge` or `code_verifier` is 43 to 128 characters of `[A-Za-z0-9-._~]`.
pub fn well_formed(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)), unpadded.
pub fn challenge_of(verifier: &str) -> String {
    let d = digest::digest(&digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d.as_ref())
}

/// Whether `verifier` answers `challenge`.
pub fn verifies(challenge: &str, verifier: &str) -> bool {
    well_formed(verifier)
        && constant_time::verify_slices_are_equal(
            challenge_of(verifier).as_bytes(),
            challenge.as_bytes(),
        )
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            challenge_of(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(verifies(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            verifier
        ));
        assert!(!verifies(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "x"
        ));
        assert!(!well_formed("short"));
        assert!(!well_formed(&"a".repeat(129)));
    }
}
