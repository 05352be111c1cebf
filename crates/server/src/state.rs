//! What every request handler shares, as sub-states that handlers and middleware extract on
//! their own (`State<Tenant>`, `State<Arc<Tokens>>`, …, through [`FromRef`]): storage and
//! identity, tokens, rate limits, failed-attempt limits, the dashboard's sessions, operations.
//! Built once by [`StateBuilder`] and never changed after. No globals.
//!
//! Only the router's assembly knows this type; each sub-state lives in the module whose
//! behaviour it is and knows nothing of the others' hub.

use std::sync::Arc;

use axum::extract::FromRef;
use orgwarden_domain::clock::{Clock, SystemClock};
use orgwarden_domain::store::DynStore;

use crate::auth::attempts::AttemptLimits;
use crate::auth::keys::KeyRing;
use crate::auth::sealing::MasterKey;
use crate::auth::tokens::Tokens;
use crate::faults::Faults;
use crate::operations::{Operations, PoolGauge};
use crate::ratelimit::limits::Limits;
use crate::ratelimit::memory::MemoryLimiter;
use crate::ratelimit::plan::Plan;
use crate::ratelimit::RateLimiter;
use crate::ui::dashboard::{Dashboard, DashboardConfig};

pub use crate::tenant::{Identity, Tenant};
use crate::upstream::Upstream;

/// Behind one `Arc`: the router clones the state for every request, and one reference count
/// is cheaper than one per part.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Parts>,
}

#[derive(Clone)]
struct Parts {
    store: DynStore,
    identity: Arc<Identity>,
    clock: Arc<dyn Clock>,
    tokens: Arc<Tokens>,
    limits: Arc<Limits>,
    /// Failed client authentications and sign-ins, counted apart from any quota.
    attempts: Arc<AttemptLimits>,
    /// The web dashboard's sign-in settings and sessions.
    dashboard: Arc<Dashboard>,
    operations: Arc<Operations>,
    /// Outbound calls to federated connections' identity providers.
    upstream: Arc<Upstream>,
}

impl AppState {
    /// A state over `store` and `keys`, for `identity`; the rest defaults as documented on
    /// [`StateBuilder`].
    pub fn builder(store: DynStore, keys: KeyRing, identity: Identity) -> StateBuilder {
        StateBuilder {
            store,
            keys,
            identity,
            clock: Arc::new(SystemClock),
            plan: Plan::default(),
            limiter: Arc::new(MemoryLimiter::new()),
            master_key: None,
            pool: None,
            dashboard: DashboardConfig::default(),
            upstream: None,
        }
    }

    pub fn store(&self) -> &DynStore {
        &self.inner.store
    }

    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    pub fn tokens(&self) -> &Tokens {
        &self.inner.tokens
    }

    /// The tokens, for a task that outlives a request (the key-ring refresh).
    pub fn tokens_handle(&self) -> Arc<Tokens> {
        self.inner.tokens.clone()
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub fn attempts(&self) -> &AttemptLimits {
        &self.inner.attempts
    }

    pub fn dashboard(&self) -> &Dashboard {
        &self.inner.dashboard
    }

    pub fn operations(&self) -> &Operations {
        &self.inner.operations
    }

    /// The same state over another store (as after copying the data elsewhere).
    pub fn over_store(&self, store: DynStore) -> AppState {
        AppState {
            inner: Arc::new(Parts {
                store,
                ..(*self.inner).clone()
            }),
        }
    }

    /// The same state with another dashboard (its sessions start empty).
    pub fn with_dashboard(&self, config: DashboardConfig) -> AppState {
        AppState {
            inner: Arc::new(Parts {
                dashboard: Arc::new(Dashboard::new(config)),
                ..(*self.inner).clone()
            }),
        }
    }
}

/// Builds an [`AppState`]. Defaults: the system clock, the `dev` plan on buckets in this
/// process, keys stored unsealed, no pool gauge, a dashboard with no admin client.
pub struct StateBuilder {
    store: DynStore,
    keys: KeyRing,
    identity: Identity,
    clock: Arc<dyn Clock>,
    plan: Plan,
    limiter: Arc<dyn RateLimiter>,
    master_key: Option<Arc<MasterKey>>,
    pool: Option<PoolGauge>,
    dashboard: DashboardConfig,
    upstream: Option<Arc<Upstream>>,
}

impl StateBuilder {
    /// The client for upstream identity providers (default: the system's roots, Google's
    /// issuer).
    pub fn upstream(self, upstream: Arc<Upstream>) -> Self {
        StateBuilder {
            upstream: Some(upstream),
            ..self
        }
    }

    pub fn clock(self, clock: Arc<dyn Clock>) -> Self {
        StateBuilder { clock, ..self }
    }

    /// Uses `plan` with buckets kept by `limiter`.
    pub fn rate_limit(self, plan: Plan, limiter: Arc<dyn RateLimiter>) -> Self {
        StateBuilder {
            plan,
            limiter,
            ..self
        }
    }

    /// Seals new signing keys with `key` (and opens stored ones with it).
    pub fn master_key(self, master_key: Option<Arc<MasterKey>>) -> Self {
        StateBuilder { master_key, ..self }
    }

    pub fn pool(self, pool: Option<PoolGauge>) -> Self {
        StateBuilder { pool, ..self }
    }

    pub fn dashboard(self, dashboard: DashboardConfig) -> Self {
        StateBuilder { dashboard, ..self }
    }

    pub fn build(self) -> AppState {
        let identity = Arc::new(self.identity);
        let metrics = Arc::default();
        let parts = Parts {
            tokens: Arc::new(Tokens::new(
                self.keys,
                self.master_key,
                identity.clone(),
                self.clock.clone(),
                Arc::clone(&metrics),
            )),
            limits: Arc::new(Limits::new(self.plan, self.limiter, self.clock.clone())),
            attempts: Arc::default(),
            dashboard: Arc::new(Dashboard::new(self.dashboard)),
            operations: Arc::new(Operations {
                metrics,
                pool: self.pool,
                ..Operations::default()
            }),
            store: self.store,
            identity,
            clock: self.clock,
            upstream: self.upstream.unwrap_or_else(|| {
                Arc::new(
                    Upstream::new(None, "https://accounts.google.com")
                        .expect("an upstream client with the system's roots"),
                )
            }),
        };
        AppState {
            inner: Arc::new(parts),
        }
    }
}

impl FromRef<AppState> for Tenant {
    fn from_ref(s: &AppState) -> Tenant {
        Tenant {
            store: s.inner.store.clone(),
            identity: s.inner.identity.clone(),
            clock: s.inner.clock.clone(),
        }
    }
}

impl FromRef<AppState> for Arc<Tokens> {
    fn from_ref(s: &AppState) -> Self {
        s.inner.tokens.clone()
    }
}

impl FromRef<AppState> for Arc<Upstream> {
    fn from_ref(s: &AppState) -> Self {
        s.inner.upstream.clone()
    }
}

impl FromRef<AppState> for Arc<Limits> {
    fn from_ref(s: &AppState) -> Self {
        s.inner.limits.clone()
    }
}

impl FromRef<AppState> for Arc<AttemptLimits> {
    fn from_ref(s: &AppState) -> Self {
        s.inner.attempts.clone()
    }
}

impl FromRef<AppState> for Arc<Dashboard> {
    fn from_ref(s: &AppState) -> Self {
        s.inner.dashboard.clone()
    }
}

impl FromRef<AppState> for Arc<Faults> {
    fn from_ref(s: &AppState) -> Self {
        s.inner.operations.faults.clone()
    }
}

impl FromRef<AppState> for Arc<Operations> {
    fn from_ref(s: &AppState) -> Self {
        s.inner.operations.clone()
    }
}
