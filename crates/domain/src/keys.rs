//! Token signing keys. The private key is kept in storage so every instance signs and verifies
//! with the same set.
//!
//! A key's life: it is made current (it signs new tokens); a rotation makes another key current
//! and this one *rotated out* (`rotated_at`): it still verifies the tokens it signed until they
//! expire. Revoking a key that is not current (`revoked_at`) ends that at once: it verifies
//! nothing any more and leaves the published key set.

use time::OffsetDateTime;

#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The JWT `kid`.
    pub kid: String,
    /// The RSA private key as stored: PKCS#8 DER, or sealed with the master key (the server's
    /// `auth::sealing`). Storage keeps these bytes exactly as given and never looks inside.
    pub private_key: Vec<u8>,
    pub created_at: OffsetDateTime,
    /// The key new tokens are signed with. Exactly one key is current.
    pub current: bool,
    /// When another key replaced it as the current one.
    pub rotated_at: Option<OffsetDateTime>,
    /// When it was revoked: from then on it verifies nothing.
    pub revoked_at: Option<OffsetDateTime>,
}

impl SigningKey {
    /// Whether tokens signed with this key are accepted at `now`, when tokens live
    /// `token_lifetime_secs`: the current key; a key rotated out less than a token lifetime ago;
    /// a key that was never current (made ahead of a rotation). Never a revoked key.
    pub fn verifies_at(&self, now: OffsetDateTime, token_lifetime_secs: i64) -> bool {
        if self.revoked_at.is_some() {
            return false;
        }
        let horizon = now - time::Duration::seconds(token_lifetime_secs);
        self.current || self.rotated_at.is_none_or(|at| at > horizon)
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("private_key", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("current", &self.current)
            .field("rotated_at", &self.rotated_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// What asking to revoke a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// The key is revoked from now on (as stored after the change).
    Revoked(SigningKey),
    /// It was revoked before; nothing changed (its first `revoked_at` is kept).
    AlreadyRevoked(SigningKey),
    /// It is the current key, which cannot be revoked (rotate first); nothing changed.
    Current,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(current: bool, rotated: Option<i64>, revoked: Option<i64>) -> SigningKey {
        let at = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        SigningKey {
            kid: "k".into(),
            private_key: vec![],
            created_at: at(0),
            current,
            rotated_at: rotated.map(at),
            revoked_at: revoked.map(at),
        }
    }

    #[test]
    fn which_keys_verify() {
        let now = OffsetDateTime::from_unix_timestamp(10_000).unwrap();
        assert!(key(true, None, None).verifies_at(now, 60));
        assert!(key(false, None, None).verifies_at(now, 60), "never current");
        assert!(
            key(false, Some(9_990), None).verifies_at(now, 60),
            "rotated out lately"
        );
        assert!(
            !key(false, Some(9_000), None).verifies_at(now, 60),
            "rotated out long ago"
        );
        assert!(
            !key(false, Some(9_990), Some(9_995)).verifies_at(now, 60),
            "revoked"
        );
        assert!(
            !key(false, None, Some(9_995)).verifies_at(now, 60),
            "revoked standby"
        );
    }
}
