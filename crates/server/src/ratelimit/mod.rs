//! Rate limits that behave like Auth0's: token buckets (a global one for the tenant, and
//! endpoint-group ones where Auth0 has them), `X-RateLimit-Limit/-Remaining/-Reset` on every
//! response, 429 with `Retry-After` past the limit.
//!
//! The buckets live behind [`RateLimiter`]: in this process ([`memory::MemoryLimiter`]) for
//! one instance; a shared store implements the same trait for several.

pub mod limits;
pub mod memory;
pub mod middleware;
pub mod plan;
pub mod reconnect;
pub mod redis;

use async_trait::async_trait;

/// One bucket: `burst` tokens at most, refilled at `per_second`.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub burst: u32,
    pub per_second: f64,
}

/// A bucket to take a token from, identified by `key`; `name` is what a 429 message names.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub key: String,
    pub name: String,
    pub limit: Limit,
}

/// Where the caller stands after a request: the bucket closest to empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds when that bucket is full again (never in the past).
    pub reset: i64,
    /// On refusal: seconds until a token is available (at least 1).
    pub retry_after: Option<u64>,
    /// On refusal: the name of the bucket that was empty.
    pub exceeded: Option<String>,
}

#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Takes one token from every bucket, or from none if any is empty (all or nothing).
    /// `now_ms` is Unix milliseconds.
    async fn acquire(&self, buckets: &[Bucket], now_ms: i64) -> anyhow::Result<Decision>;

    /// Where `buckets` stand at `now_ms`, taking nothing and storing nothing.
    async fn peek(&self, buckets: &[Bucket], now_ms: i64) -> anyhow::Result<Decision>;

    /// Whether the limiter's store answers (for readiness). In-process limiters always do.
    async fn ping(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The state of one token bucket, and the arithmetic every implementation shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketState {
    pub tokens: f64,
    pub updated_ms: i64,
}

impl BucketState {
    pub fn full(limit: &Limit, now_ms: i64) -> Self {
        BucketState {
            tokens: f64::from(limit.burst),
            updated_ms: now_ms,
        }
    }

    /// Refilled up to `now_ms`.
    pub fn refilled(self, limit: &Limit, now_ms: i64) -> Self {
        let elapsed = (now_ms - self.updated_ms).max(0) as f64 / 1000.0;
        let tokens = (self.tokens + elapsed * limit.per_second).min(f64::from(limit.burst));
        BucketState {
            tokens,
            updated_ms: now_ms.max(self.updated_ms),
        }
    }

    pub fn has_token(&self) -> bool {
        self.tokens >= 1.0
    }

    pub fn remaining(&self) -> u32 {
        self.tokens.floor().max(0.0) as u32
    }

    /// Unix seconds when the bucket is full again, rounded up (now if it is full).
    pub fn reset_at(&self, limit: &Limit) -> i64 {
        let missing = f64::from(limit.burst) - self.tokens;
        let secs = if missing <= 0.0 || limit.per_second <= 0.0 {
            0.0
        } else {
            missing / limit.per_second
        };
        ((self.updated_ms as f64 / 1000.0) + secs).ceil() as i64
    }

    /// Whole seconds until one token is available, at least 1.
    pub fn retry_after(&self, limit: &Limit) -> u64 {
        if limit.per_second <= 0.0 {
            return 60;
        }
        ((1.0 - self.tokens).max(0.0) / limit.per_second)
            .ceil()
            .max(1.0) as u64
    }
}

/// Combines the per-bucket states into the caller's decision: the bucket closest to empty
/// (fewest remaining tokens; on a tie, the later reset) speaks for all.
pub fn decide(buckets: &[Bucket], states: &[BucketState], allowed: bool) -> Decision {
    let mut worst: Option<(usize, u32, i64)> = None;
    for (i, (b, s)) in buckets.iter().zip(states).enumerate() {
        let (remaining, reset) = (s.remaining(), s.reset_at(&b.limit));
        let worse = match worst {
            None => true,
            Some((_, r, t)) => remaining < r || (remaining == r && reset > t),
        };
        if worse {
            worst = Some((i, remaining, reset));
        }
    }
    let Some((i, remaining, reset)) = worst else {
        return Decision {
            allowed: true,
            limit: UNLIMITED,
            remaining: UNLIMITED,
            reset: 0,
            retry_after: None,
            exceeded: None,
        };
    };
    let empty = (!allowed)
        .then(|| buckets.iter().zip(states).find(|(_, s)| !s.has_token()))
        .flatten();
    Decision {
        allowed,
        limit: buckets[i].limit.burst,
        remaining,
        reset,
        retry_after: empty.map(|(b, s)| s.retry_after(&b.limit)),
        exceeded: empty.map(|(b, _)| b.name.clone()),
    }
}

/// What the headers say when limiting is off.
pub const UNLIMITED: u32 = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn limit() -> Limit {
        Limit {
            burst: 2,
            per_second: 2.0,
        }
    }

    #[test]
    fn buckets_refill_at_their_rate_up_to_the_burst() {
        let l = limit();
        let mut s = BucketState::full(&l, 1_000);
        s.tokens -= 2.0;
        assert!(!s.has_token());
        assert_eq!(s.retry_after(&l), 1);
        assert_eq!(s.reset_at(&l), 2);
        let later = s.refilled(&l, 1_500);
        assert_eq!(later.remaining(), 1);
        assert_eq!(s.refilled(&l, 60_000).remaining(), 2);
    }

    #[test]
    fn the_bucket_closest_to_empty_speaks() {
        let a = Bucket {
            key: "g".into(),
            name: "global".into(),
            limit: Limit {
                burst: 50,
                per_second: 16.0,
            },
        };
        let b = Bucket {
            key: "o".into(),
            name: "orgs".into(),
            limit: Limit {
                burst: 10,
                per_second: 1.0,
            },
        };
        let states = [
            BucketState {
                tokens: 40.0,
                updated_ms: 0,
            },
            BucketState {
                tokens: 0.5,
                updated_ms: 0,
            },
        ];
        let d = decide(&[a, b], &states, false);
        assert_eq!((d.limit, d.remaining), (10, 0));
        assert_eq!(d.exceeded.as_deref(), Some("orgs"));
        assert_eq!(d.retry_after, Some(1));
        assert_eq!(d.reset, 10);
    }
}
