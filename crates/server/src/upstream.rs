//! Calls to upstream identity providers, for federated connections (`oidc`, `okta`,
//! `google-oauth2`): discovery documents, signing keys (JWKS) and the token exchange, and the
//! ID token's checks. Every call is an outbound request a `create:connections` holder can aim
//! (SSRF), so each one is `https://` only, follows no redirect, ends within [`TIMEOUT`] and
//! reads at most [`MAX_BODY`] bytes; only the system's roots and the operator's extra CA file
//! (`--upstream-ca-file`) are trusted. Discovery documents and key sets are cached, bounded;
//! a key set is fetched again when a token names a key it does not hold (a provider rotating
//! its keys), at most once per [`JWKS_REFRESH`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use orgwarden_domain::connection::upstream::Endpoints;
use serde_json::{Map, Value};

/// How long one upstream call may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from an upstream provider.
pub const MAX_BODY: usize = 256 * 1024;
/// How long a discovery document or a key set is used before it is fetched again.
const CACHE_FOR: Duration = Duration::from_secs(3600);
/// The least time between two fetches of one key set for an unknown `kid`.
const JWKS_REFRESH: Duration = Duration::from_secs(30);
/// How many providers' documents (and key sets) are kept.
const MAX_CACHED: usize = 1000;
/// Clock skew allowed on an ID token's `exp`, `iat` and `nbf`.
pub const LEEWAY_SECS: i64 = 60;

/// Why an upstream step failed. The message is for the person's error page and the log: it
/// never holds a secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The provider could not be reached, or answered in a way that is not OpenID Connect.
    #[error("{0}")]
    Unreachable(String),
    /// The provider refused (the token endpoint's `error`).
    #[error("{0}")]
    Refused(String),
    /// The ID token is not one to trust.
    #[error("{0}")]
    BadToken(String),
}

struct Cached<T> {
    value: T,
    fetched: Instant,
}

/// The outbound client and its caches; one per process.
pub struct Upstream {
    http: reqwest::Client,
    google_issuer: String,
    documents: Mutex<HashMap<String, Cached<Endpoints>>>,
    /// Each provider's keys, and whether that fetch was made for a key the cache lacked.
    keys: Mutex<HashMap<String, Cached<KeySet>>>,
}

/// A provider's keys, and whether they were fetched for a key the cache lacked.
type KeySet = (Vec<Jwk>, bool);

#[derive(Clone)]
struct Jwk {
    kid: Option<String>,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("google_issuer", &self.google_issuer)
            .finish_non_exhaustive()
    }
}

impl Upstream {
    /// A client trusting the system's roots and the certificates (PEM) in `extra_ca`.
    pub fn new(extra_ca: Option<&Path>, google_issuer: &str) -> anyhow::Result<Upstream> {
        crate::server::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_native_certs(true)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent(concat!("orgwarden/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = extra_ca {
            let pem = std::fs::read(path)
                .with_context(|| format!("reading the upstream CA file {}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .with_context(|| format!("the upstream CA file {} is not PEM", path.display()))?;
            anyhow::ensure!(
                !certs.is_empty(),
                "the upstream CA file {} holds no certificate",
                path.display()
            );
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        Ok(Upstream {
            http: builder
                .build()
                .context("building the upstream HTTP client")?,
            google_issuer: google_issuer.to_owned(),
            documents: Mutex::default(),
            keys: Mutex::default(),
        })
    }

    /// Google's issuer, for `google-oauth2` connections.
    pub fn google_issuer(&self) -> &str {
        &self.google_issuer
    }

    /// Sends `req`, refusing redirects, and reads a JSON object of at most [`MAX_BODY`] bytes.
    /// Returns the status with it (an error answer's body is read too, for its `error`).
    async fn json(
        &self,
        what: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<(u16, Map<String, Value>), UpstreamError> {
        let unreachable = |why: String| UpstreamError::Unreachable(format!("{what}: {why}"));
        let mut resp = req.send().await.map_err(|e| {
            let why = if e.is_timeout() {
                "no answer in time".to_owned()
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else if e.is_builder() {
                "not an https URL".to_owned()
            } else {
                // reqwest's error names the URL, never a body or a header.
                without_url(&e)
            };
            unreachable(why)
        })?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(unreachable(format!(
                "answered {status}, a redirect (not followed)"
            )));
        }
        if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(unreachable("the answer is too large".into()));
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY {
                        return Err(unreachable("the answer is too large".into()));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(unreachable(without_url(&e))),
            }
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(m)) => Ok((status, m)),
            _ if !(200..300).contains(&status) => Err(unreachable(format!("answered {status}"))),
            _ => Err(unreachable(format!(
                "answered {status} with something that is not a JSON object"
            ))),
        }
    }

    /// The endpoints of the discovery document at `url` (cached). When `issuer` is given, the
    /// document must name it.
    pub async fn discover(&self, url: &str) -> Result<Endpoints, UpstreamError> {
        if let Some(c) = self.documents.lock().expect("cache lock").get(url) {
            if c.fetched.elapsed() < CACHE_FOR {
                return Ok(c.value.clone());
            }
        }
        let what = format!("OIDC discovery at {url}");
        check_https(&what, url)?;
        let (status, doc) = self.json(&what, self.http.get(url)).await?;
        if !(200..300).contains(&status) {
            return Err(UpstreamError::Unreachable(format!(
                "{what}: answered {status}"
            )));
        }
        let endpoints = Endpoints::from_document(&doc)
            .map_err(|why| UpstreamError::Unreachable(format!("{what}: {why}")))?;
        let mut cache = self.documents.lock().expect("cache lock");
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(
            url.to_owned(),
            Cached {
                value: endpoints.clone(),
                fetched: Instant::now(),
            },
        );
        Ok(endpoints)
    }

    async fn fetch_keys(
        &self,
        jwks_uri: &str,
        for_unknown: bool,
    ) -> Result<Vec<Jwk>, UpstreamError> {
        let what = format!("the signing keys at {jwks_uri}");
        check_https(&what, jwks_uri)?;
        let (status, doc) = self.json(&what, self.http.get(jwks_uri)).await?;
        if !(200..300).contains(&status) {
            return Err(UpstreamError::Unreachable(format!(
                "{what}: answered {status}"
            )));
        }
        let keys: Vec<Jwk> = doc
            .get("keys")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(rsa_key).collect())
            .unwrap_or_default();
        let mut cache = self.keys.lock().expect("cache lock");
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(
            jwks_uri.to_owned(),
            Cached {
                value: (keys.clone(), for_unknown),
                fetched: Instant::now(),
            },
        );
        Ok(keys)
    }

    /// The RSA key named `kid` (or the only key, when the token names none) of the set at
    /// `jwks_uri`: from the cache, else fetched again. A key the cache lacks (the provider
    /// rotated) is looked for by fetching again, but not again within [`JWKS_REFRESH`] of a
    /// fetch made for that reason: tokens naming made-up keys cannot make us hammer the
    /// provider.
    async fn key(&self, jwks_uri: &str, kid: Option<&str>) -> Result<Jwk, UpstreamError> {
        let pick = |keys: &[Jwk]| -> Option<Jwk> {
            match kid {
                Some(k) => keys.iter().find(|j| j.kid.as_deref() == Some(k)).cloned(),
                None if keys.len() == 1 => keys.first().cloned(),
                None => None,
            }
        };
        let cached = {
            let cache = self.keys.lock().expect("cache lock");
            cache
                .get(jwks_uri)
                .map(|c| (pick(&c.value.0), c.value.1, c.fetched.elapsed()))
        };
        let for_unknown = match cached {
            Some((Some(key), _, age)) if age < CACHE_FOR => return Ok(key),
            Some((None, true, age)) if age < JWKS_REFRESH => {
                return Err(UpstreamError::BadToken(
                    "the ID token is signed with a key the provider does not publish".into(),
                ))
            }
            Some((None, _, age)) => age < CACHE_FOR,
            _ => false,
        };
        let keys = self.fetch_keys(jwks_uri, for_unknown).await?;
        pick(&keys).ok_or_else(|| {
            UpstreamError::BadToken(
                "the ID token is signed with a key the provider does not publish".into(),
            )
        })
    }

    /// The code exchanged at the token endpoint (client secret, when there is one, in the
    /// body; the PKCE verifier always). Returns the token response.
    pub async fn exchange(
        &self,
        endpoints: &Endpoints,
        client_id: &str,
        client_secret: Option<&str>,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<Map<String, Value>, UpstreamError> {
        let what = format!("the token endpoint {}", endpoints.token_endpoint);
        check_https(&what, &endpoints.token_endpoint)?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", client_id),
            ("code_verifier", code_verifier),
        ];
        if let Some(s) = client_secret {
            form.push(("client_secret", s));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let req = self
            .http
            .post(&endpoints.token_endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body);
        let (status, answer) = self.json(&what, req).await?;
        if !(200..300).contains(&status) {
            let error = answer
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no error code");
            return Err(UpstreamError::Refused(format!(
                "the provider refused the code ({status}, {})",
                printable(error)
            )));
        }
        Ok(answer)
    }

    /// The user-info claims for `access_token`.
    pub async fn userinfo(
        &self,
        endpoint: &str,
        access_token: &str,
    ) -> Result<Map<String, Value>, UpstreamError> {
        let what = format!("the user-info endpoint {endpoint}");
        check_https(&what, endpoint)?;
        let req = self.http.get(endpoint).bearer_auth(access_token);
        let (status, claims) = self.json(&what, req).await?;
        if !(200..300).contains(&status) {
            return Err(UpstreamError::Unreachable(format!(
                "{what}: answered {status}"
            )));
        }
        Ok(claims)
    }

    /// The claims of an ID token, once its signature (RS256, the provider's published key),
    /// `iss`, `aud` (and `azp` when there are several audiences), `exp`/`iat`/`nbf` (against
    /// `now`, with [`LEEWAY_SECS`]) and `nonce` are what they must be.
    pub async fn verify_id_token(
        &self,
        endpoints: &Endpoints,
        id_token: &str,
        client_id: &str,
        nonce: &str,
        now: i64,
    ) -> Result<Map<String, Value>, UpstreamError> {
        let bad = |why: &str| UpstreamError::BadToken(format!("the ID token {why}"));
        let header = jsonwebtoken::decode_header(id_token).map_err(|_| bad("is not a JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(bad(&format!("is signed with {:?}, not RS256", header.alg)));
        }
        let jwk = self.key(&endpoints.jwks_uri, header.kid.as_deref()).await?;
        let key = DecodingKey::from_rsa_raw_components(&jwk.n, &jwk.e);
        let mut v = Validation::new(Algorithm::RS256);
        // Times are checked below against the server's clock.
        v.validate_exp = false;
        v.validate_nbf = false;
        v.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
        v.set_issuer(&[&endpoints.issuer]);
        v.set_audience(&[client_id]);
        let claims = match jsonwebtoken::decode::<Map<String, Value>>(id_token, &key, &v) {
            Ok(d) => d.claims,
            Err(e) => {
                use jsonwebtoken::errors::ErrorKind as K;
                return Err(match e.kind() {
                    K::InvalidSignature => bad("has a bad signature"),
                    K::InvalidIssuer => bad("is from another issuer"),
                    K::InvalidAudience => bad("is for another audience"),
                    K::MissingRequiredClaim(c) => bad(&format!("has no {c}")),
                    _ => bad("cannot be read"),
                });
            }
        };
        let time = |k: &str| claims.get(k).and_then(Value::as_i64);
        match time("exp") {
            Some(exp) if exp + LEEWAY_SECS > now => {}
            Some(_) => return Err(bad("has expired (or the clocks disagree)")),
            None => return Err(bad("has no exp")),
        }
        if time("iat").is_some_and(|iat| iat > now + LEEWAY_SECS) {
            return Err(bad("was issued in the future (the clocks disagree)"));
        }
        if time("nbf").is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
            return Err(bad("is not valid yet (the clocks disagree)"));
        }
        if let Some(Value::Array(auds)) = claims.get("aud") {
            if auds.len() > 1 && claims.get("azp").and_then(Value::as_str) != Some(client_id) {
                return Err(bad("names several audiences but not us as its azp"));
            }
        }
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(bad("does not carry this sign-in's nonce (replayed?)"));
        }
        match claims.get("sub").and_then(Value::as_str) {
            Some(s) if !s.is_empty() => Ok(claims),
            _ => Err(bad("has no subject")),
        }
    }
}

fn check_https(what: &str, url: &str) -> Result<(), UpstreamError> {
    match reqwest::Url::parse(url) {
        Ok(u) if u.scheme() == "https" && u.host().is_some() && u.username().is_empty() => Ok(()),
        _ => Err(UpstreamError::Unreachable(format!(
            "{what}: not an https URL"
        ))),
    }
}

fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(&format!(" for url ({u})"), "");
    }
    s
}

/// An upstream's word, shown only if it is short plain text.
fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(100)
        .collect()
}

fn rsa_key(v: &Value) -> Option<Jwk> {
    if v.get("kty")?.as_str()? != "RSA" {
        return None;
    }
    if v.get("use")
        .and_then(Value::as_str)
        .is_some_and(|u| u != "sig")
    {
        return None;
    }
    let b = |k: &str| URL_SAFE_NO_PAD.decode(v.get(k)?.as_str()?).ok();
    Some(Jwk {
        kid: v.get("kid").and_then(Value::as_str).map(str::to_owned),
        n: b("n")?,
        e: b("e")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plain_http_and_odd_urls_are_never_called() {
        let u = Upstream::new(None, "https://accounts.google.com").unwrap();
        for url in [
            "http://127.0.0.1:9/.well-known/openid-configuration",
            "file:///etc/passwd",
            "https://user@idp.test/x",
            "not a url",
        ] {
            match u.discover(url).await {
                Err(UpstreamError::Unreachable(m)) => assert!(m.contains("https"), "{m}"),
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn only_rsa_signing_keys_are_kept() {
        let keys = serde_json::json!([
            {"kty": "RSA", "use": "sig", "kid": "a", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "use": "enc", "kid": "b", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "kid": "c", "x": "AQAB"}
        ]);
        let kept: Vec<Jwk> = keys
            .as_array()
            .unwrap()
            .iter()
            .filter_map(rsa_key)
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].kid.as_deref(), Some("a"));
    }
}
