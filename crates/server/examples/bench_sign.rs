//! The bare RS256 signing rate of an installation's current key, on every core (or on THREADS
//! threads: `bench/run` also measures one, pinned to the server's core): the ceiling
//! of `POST /oauth/token`, whose every answer signs one token. It builds the server's own
//! `KeyRing` from the stored keys (same key, same library, same header) and signs the claims it
//! is given, so `bench/run` can set the endpoint's rate beside it. A measurement, not a test.
//!
//!     cargo run --release -p orgwarden --example bench_sign -- DATABASE_URL CLAIMS_JSON [SECONDS] [THREADS]
//!
//! Prints one JSON line: `{"threads":N,"signs":N,"seconds":S,"per_second":R}`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use orgwarden_server::auth::keys::{Claims, KeyRing};
use orgwarden_server::bootstrap::open_store;
use time::OffsetDateTime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(claims)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bench_sign DATABASE_URL CLAIMS_JSON [SECONDS] [THREADS]");
    };
    let seconds: f64 = args.next().map_or(Ok(2.0), |s| s.parse())?;
    let threads: Option<usize> = args.next().map(|s| s.parse()).transpose()?;
    let claims: Claims = serde_json::from_str(&claims).context("CLAIMS_JSON")?;
    let keys = open_store(&url).await?.signing_keys().await?;
    // Unencrypted keys only: bench/run starts the server without a master key.
    let ring = Arc::new(KeyRing::new(
        &keys,
        None,
        OffsetDateTime::now_utc(),
        86_400,
    )?);
    ring.sign(&claims)?; // fails here, not in a thread, if the key cannot sign

    let threads = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let stop = Arc::new(AtomicBool::new(false));
    let signs = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (ring, claims, stop, signs) =
                (ring.clone(), claims.clone(), stop.clone(), signs.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if ring.sign(&claims).is_ok() {
                        signs.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a signing thread panicked"))?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let signs = signs.load(Ordering::Relaxed);
    println!(
        "{{\"threads\":{threads},\"signs\":{signs},\"seconds\":{elapsed:.3},\"per_second\":{:.1}}}",
        signs as f64 / elapsed
    );
    Ok(())
}
