//! Buckets kept in this process: right for a single instance.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{decide, Bucket, BucketState, Decision, RateLimiter};

/// Buckets idle for this long are forgotten (they would be full again anyway).
const IDLE_MS: i64 = 10 * 60 * 1000;

#[derive(Default)]
pub struct MemoryLimiter {
    buckets: Mutex<HashMap<String, BucketState>>,
}

impl MemoryLimiter {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RateLimiter for MemoryLimiter {
    async fn acquire(&self, buckets: &[Bucket], now_ms: i64) -> anyhow::Result<Decision> {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, s| now_ms - s.updated_ms < IDLE_MS);
        }
        let mut states: Vec<BucketState> = buckets
            .iter()
            .map(|b| match map.get(&b.key) {
                Some(s) => s.refilled(&b.limit, now_ms),
                None => BucketState::full(&b.limit, now_ms),
            })
            .collect();
        let allowed = states.iter().all(BucketState::has_token);
        if allowed {
            for s in &mut states {
                s.tokens -= 1.0;
            }
        }
        for (b, s) in buckets.iter().zip(&states) {
            map.insert(b.key.clone(), *s);
        }
        Ok(decide(buckets, &states, allowed))
    }

    async fn peek(&self, buckets: &[Bucket], now_ms: i64) -> anyhow::Result<Decision> {
        let map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let states: Vec<BucketState> = buckets
            .iter()
            .map(|b| match map.get(&b.key) {
                Some(s) => s.refilled(&b.limit, now_ms),
                None => BucketState::full(&b.limit, now_ms),
            })
            .collect();
        let allowed = states.iter().all(BucketState::has_token);
        Ok(decide(buckets, &states, allowed))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Limit;
    use super::*;

    fn bucket(key: &str, burst: u32, per_second: f64) -> Bucket {
        Bucket {
            key: key.into(),
            name: key.into(),
            limit: Limit { burst, per_second },
        }
    }

    #[tokio::test]
    async fn exact_refusal_after_the_burst_then_refill() {
        let l = MemoryLimiter::new();
        let b = [bucket("global", 3, 1.0)];
        let t0 = 1_700_000_000_000;
        for expected in [2, 1, 0] {
            let d = l.acquire(&b, t0).await.unwrap();
            assert!(d.allowed);
            assert_eq!(d.remaining, expected);
        }
        let d = l.acquire(&b, t0).await.unwrap();
        assert!(!d.allowed);
        assert_eq!(d.retry_after, Some(1));
        assert_eq!(d.reset, t0 / 1000 + 3);
        assert!(l.acquire(&b, t0 + 999).await.unwrap().retry_after.is_some());
        assert!(l.acquire(&b, t0 + 1_000).await.unwrap().allowed);
    }

    #[tokio::test]
    async fn a_peek_sees_what_was_taken_and_takes_nothing() {
        let l = MemoryLimiter::new();
        let b = [bucket("global", 2, 1.0)];
        let d = l.peek(&b, 0).await.unwrap();
        assert_eq!(
            (d.allowed, d.remaining),
            (true, 2),
            "an unknown bucket is full"
        );
        l.acquire(&b, 0).await.unwrap();
        l.acquire(&b, 0).await.unwrap();
        for _ in 0..3 {
            let d = l.peek(&b, 0).await.unwrap();
            assert_eq!((d.allowed, d.remaining, d.limit), (false, 0, 2));
        }
        assert_eq!(l.peek(&b, 1_000).await.unwrap().remaining, 1, "refilled");
        assert!(
            l.acquire(&b, 1_000).await.unwrap().allowed,
            "peeks took nothing"
        );
    }

    #[tokio::test]
    async fn a_refusal_takes_nothing_from_the_other_buckets() {
        let l = MemoryLimiter::new();
        let t = 0;
        let both = [bucket("global", 10, 1.0), bucket("group", 1, 0.1)];
        assert!(l.acquire(&both, t).await.unwrap().allowed);
        assert!(!l.acquire(&both, t).await.unwrap().allowed);
        let d = l.acquire(&[bucket("global", 10, 1.0)], t).await.unwrap();
        assert_eq!(
            d.remaining, 8,
            "only the allowed request took a global token"
        );
    }

    #[tokio::test]
    async fn keys_are_isolated() {
        let l = MemoryLimiter::new();
        assert!(
            l.acquire(&[bucket("client-a", 1, 1.0)], 0)
                .await
                .unwrap()
                .allowed
        );
        assert!(
            !l.acquire(&[bucket("client-a", 1, 1.0)], 0)
                .await
                .unwrap()
                .allowed
        );
        assert!(
            l.acquire(&[bucket("client-b", 1, 1.0)], 0)
                .await
                .unwrap()
                .allowed
        );
    }
}
