//! Access tokens: the key ring that signs and verifies them, the cache of recent verifications,
//! and minting. One [`Tokens`] per process, shared by the token endpoint, the bearer-token
//! extractor, key rotation and the JWKS.

use std::sync::{Arc, RwLock};

use orgwarden_domain::clock::Clock;

use super::cache::TokenCache;
use super::keys::{Claims, KeyRing};
use super::sealing::MasterKey;
use crate::error::TokenError;
use crate::observability::{Metrics, Verification};
use crate::tenant::Identity;

pub struct Tokens {
    keys: RwLock<Arc<KeyRing>>,
    /// Held while the key ring is reloaded from storage (see `auth::rotation::refresh`).
    reload: tokio::sync::Mutex<()>,
    /// Seals new signing keys and opens stored ones; `None`: keys are stored unencrypted.
    master_key: Option<Arc<MasterKey>>,
    identity: Arc<Identity>,
    clock: Arc<dyn Clock>,
    verified: TokenCache,
    metrics: Arc<Metrics>,
}

impl Tokens {
    pub fn new(
        keys: KeyRing,
        master_key: Option<Arc<MasterKey>>,
        identity: Arc<Identity>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Tokens {
            keys: RwLock::new(Arc::new(keys)),
            reload: tokio::sync::Mutex::new(()),
            master_key,
            identity,
            clock,
            verified: TokenCache::default(),
            metrics,
        }
    }

    pub fn key_ring(&self) -> Arc<KeyRing> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn master_key(&self) -> Option<&MasterKey> {
        self.master_key.as_deref()
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Taken for the length of a key-ring reload, so reloads run one at a time.
    pub async fn reloading(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.reload.lock().await
    }

    /// Verifies a bearer token, from the cache of recently verified tokens when possible.
    pub fn verify(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
        let now = self.clock.now().unix_timestamp();
        if let Some(claims) = self.verified.get(token, now) {
            self.metrics.verification(Verification::Cached);
            return Ok(claims);
        }
        let verified =
            self.key_ring()
                .verify(token, &self.identity.issuer, &self.identity.audience);
        let claims = match verified {
            Ok(c) => {
                self.metrics.verification(Verification::Verified);
                c
            }
            Err(e) => {
                self.metrics.verification(Verification::Refused);
                return Err(e);
            }
        };
        let claims = Arc::new(claims);
        self.verified.insert(token, claims.clone(), now);
        Ok(claims)
    }

    /// Replaces the key ring (after a rotation) and forgets every cached verification.
    pub fn set_key_ring(&self, ring: KeyRing) {
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
        self.verified.clear();
    }

    /// Signs an access token for `client_id` on `audience` with `scopes`, for the configured
    /// token lifetime.
    pub fn mint(
        &self,
        client_id: &str,
        audience: &str,
        scopes: &[String],
    ) -> anyhow::Result<String> {
        self.mint_for(client_id, audience, scopes, self.identity.token_lifetime)
    }

    /// Signs an access token that lives `lifetime` seconds.
    pub fn mint_for(
        &self,
        client_id: &str,
        audience: &str,
        scopes: &[String],
        lifetime: i64,
    ) -> anyhow::Result<String> {
        let now = self.clock.now().unix_timestamp();
        let claims = Claims {
            iss: self.identity.issuer.clone(),
            sub: format!("{client_id}@clients"),
            aud: audience.to_owned(),
            iat: now,
            exp: now + lifetime,
            scope: scopes.join(" "),
            gty: "client-credentials".into(),
            azp: client_id.to_owned(),
        };
        self.key_ring().sign(&claims)
    }
}
