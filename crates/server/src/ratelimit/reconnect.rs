//! The shared (Redis) limiter, connected lazily: a server whose Redis is down at start, or
//! goes away later, keeps serving (requests are then not limited, and readiness and the log
//! say so) and picks Redis up again when it returns, trying at most every few seconds.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::redis::RedisLimiter;
use super::{Bucket, Decision, RateLimiter};

const RETRY_EVERY: Duration = Duration::from_secs(5);

/// After a failed call, requests skip Redis this long instead of each waiting for its
/// timeout (250 ms): an outage costs one slow request a second, not every request.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(1);

pub struct SharedLimiter {
    url: String,
    prefix: String,
    state: Mutex<(Option<RedisLimiter>, Option<Instant>)>,
    failed_at: std::sync::Mutex<Option<Instant>>,
}

impl SharedLimiter {
    /// Tries to connect now; a failure is logged, not returned.
    pub async fn new(url: &str, prefix: &str) -> SharedLimiter {
        let limiter = SharedLimiter {
            url: url.to_owned(),
            prefix: prefix.to_owned(),
            state: Mutex::new((None, None)),
            failed_at: Default::default(),
        };
        if let Err(e) = limiter.connected().await {
            tracing::warn!(error = %e, "Redis is unreachable: serving without rate limits until it is back");
        }
        limiter
    }

    /// The connected limiter, connecting first if needed (at most every [`RETRY_EVERY`]).
    async fn connected(&self) -> anyhow::Result<RedisLimiter> {
        let mut state = self.state.lock().await;
        if let Some(l) = &state.0 {
            return Ok(l.clone());
        }
        if state.1.is_some_and(|at| at.elapsed() < RETRY_EVERY) {
            anyhow::bail!(
                "Redis is unreachable (next attempt within {}s)",
                RETRY_EVERY.as_secs()
            );
        }
        state.1 = Some(Instant::now());
        let l = RedisLimiter::connect(&self.url)
            .await?
            .with_prefix(self.prefix.clone());
        tracing::info!("connected to Redis for rate limits");
        state.0 = Some(l.clone());
        Ok(l)
    }
}

#[async_trait]
impl RateLimiter for SharedLimiter {
    async fn acquire(&self, buckets: &[Bucket], now_ms: i64) -> anyhow::Result<Decision> {
        self.with_redis(|l| async move { l.acquire(buckets, now_ms).await })
            .await
    }

    async fn peek(&self, buckets: &[Bucket], now_ms: i64) -> anyhow::Result<Decision> {
        self.with_redis(|l| async move { l.peek(buckets, now_ms).await })
            .await
    }

    async fn ping(&self) -> anyhow::Result<()> {
        self.connected().await?.ping().await
    }
}

impl SharedLimiter {
    /// Runs `call` on the connected limiter, unless Redis failed less than a second ago;
    /// a failure starts that pause.
    async fn with_redis<F, Fut>(&self, call: F) -> anyhow::Result<Decision>
    where
        F: FnOnce(RedisLimiter) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<Decision>>,
    {
        let paused = self
            .failed_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|at| at.elapsed() < PAUSE_AFTER_FAILURE);
        if paused {
            anyhow::bail!("Redis failed less than a second ago");
        }
        let result = match self.connected().await {
            Ok(l) => call(l).await,
            Err(e) => Err(e),
        };
        if result.is_err() {
            *self.failed_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::Limit;

    #[tokio::test]
    async fn an_unreachable_redis_fails_fast_and_keeps_failing_fast() {
        let l = SharedLimiter::new("redis://127.0.0.1:1", "test:").await;
        let b = [Bucket {
            key: "k".into(),
            name: "global".into(),
            limit: Limit {
                burst: 1,
                per_second: 1.0,
            },
        }];
        let start = Instant::now();
        for _ in 0..50 {
            assert!(l.acquire(&b, 0).await.is_err());
        }
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "took {:?}",
            start.elapsed()
        );
        assert!(l.ping().await.is_err());
    }
}
