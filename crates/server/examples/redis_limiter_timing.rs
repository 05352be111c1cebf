//! What one Redis rate-limiter decision costs: sequential `acquire`s of two buckets (the
//! global one and an endpoint group's), with the median and tail latencies printed.
//! A measurement, not a test (nothing here can fail on a slow machine): run it through
//! `bench/redis_limiter.sh`, see `bench/README.md`.
//!
//!     cargo run --release -p orgwarden --example redis_limiter_timing -- [REDIS_URL] [N]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use orgwarden_server::ratelimit::redis::RedisLimiter;
use orgwarden_server::ratelimit::{Bucket, Limit, RateLimiter};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    let n: usize = match args.next() {
        Some(n) => n.parse()?,
        None => 10_000,
    };
    anyhow::ensure!(n > 0, "N must be at least 1");
    // A prefix of its own, so the run neither reads nor disturbs anyone's buckets.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let prefix = format!("orgwarden:bench:{}:{nanos}:", std::process::id());
    let limiter = RedisLimiter::connect(&url).await?.with_prefix(prefix);
    let buckets = [bucket("global", 50, 16.0), bucket("group", 10, 1.0)];

    let mut took = Vec::with_capacity(n);
    let mut now_ms = 1_700_000_000_000;
    for _ in 0..n {
        now_ms += 1;
        let started = Instant::now();
        limiter.acquire(&buckets, now_ms).await?;
        took.push(started.elapsed().as_micros());
    }
    took.sort_unstable();
    let pct = |p: usize| took[(took.len() - 1) * p / 100];
    println!(
        "Redis rate limiter: {n} sequential acquires of 2 buckets: \
         median {} µs, p90 {} µs, p99 {} µs, max {} µs",
        pct(50),
        pct(90),
        pct(99),
        took[took.len() - 1]
    );
    Ok(())
}

fn bucket(key: &str, burst: u32, per_second: f64) -> Bucket {
    Bucket {
        key: key.into(),
        name: key.into(),
        limit: Limit { burst, per_second },
    }
}
