//! Typed identifiers. Auth0's look: a prefix and 16 random alphanumerics (`org_dR2LLWOFc3TasIdw`);
//! client ids are 32 alphanumerics.

use std::fmt;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` characters from [A-Za-z0-9], uniformly, from the operating system's CSPRNG.
pub fn random_alphanumeric(len: usize) -> String {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let rng = SystemRandom::new();
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        rng.fill(&mut buf).expect("the system random source failed");
        // 62 * 4 = 248: reject bytes >= 248 so every character is equally likely.
        for b in buf {
            if b < 248 && out.len() < len {
                out.push(ALPHANUMERIC[(b % 62) as usize] as char);
            }
        }
    }
    out
}

fn is_alphanumeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

macro_rules! prefixed_id {
    ($name:ident, $prefix:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_alphanumeric(16)))
            }

            /// Accepts the prefix followed by 1 to 46 alphanumerics (50 characters at most, as
            /// Auth0's schema says); `None` otherwise.
            pub fn parse(s: &str) -> Option<Self> {
                let rest = s.strip_prefix($prefix)?;
                (s.len() <= 50 && is_alphanumeric(rest)).then(|| Self(s.to_owned()))
            }

            /// For values read back from our own storage.
            pub fn from_trusted(s: String) -> Self {
                Self(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(OrgId, "org_");
prefixed_id!(ConnectionId, "con_");
prefixed_id!(GrantId, "cgr_");
prefixed_id!(RoleId, "rol_");
prefixed_id!(InvitationId, "uinv_");
prefixed_id!(DiscoveryDomainId, "ord_");

/// A client id: 32 alphanumerics, no prefix (as Auth0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    pub fn generate() -> Self {
        Self(random_alphanumeric(32))
    }

    /// Any 1–64 character string of alphanumerics, `-` or `_`.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(s.to_owned()))
    }

    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_auth0s_shape() {
        let id = OrgId::generate();
        assert_eq!(id.as_str().len(), 20);
        assert!(OrgId::parse(id.as_str()).is_some());
        assert_ne!(OrgId::generate(), OrgId::generate());
        assert_eq!(ClientId::generate().as_str().len(), 32);
    }

    #[test]
    fn parse_rejects_other_prefixes_and_characters() {
        assert!(OrgId::parse("con_abc").is_none());
        assert!(OrgId::parse("org_").is_none());
        assert!(OrgId::parse("org_ab-c").is_none());
        assert!(OrgId::parse(&format!("org_{}", "a".repeat(47))).is_none());
        assert!(ConnectionId::parse("con_EzwODffAjZ5aSmo6").is_some());
    }
}
