//! Applies the plan to every `/api/v2` call: headers on every response, 429 past the limit.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Bucket, Decision, UNLIMITED};
use crate::error::ApiError;
use crate::state::AppState;

pub const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
pub const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
pub const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
pub const RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");

/// The state's clock, in Unix milliseconds.
pub fn now_ms(state: &AppState) -> i64 {
    (state.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Takes a token from `buckets`. If the limiter fails (a shared store is down), the request
/// is let through and the failure logged: limiting is protection, not a reason to refuse work.
pub async fn acquire(state: &AppState, buckets: &[Bucket]) -> Decision {
    let now = now_ms(state);
    let unlimited = || Decision {
        allowed: true,
        limit: UNLIMITED,
        remaining: UNLIMITED,
        reset: now.div_euclid(1000),
        retry_after: None,
        exceeded: None,
    };
    if buckets.is_empty() {
        return unlimited();
    }
    match state.limiter.acquire(buckets, now).await {
        Ok(mut d) => {
            d.reset = d.reset.max(now.div_euclid(1000));
            if !d.allowed {
                tracing::info!(
                    bucket = d.exceeded.as_deref().unwrap_or(""),
                    "rate limit reached"
                );
            }
            d
        }
        Err(e) => {
            tracing::warn!(error = %e, "rate limiter unavailable; serving without limits");
            unlimited()
        }
    }
}

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

pub async fn limit_api(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let buckets = state.plan.api_buckets(req.method(), req.uri().path());
    let decision = acquire(&state, &buckets).await;
    let mut resp = if decision.allowed {
        next.run(req).await
    } else {
        ApiError::TooManyRequests(message(&decision)).into_response()
    };
    set_headers(resp.headers_mut(), &decision);
    resp
}
