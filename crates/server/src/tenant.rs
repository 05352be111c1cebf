//! The tenant's data and public identity: what most Management API and dashboard handlers need
//! (storage, who this server is, the time), as one sub-state of `AppState`.

use std::sync::Arc;

use orgwarden_domain::clock::Clock;
use orgwarden_domain::store::DynStore;

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

    /// `https://localhost:8443/userinfo`: the audience of a person's access token, which
    /// `/userinfo` accepts.
    pub fn userinfo_audience(&self) -> String {
        format!("{}userinfo", self.issuer)
    }

    /// Accepts the Management API audience with or without its trailing slash.
    pub fn is_management_audience(&self, audience: &str) -> bool {
        audience == self.audience || format!("{audience}/") == self.audience
    }
}

/// Storage, identity and clock: cheap to clone (three `Arc`s).
#[derive(Clone)]
pub struct Tenant {
    pub store: DynStore,
    pub identity: Arc<Identity>,
    pub clock: Arc<dyn Clock>,
}
