//! One request, done properly: the URL from path segments (each percent-encoded), the bearer
//! token (fetched and cached when by client credentials), 429 waits and retries, a refused
//! cached token replaced once, and the response read into a type or into [`Error`].

use std::time::Instant;

use orgwarden_proto::tokens::{OAuthError, TokenResponse};
use orgwarden_proto::ErrorBody;
use reqwest::{Method, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::retry::{RateLimitWait, RetryPolicy};
use crate::token::{Auth, Cached};
use crate::Client;

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) auth: Auth,
    pub(crate) retry: RetryPolicy,
}

/// Query parameters, in order (a name may repeat: `strategy=samlp&strategy=oidc`).
pub type Query = Vec<(String, String)>;

impl Client {
    /// `BASE/seg/seg…`, each segment percent-encoded (an organization name may hold anything).
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .expect("checked by the builder: an http(s) base")
            .pop_if_empty()
            .extend(segments);
        url
    }

    /// `BASE/api/v2/seg…`.
    pub(crate) fn api(&self, segments: &[&str]) -> Url {
        let mut all = vec!["api", "v2"];
        all.extend_from_slice(segments);
        self.url(&all)
    }

    /// Sends an authenticated request to `path` (`/api/v2/organizations`, or orgwarden's own
    /// `/orgwarden/v1/faults`) and returns the response whatever its status, after any 429
    /// retries: for callers that look at the wire (headers, raw bytes) or call what this
    /// client has no method for.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<Response> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let query: Query = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.authorized(method, self.url(&segments), &query, body)
            .await
    }

    /// The current access token: the given one, or the cached one, or a new one.
    pub async fn access_token(&self) -> Result<String> {
        match &self.inner.auth {
            Auth::Token(t) => Ok(t.clone()),
            Auth::Credentials { request, cache } => {
                let mut cached = cache.lock().await;
                if let Some(c) = cached.as_ref().filter(|c| c.is_fresh(Instant::now())) {
                    return Ok(c.token.clone());
                }
                let url = self.url(&["oauth", "token"]);
                let r = self
                    .with_retries(Method::POST, url, &[], Some(request), None)
                    .await?;
                let status = r.status();
                let bytes = r.bytes().await.map_err(Error::transport)?;
                if !status.is_success() {
                    let body = serde_json::from_slice::<OAuthError>(&bytes).unwrap_or_else(|_| {
                        OAuthError {
                            error: status.canonical_reason().unwrap_or("error").to_owned(),
                            error_description: String::from_utf8_lossy(&bytes).into_owned(),
                            error_uri: None,
                        }
                    });
                    return Err(Error::OAuth {
                        status: status.as_u16(),
                        body: Box::new(body),
                    });
                }
                let token: TokenResponse = decode("POST /oauth/token", &bytes)?;
                let fresh = Cached::new(token.access_token, token.expires_in, Instant::now());
                let t = fresh.token.clone();
                *cached = Some(fresh);
                Ok(t)
            }
        }
    }

    /// Forgets a cached token the server refused (a rotated-out signing key, say).
    async fn forget_token(&self, refused: &str) {
        if let Auth::Credentials { cache, .. } = &self.inner.auth {
            let mut cached = cache.lock().await;
            if cached.as_ref().is_some_and(|c| c.token == refused) {
                *cached = None;
            }
        }
    }

    /// With the bearer token; a 401 to a token obtained by client credentials gets one more
    /// try with a new token.
    async fn authorized<B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: Url,
        query: &[(String, String)],
        body: Option<&B>,
    ) -> Result<Response> {
        let token = self.access_token().await?;
        let r = self
            .with_retries(method.clone(), url.clone(), query, body, Some(&token))
            .await?;
        if r.status() == StatusCode::UNAUTHORIZED
            && matches!(self.inner.auth, Auth::Credentials { .. })
        {
            self.forget_token(&token).await;
            let token = self.access_token().await?;
            return self
                .with_retries(method, url, query, body, Some(&token))
                .await;
        }
        Ok(r)
    }

    /// Sends, and on 429 waits as the response asks and sends again, within the policy.
    async fn with_retries<B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: Url,
        query: &[(String, String)],
        body: Option<&B>,
        token: Option<&str>,
    ) -> Result<Response> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| Error::Config(format!("the request body: {e}")))?;
        let mut attempt = 0;
        loop {
            let mut req = self.inner.http.request(method.clone(), url.clone());
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = &body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            let r = req.send().await.map_err(Error::transport)?;
            if r.status() != StatusCode::TOO_MANY_REQUESTS {
                return Ok(r);
            }
            attempt += 1;
            let Some(wait) = self.inner.retry.wait(r.headers(), attempt) else {
                return Ok(r);
            };
            self.inner.retry.announce(&RateLimitWait {
                request: format!("{method} {}", url.path()),
                wait,
                attempt,
            });
            tokio::time::sleep(wait).await;
        }
    }

    /// A Management API call whose success body is a `T`.
    pub(crate) async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: Url,
        query: &[(String, String)],
        body: Option<&B>,
    ) -> Result<T> {
        let what = format!("{method} {}", url.path());
        let r = self.authorized(method, url, query, body).await?;
        let bytes = success(r).await?;
        decode(&what, &bytes)
    }

    /// A call answered with a `T` or with no body at all (a `204`).
    pub(crate) async fn call_optional<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
    ) -> Result<Option<T>> {
        let what = format!("{method} {}", url.path());
        let r = self.authorized::<()>(method, url, &[], None).await?;
        let bytes = success(r).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        decode(&what, &bytes).map(Some)
    }

    /// A Management API call answered without a body (`204`).
    pub(crate) async fn call_empty(&self, method: Method, url: Url) -> Result<()> {
        let r = self.authorized::<()>(method, url, &[], None).await?;
        success(r).await.map(drop)
    }

    /// A call with a body, answered without one (`204`).
    pub(crate) async fn call_no_content<B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: Url,
        body: &B,
    ) -> Result<()> {
        let r = self.authorized(method, url, &[], Some(body)).await?;
        success(r).await.map(drop)
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        url: Url,
        query: &[(String, String)],
    ) -> Result<T> {
        self.call::<T, ()>(Method::GET, url, query, None).await
    }
}

/// The body of a success, or the refusal as [`Error::Api`].
async fn success(r: Response) -> Result<Vec<u8>> {
    let status = r.status();
    let bytes = r.bytes().await.map_err(Error::transport)?;
    if status.is_success() {
        return Ok(bytes.to_vec());
    }
    let body = serde_json::from_slice::<ErrorBody>(&bytes).unwrap_or_else(|_| ErrorBody {
        status_code: status.as_u16(),
        error: status.canonical_reason().unwrap_or("Error").to_owned(),
        message: String::from_utf8_lossy(&bytes).into_owned(),
        error_code: None,
        attributes: None,
    });
    Err(Error::Api {
        status: status.as_u16(),
        body: Box::new(body),
    })
}

fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Decode {
        what: what.to_owned(),
        detail: e.to_string(),
    })
}
