//! Verified tokens, remembered for a short while so a client that reuses its token (as every
//! SDK does) does not pay for an RSA verification on each call. Keyed by the SHA-256 of the
//! whole token; an entry lives until the token expires or 5 minutes pass, whichever is first;
//! failures are never cached; the cache is bounded and is emptied when the keys change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest;

use super::keys::Claims;

const MAX_ENTRIES: usize = 10_000;
const MAX_AGE_SECS: i64 = 300;

type Key = [u8; 32];

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<Key, (Arc<Claims>, i64)>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

fn key(token: &str) -> Key {
    let d = digest::digest(&digest::SHA256, token.as_bytes());
    let mut k = [0u8; 32];
    k.copy_from_slice(d.as_ref());
    k
}

impl TokenCache {
    /// The claims of a token verified earlier, if still fresh at `now` (Unix seconds).
    pub fn get(&self, token: &str, now: i64) -> Option<Arc<Claims>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(&key(token)) {
            Some((claims, until)) if now < *until => Some(claims.clone()),
            _ => None,
        }
    }

    pub fn insert(&self, token: &str, claims: Arc<Claims>, now: i64) {
        let until = claims.exp.min(now + MAX_AGE_SECS);
        if until <= now {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (_, u)| now < *u);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key(token), (claims, until));
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Arc<Claims> {
        Arc::new(Claims {
            iss: "i".into(),
            sub: "s".into(),
            aud: "a".into(),
            iat: 0,
            exp,
            scope: String::new(),
            gty: "client-credentials".into(),
            azp: "c".into(),
            org_id: None,
        })
    }

    #[test]
    fn entries_expire_with_the_token_or_after_five_minutes() {
        let cache = TokenCache::default();
        cache.insert("t1", claims(1_000), 900);
        assert!(cache.get("t1", 999).is_some());
        assert!(cache.get("t1", 1_000).is_none());
        cache.insert("t2", claims(10_000), 0);
        assert!(cache.get("t2", 299).is_some());
        assert!(cache.get("t2", 300).is_none());
        assert!(cache.get("other", 0).is_none());
        cache.clear();
        assert!(cache.get("t1", 950).is_none());
    }
}
