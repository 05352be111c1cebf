//! The plan and the limiter that keeps its buckets: one sub-state of
//! `AppState`, used by the Management API's bearer-token extractor and by the
//! token endpoint.

use std::sync::Arc;

use orgwarden_domain::clock::Clock;

use super::plan::Plan;
use super::{Bucket, Decision, RateLimiter, UNLIMITED};

pub struct Limits {
    plan: Plan,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
}

impl Limits {
    pub fn new(plan: Plan, limiter: Arc<dyn RateLimiter>, clock: Arc<dyn Clock>) -> Self {
        Limits {
            plan,
            limiter,
            clock,
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn limiter(&self) -> &dyn RateLimiter {
        self.limiter.as_ref()
    }

    /// The clock, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        now_ms(self.clock.as_ref())
    }

    /// Takes a token from `buckets`. If the limiter fails (a shared store is down), the request
    /// is let through and the failure logged: limiting is protection, not a reason to refuse
    /// work.
    pub async fn acquire(&self, buckets: &[Bucket]) -> Decision {
        let now = self.now_ms();
        if buckets.is_empty() {
            return unlimited(now);
        }
        match self.limiter.acquire(buckets, now).await {
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
                unlimited(now)
            }
        }
    }

    /// Where `buckets` stand, taking nothing: for answers to requests that spend nothing (a
    /// refused token). Never a refusal, so it carries no `Retry-After`.
    pub async fn peek(&self, buckets: &[Bucket]) -> Decision {
        let now = self.now_ms();
        if buckets.is_empty() {
            return unlimited(now);
        }
        match self.limiter.peek(buckets, now).await {
            Ok(d) => Decision {
                allowed: true,
                reset: d.reset.max(now.div_euclid(1000)),
                retry_after: None,
                exceeded: None,
                ..d
            },
            Err(e) => {
                tracing::warn!(error = %e, "rate limiter unavailable; serving without limits");
                unlimited(now)
            }
        }
    }
}

/// `clock`'s time in Unix milliseconds, the unit of every bucket.
pub fn now_ms(clock: &dyn Clock) -> i64 {
    (clock.now().unix_timestamp_nanos() / 1_000_000) as i64
}

fn unlimited(now_ms: i64) -> Decision {
    Decision {
        allowed: true,
        limit: UNLIMITED,
        remaining: UNLIMITED,
        reset: now_ms.div_euclid(1000),
        retry_after: None,
        exceeded: None,
    }
}
