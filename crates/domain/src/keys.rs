//! Token signing keys. The private key is kept in storage so every instance signs and verifies
//! with the same set.

use time::OffsetDateTime;

#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The JWT `kid`.
    pub kid: String,
    /// The RSA private key, PKCS#8 DER.
    pub private_pkcs8: Vec<u8>,
    pub created_at: OffsetDateTime,
    /// The key new tokens are signed with. Exactly one key is current.
    pub current: bool,
    /// Set when the key was rotated out; it still verifies tokens until they expire.
    pub revoked_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("private_pkcs8", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("current", &self.current)
            .finish()
    }
}
