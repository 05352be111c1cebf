//! What every request handler shares: storage, the key ring, the public identity of this
//! server, and the clock. No globals.

use std::sync::{Arc, RwLock};

use orgwarden_domain::clock::Clock;
use orgwarden_domain::store::DynStore;

use crate::auth::cache::TokenCache;
use crate::auth::keys::{Claims, KeyRing};
use crate::auth::sealing::MasterKey;
use crate::error::TokenError;
use crate::faults::Faults;
use crate::observability::{Metrics, Verification};
use crate::ratelimit::memory::MemoryLimiter;
use crate::ratelimit::plan::Plan;
use crate::ratelimit::RateLimiter;

/// The server's public identity, derived from its domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `localhost:8443`: what SDKs are given as `domain`.
    pub domain: String,
    /// `https://localhost:8443/`: the `iss` of every token.
    pub issuer: String,
    /// `https://localhost:8443/api/v2/`: the Management API's audience.
    pub audience: String,
    /// Where clients reach us (`https://…` or `http://…` when TLS is off).
    pub base_url: String,
    /// Lifetime of issued tokens, seconds.
    pub token_lifetime: i64,
}

impl Identity {
    pub fn new(domain: &str, tls: bool, token_lifetime: i64) -> Self {
        let scheme = if tls { "https" } else { "http" };
        Identity {
            domain: domain.to_owned(),
            issuer: format!("https://{domain}/"),
            audience: format!("https://{domain}/api/v2/"),
            base_url: format!("{scheme}://{domain}"),
            token_lifetime,
        }
    }

    /// Accepts the Management API audience with or without its trailing slash.
    pub fn is_management_audience(&self, audience: &str) -> bool {
        audience == self.audience || format!("{audience}/") == self.audience
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub keys: Arc<RwLock<Arc<KeyRing>>>,
    /// Held while the key ring is reloaded from storage (see `auth::rotation::refresh`).
    pub key_reload: Arc<tokio::sync::Mutex<()>>,
    /// Seals new signing keys and opens stored ones; `None`: keys are stored unencrypted.
    pub master_key: Option<Arc<MasterKey>>,
    pub identity: Arc<Identity>,
    pub clock: Arc<dyn Clock>,
    pub verified: Arc<TokenCache>,
    pub plan: Arc<Plan>,
    pub limiter: Arc<dyn RateLimiter>,
    pub faults: Arc<Faults>,
    pub metrics: Arc<Metrics>,
    /// The web dashboard's sign-in settings and sessions.
    pub dashboard: Arc<crate::ui::session::Dashboard>,
    /// Failed client authentications and sign-ins, counted apart from any quota.
    pub attempts: Arc<crate::auth::attempts::AttemptLimits>,
    /// The database pool's (open, idle) connections, where the backend has a pool.
    pub pool: Option<Arc<dyn Fn() -> (usize, usize) + Send + Sync>>,
}

impl AppState {
    pub fn new(store: DynStore, keys: KeyRing, identity: Identity, clock: Arc<dyn Clock>) -> Self {
        AppState {
            store,
            keys: Arc::new(RwLock::new(Arc::new(keys))),
            key_reload: Arc::new(tokio::sync::Mutex::new(())),
            master_key: None,
            identity: Arc::new(identity),
            clock,
            verified: Arc::new(TokenCache::default()),
            plan: Arc::new(Plan::default()),
            limiter: Arc::new(MemoryLimiter::new()),
            faults: Arc::new(Faults::default()),
            attempts: Arc::default(),
            metrics: Arc::new(Metrics::default()),
            dashboard: Arc::new(crate::ui::session::Dashboard::default()),
            pool: None,
        }
    }

    /// Uses `plan` with buckets kept by `limiter`.
    pub fn with_rate_limit(mut self, plan: Plan, limiter: Arc<dyn RateLimiter>) -> Self {
        self.plan = Arc::new(plan);
        self.limiter = limiter;
        self
    }

    pub fn key_ring(&self) -> Arc<KeyRing> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Verifies a bearer token, from the cache of recently verified tokens when possible.
    pub fn verify_token(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
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

    pub fn pool_status(&self) -> Option<(usize, usize)> {
        self.pool.as_ref().map(|f| f())
    }

    /// Replaces the key ring (after a rotation) and forgets every cached verification.
    pub fn set_key_ring(&self, ring: KeyRing) {
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
        self.verified.clear();
    }

    /// Signs an access token for `client_id` on `audience` with `scopes`, for the configured
    /// token lifetime.
    pub fn mint_token(
        &self,
        client_id: &str,
        audience: &str,
        scopes: &[String],
    ) -> anyhow::Result<String> {
        self.mint_token_for(client_id, audience, scopes, self.identity.token_lifetime)
    }

    /// Signs an access token that lives `lifetime` seconds.
    pub fn mint_token_for(
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
