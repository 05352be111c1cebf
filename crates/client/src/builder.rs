//! `Client::builder()`: where the server is, which CA to trust, how to authenticate, how to
//! wait on rate limits.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use orgwarden_proto::tokens::{TokenRequest, CLIENT_CREDENTIALS};
use reqwest::Url;
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::retry::{RateLimitWait, RetryPolicy};
use crate::token::Auth;
use crate::transport::Inner;
use crate::Client;

/// Settings for a [`Client`]; [`build`](ClientBuilder::build) checks them.
#[derive(Default)]
pub struct ClientBuilder {
    domain: Option<String>,
    base_url: Option<String>,
    audience: Option<String>,
    scope: Option<String>,
    credentials: Option<(String, String)>,
    token: Option<String>,
    ca_file: Option<PathBuf>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// The tenant's domain as Auth0 names it (`acme.eu.auth0.com`, `localhost:8443`): the
    /// server is `https://DOMAIN`, the audience `https://DOMAIN/api/v2/`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Where requests go, when that is not `https://DOMAIN` (plain HTTP in tests, a proxy).
    /// Without a domain, the audience is derived from this URL's host.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Authenticate by client credentials: a token is requested when first needed, kept, and
    /// requested again shortly before it expires.
    pub fn client_credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials = Some((id.into(), secret.into()));
        self
    }

    /// Authenticate with this access token, as given.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The audience of requested tokens; `https://DOMAIN/api/v2/` by default.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Narrows requested tokens to these scopes (space-separated), instead of the grant's.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Also trust the CA certificates in this PEM file (orgwarden's `tls/ca.pem`), besides
    /// the system's.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// A limit on each HTTP request (not on the waits between 429 retries).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How 429s are retried (bounds, and a hook told of each wait).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Called before each wait on a rate limit, e.g. to print "waiting 2 s".
    pub fn on_rate_limit(mut self, hook: impl Fn(&RateLimitWait) + Send + Sync + 'static) -> Self {
        self.retry.on_wait = Some(Arc::new(hook));
        self
    }

    pub fn build(self) -> Result<Client> {
        let base = match (&self.base_url, &self.domain) {
            (Some(url), _) => url.clone(),
            (None, Some(domain)) => format!("https://{domain}"),
            (None, None) => return Err(Error::Config("a domain or a base URL is needed".into())),
        };
        let base = Url::parse(&base).map_err(|e| Error::Config(format!("base URL {base}: {e}")))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base URL {base}: not an http(s) URL"
            )));
        }
        let domain = match &self.domain {
            Some(d) => d.clone(),
            None => {
                let host = base.host_str().unwrap_or_default();
                match base.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host.to_owned(),
                }
            }
        };
        let audience = self
            .audience
            .unwrap_or_else(|| format!("https://{domain}/api/v2/"));
        let auth = match (self.token, self.credentials) {
            (Some(token), None) => Auth::Token(token),
            (None, Some((id, secret))) => Auth::Credentials {
                request: TokenRequest {
                    grant_type: CLIENT_CREDENTIALS.to_owned(),
                    client_id: Some(id),
                    client_secret: Some(secret),
                    audience: Some(audience),
                    scope: self.scope,
                },
                cache: Mutex::new(None),
            },
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "give a token or client credentials, not both".into(),
                ))
            }
            (None, None) => {
                return Err(Error::Config(
                    "a token or client credentials are needed".into(),
                ))
            }
        };
        let mut http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("orgwarden-client/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| Error::Tls(format!("reading the CA file {}: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| Error::Tls(format!("the CA file {}: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(Error::Tls(format!(
                    "the CA file {} holds no certificate",
                    path.display()
                )));
            }
            for cert in certs {
                http = http.add_root_certificate(cert);
            }
        }
        if let Some(t) = self.timeout {
            http = http.timeout(t);
        }
        let http = http.build().map_err(Error::transport)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                auth,
                retry: self.retry,
            }),
        })
    }
}
