//! 429 handling: Auth0 answers a spent rate limit with `429` and says when to come back, in
//! `Retry-After` (seconds) or `X-RateLimit-Reset` (Unix seconds when the bucket is full).
//! The client waits that long and retries, within bounds, and tells the caller it waits.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// One wait before a retry, as given to [`RetryPolicy::on_wait`] hooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitWait {
    /// The request that was refused, `GET /api/v2/organizations`.
    pub request: String,
    /// How long the client waits before retrying.
    pub wait: Duration,
    /// The retry this wait precedes: 1 for the first.
    pub attempt: u32,
}

/// Called before each wait (a CLI prints "rate limited, waiting 2 s").
pub type WaitHook = Arc<dyn Fn(&RateLimitWait) + Send + Sync>;

/// How 429s are retried.
#[derive(Clone)]
pub struct RetryPolicy {
    /// Retries of one request after 429s; 0 returns the first 429 as an error.
    pub max_retries: u32,
    /// The longest single wait: a server asking for longer gets its 429 returned instead.
    pub max_wait: Duration,
    /// The wait when the response says nothing (no `Retry-After`, no `X-RateLimit-Reset`).
    pub default_wait: Duration,
    pub on_wait: Option<WaitHook>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            max_wait: Duration::from_secs(60),
            default_wait: Duration::from_secs(1),
            on_wait: None,
        }
    }
}

impl std::fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("max_wait", &self.max_wait)
            .field("default_wait", &self.default_wait)
            .field("on_wait", &self.on_wait.is_some())
            .finish()
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` of a request refused with `headers`, or `None`
    /// when the client should give up and return the 429.
    pub(crate) fn wait(&self, headers: &HeaderMap, attempt: u32) -> Option<Duration> {
        if attempt > self.max_retries {
            return None;
        }
        let wait = asked_wait(headers, SystemTime::now()).unwrap_or(self.default_wait);
        (wait <= self.max_wait).then_some(wait)
    }

    pub(crate) fn announce(&self, w: &RateLimitWait) {
        tracing::info!(request = %w.request, wait_ms = w.wait.as_millis() as u64, attempt = w.attempt, "rate limited: waiting before retrying");
        if let Some(hook) = &self.on_wait {
            hook(w);
        }
    }
}

/// What the response asks for: `Retry-After` seconds first, else the time until
/// `X-RateLimit-Reset` (never less than zero).
pub(crate) fn asked_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let number =
        |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    if let Some(secs) = number("retry-after") {
        return Some(Duration::from_secs(secs));
    }
    let reset = UNIX_EPOCH + Duration::from_secs(number("x-ratelimit-reset")?);
    Some(reset.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_wins_over_the_reset_time() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let h = headers(&[("retry-after", "3"), ("x-ratelimit-reset", "1010")]);
        assert_eq!(asked_wait(&h, now), Some(Duration::from_secs(3)));
        let h = headers(&[("x-ratelimit-reset", "1010")]);
        assert_eq!(asked_wait(&h, now), Some(Duration::from_secs(10)));
        let past = headers(&[("x-ratelimit-reset", "900")]);
        assert_eq!(asked_wait(&past, now), Some(Duration::ZERO));
        assert_eq!(asked_wait(&headers(&[]), now), None);
    }

    #[test]
    fn retries_are_bounded_in_number_and_length() {
        let p = RetryPolicy {
            max_retries: 2,
            max_wait: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        let short = headers(&[("retry-after", "1")]);
        assert_eq!(p.wait(&short, 1), Some(Duration::from_secs(1)));
        assert_eq!(p.wait(&short, 2), Some(Duration::from_secs(1)));
        assert_eq!(p.wait(&short, 3), None);
        assert_eq!(p.wait(&headers(&[("retry-after", "6")]), 1), None);
        assert_eq!(p.wait(&headers(&[]), 1), Some(p.default_wait));
    }
}
