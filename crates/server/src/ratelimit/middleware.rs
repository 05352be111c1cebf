//! Applies the plan to every `/api/v2` call: headers on every response, 429 past the limit.
//!
//! The caller is authenticated first: the bearer-token extractor
//! ([`crate::auth::principal::Principal`]) spends the buckets only for a verified token, and
//! only peeks for a refused one, so a request with a bad token costs the tenant nothing. It
//! leaves where the buckets stand in the request's [`Spent`]; [`limit_api`] puts that on the
//! answer (or peeks at the global bucket for answers that authenticated no one: an unknown
//! route, a method not allowed, the public API document).

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::limits::Limits;
use super::Decision;

pub const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
pub const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
pub const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
pub const RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");

pub fn set_headers(headers: &mut HeaderMap, d: &Decision) {
    headers.insert(LIMIT, HeaderValue::from(d.limit));
    headers.insert(REMAINING, HeaderValue::from(d.remaining));
    headers.insert(RESET, HeaderValue::from(d.reset));
    if let Some(s) = d.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(s));
    }
}

/// What a 429 says: which limit was hit.
pub fn message(d: &Decision) -> String {
    match d.exceeded.as_deref() {
        None | Some("global") => "Global limit has been reached".to_owned(),
        Some(name) => format!("Rate limit exceeded for {name}"),
    }
}

/// Where a `/api/v2` request left the tenant's buckets, once its caller was authenticated (or
/// refused). In the request's extensions: its presence is what makes the bearer-token
/// extractor limit.
#[derive(Clone, Default)]
pub struct Spent(Arc<Mutex<Option<Decision>>>);

impl Spent {
    pub fn record(&self, d: Decision) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(d);
    }

    fn take(&self) -> Option<Decision> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

pub async fn limit_api(
    State(limits): State<Arc<Limits>>,
    mut req: Request,
    next: Next,
) -> Response {
    let spent = Spent::default();
    req.extensions_mut().insert(spent.clone());
    let mut resp = next.run(req).await;
    let decision = match spent.take() {
        Some(d) => d,
        None => limits.peek(&limits.plan().api_buckets(None)).await,
    };
    set_headers(resp.headers_mut(), &decision);
    resp
}
