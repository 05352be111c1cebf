//! Buckets kept in Redis: one limit shared by every instance that talks to the same Redis,
//! so N instances together allow the plan's burst, not N times it.
//!
//! Each [`RateLimiter::acquire`] is one `EVALSHA` of [`SCRIPT`] (loaded with `SCRIPT LOAD`
//! on connect and again if Redis answers `NOSCRIPT`). The script reads every bucket of the
//! request, refills it with the same arithmetic as [`BucketState::refilled`], takes a token
//! from all of them or from none, writes them back with a `PEXPIRE` (so idle buckets vanish
//! once they would be full anyway) and returns the resulting states; the [`Decision`] is then
//! built with [`decide`], exactly as [`super::memory::MemoryLimiter`] builds it. Redis runs a
//! script atomically, so concurrent requests from any number of instances never both take the
//! last token.
//!
//! **Clocks.** The script uses the caller's `now_ms`, not Redis' `TIME` (so the clock is the
//! server's injectable one). The instances' clocks must therefore be roughly in sync (NTP).
//! A bucket's `updated_ms` never goes backwards and the elapsed time is clamped at ≥ 0, so an
//! instance whose clock lags merely sees no refill until it catches up; it never mints tokens.
//!
//! **Failures.** Every Redis call has [`CALL_TIMEOUT`] (250 ms); an error or a timeout is an
//! `Err` from `acquire`, which the middleware turns into "serve without limits" (fail open).
//! [`RedisLimiter::connect`] connects eagerly and fails (within [`CONNECT_TIMEOUT`]) when
//! Redis cannot be reached; once connected, a lost connection is re-established in the
//! background while `acquire` keeps answering `Err` quickly. A call that times out may still
//! run on the server later (the token is then spent although the request went unlimited).
//!
//! **Redis Cluster.** The script touches all of a request's keys, which Cluster allows only
//! within one hash slot: there, give [`RedisLimiter::with_prefix`] a hash tag, e.g.
//! `"{orgwarden:rl}:"`.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;

use super::{decide, Bucket, BucketState, Decision, Limit, RateLimiter};

/// Prepended to every bucket key.
pub const DEFAULT_PREFIX: &str = "orgwarden:rl:";

/// A Redis call slower than this counts as a failure (and the request is served unlimited).
pub const CALL_TIMEOUT: Duration = Duration::from_millis(250);

/// [`RedisLimiter::connect`] gives up after this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// A bucket lives this long after it would be full again (then it vanishes: it is full).
const EXPIRE_SLACK_MS: f64 = 60_000.0;

/// Expiry of a bucket that never refills (`per_second` ≤ 0), and the cap for slow ones.
const MAX_EXPIRE_MS: f64 = 30.0 * 24.0 * 3600.0 * 1000.0;

/// The token-bucket step, atomically, for all of a request's buckets.
///
/// `KEYS[i]`: the hash of bucket i (`t` = tokens, `u` = updated_ms).
/// `ARGV[1]`: now_ms; then per bucket i: `ARGV[3i-1]` burst, `ARGV[3i]` per_second,
/// `ARGV[3i+1]` expiry in ms.
/// Returns `{allowed ("1"/"0"), tokens_1, updated_ms_1, tokens_2, updated_ms_2, …}`, all as
/// strings: a Lua number returned as such would be truncated to an integer by Redis.
/// Numbers are written with `%.17g`, which round-trips an IEEE double exactly, so the state
/// read back (here and in Rust) is bit for bit the one computed.
pub const SCRIPT: &str = r#"
local now = tonumber(ARGV[1])
local n = #KEYS
local tokens, updated = {}, {}
local allowed = true
-- Read and refill every bucket first (as BucketState::refilled does), then decide.
for i = 1, n do
  local burst = tonumber(ARGV[3 * i - 1])
  local rate = tonumber(ARGV[3 * i])
  local h = redis.call('HMGET', KEYS[i], 't', 'u')
  local t, u = tonumber(h[1] or ''), tonumber(h[2] or '')
  if t and u then
    local elapsed = math.max(now - u, 0) / 1000
    t = math.min(t + elapsed * rate, burst)
    u = math.max(now, u)
  else
    t, u = burst, now
  end
  tokens[i], updated[i] = t, u
  if t < 1 then allowed = false end
end
-- All or nothing.
local out = { allowed and '1' or '0' }
for i = 1, n do
  if allowed then tokens[i] = tokens[i] - 1 end
  local ts = string.format('%.17g', tokens[i])
  local us = string.format('%.17g', updated[i])
  redis.call('HSET', KEYS[i], 't', ts, 'u', us)
  redis.call('PEXPIRE', KEYS[i], ARGV[3 * i + 1])
  out[2 * i] = ts
  out[2 * i + 1] = us
end
return out
"#;

/// A [`RateLimiter`] whose buckets live in Redis, shared by every instance using it.
#[derive(Clone)]
pub struct RedisLimiter {
    conn: ConnectionManager,
    script: Script,
    prefix: String,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisLimiter {
    /// Connects to `url` (`redis://[user:password@]host:port[/db]`), checks it answers and
    /// loads the script. Fails within [`CONNECT_TIMEOUT`] if Redis cannot be reached.
    pub async fn connect(url: &str) -> anyhow::Result<RedisLimiter> {
        let client = redis::Client::open(url).context("invalid Redis URL")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let script = Script::new(SCRIPT);
        let setup = async {
            // One plain attempt first: an unreachable Redis fails now, with its real cause,
            // rather than after the manager's reconnection retries.
            let probe_config = redis::AsyncConnectionConfig::new()
                .set_connection_timeout(Some(CALL_TIMEOUT))
                .set_response_timeout(Some(CALL_TIMEOUT));
            let mut probe = client
                .get_multiplexed_async_connection_with_config(&probe_config)
                .await?;
            script.load_async(&mut probe).await?;
            ConnectionManager::new_with_config(client, config).await
        };
        let conn = tokio::time::timeout(CONNECT_TIMEOUT, setup)
            .await
            .map_err(|_| {
                anyhow!(
                    "Redis rate limiter: no connection within {} ms",
                    CONNECT_TIMEOUT.as_millis()
                )
            })?
            .context("Redis rate limiter: cannot connect")?;
        Ok(RedisLimiter {
            conn,
            script,
            prefix: DEFAULT_PREFIX.to_owned(),
        })
    }

    /// The same limiter with its keys under `prefix` instead of [`DEFAULT_PREFIX`] (tests use
    /// a unique one each; a Redis Cluster needs one with a hash tag).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `PING`, for readiness: `Err` if Redis does not answer `PONG` within [`CALL_TIMEOUT`].
    pub async fn ping(&self) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        let pong: String = within(redis::cmd("PING").query_async(&mut conn)).await?;
        if pong != "PONG" {
            bail!("Redis answered {pong:?} to PING");
        }
        Ok(())
    }
}

/// Runs a Redis call with [`CALL_TIMEOUT`].
async fn within<T>(
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> anyhow::Result<T> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(result) => result.context("Redis rate limiter"),
        Err(_) => bail!(
            "Redis rate limiter: no answer within {} ms",
            CALL_TIMEOUT.as_millis()
        ),
    }
}

/// How long a bucket may sit untouched: until it would be full again, plus a minute.
fn expire_ms(limit: &Limit) -> i64 {
    let ms = if limit.per_second > 0.0 {
        (f64::from(limit.burst) / limit.per_second * 1000.0).ceil() + EXPIRE_SLACK_MS
    } else {
        MAX_EXPIRE_MS
    };
    ms.clamp(1.0, MAX_EXPIRE_MS) as i64
}

fn parse_state(tokens: &str, updated_ms: &str) -> anyhow::Result<BucketState> {
    let tokens: f64 = tokens
        .parse()
        .with_context(|| format!("bad tokens {tokens:?} from the rate limit script"))?;
    let updated: f64 = updated_ms
        .parse()
        .with_context(|| format!("bad updated_ms {updated_ms:?} from the rate limit script"))?;
    Ok(BucketState {
        tokens,
        updated_ms: updated as i64,
    })
}

#[async_trait]
impl RateLimiter for RedisLimiter {
    async fn acquire(&self, buckets: &[Bucket], now_ms: i64) -> anyhow::Result<Decision> {
        if buckets.is_empty() {
            return Ok(decide(buckets, &[], true));
        }
        let mut invocation = self.script.prepare_invoke();
        invocation.arg(now_ms);
        for b in buckets {
            invocation
                .key(format!("{}{}", self.prefix, b.key))
                .arg(b.limit.burst)
                // `{}` of an f64 is its shortest exact decimal: Lua reads back the same double.
                .arg(b.limit.per_second.to_string())
                .arg(expire_ms(&b.limit));
        }
        let mut conn = self.conn.clone();
        let out: Vec<String> = within(invocation.invoke_async(&mut conn)).await?;
        if out.len() != 1 + 2 * buckets.len() {
            bail!(
                "the rate limit script returned {} values for {} buckets",
                out.len(),
                buckets.len()
            );
        }
        let allowed = match out[0].as_str() {
            "1" => true,
            "0" => false,
            other => bail!("the rate limit script returned {other:?} as its decision"),
        };
        let states = out[1..]
            .chunks_exact(2)
            .map(|pair| parse_state(&pair[0], &pair[1]))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(decide(buckets, &states, allowed))
    }

    async fn peek(&self, buckets: &[Bucket], now_ms: i64) -> anyhow::Result<Decision> {
        if buckets.is_empty() {
            return Ok(decide(buckets, &[], true));
        }
        let mut pipe = redis::pipe();
        for b in buckets {
            pipe.cmd("HMGET")
                .arg(format!("{}{}", self.prefix, b.key))
                .arg("t")
                .arg("u");
        }
        let mut conn = self.conn.clone();
        let out: Vec<(Option<String>, Option<String>)> =
            within(pipe.query_async(&mut conn)).await?;
        let states = buckets
            .iter()
            .zip(out)
            .map(|(b, stored)| match stored {
                (Some(t), Some(u)) => Ok(parse_state(&t, &u)?.refilled(&b.limit, now_ms)),
                _ => Ok(BucketState::full(&b.limit, now_ms)),
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let allowed = states.iter().all(BucketState::has_token);
        Ok(decide(buckets, &states, allowed))
    }

    async fn ping(&self) -> anyhow::Result<()> {
        RedisLimiter::ping(self).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Instant;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::super::memory::MemoryLimiter;
    use super::*;

    /// The Redis to test against, or `None` (after saying SKIPPED) when there is none.
    fn redis_url() -> Option<String> {
        orgwarden_test_services::redis_url("Redis rate limiter")
    }

    /// A prefix no other test (in this run or another) uses.
    fn unique_prefix() -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        format!(
            "orgwarden:test:{}:{nanos}:{}:",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )
    }

    async fn limiter(url: &str) -> RedisLimiter {
        RedisLimiter::connect(url)
            .await
            .unwrap()
            .with_prefix(unique_prefix())
    }

    fn bucket(key: &str, burst: u32, per_second: f64) -> Bucket {
        Bucket {
            key: key.into(),
            name: key.into(),
            limit: Limit { burst, per_second },
        }
    }

    #[tokio::test]
    async fn a_peek_agrees_with_the_memory_limiter_and_takes_nothing() {
        let Some(url) = redis_url() else { return };
        let (redis, memory) = (limiter(&url).await, MemoryLimiter::new());
        let b = [bucket("global", 3, 2.0), bucket("group", 2, 0.5)];
        let t0 = 1_700_000_000_000;
        let peek_both = |at| {
            let (redis, memory, b) = (&redis, &memory, &b);
            async move {
                let d = redis.peek(b, at).await.unwrap();
                assert_eq!(d, memory.peek(b, at).await.unwrap(), "at {at}");
                d
            }
        };
        assert_eq!(peek_both(t0).await.remaining, 2, "unknown buckets are full");
        for _ in 0..2 {
            redis.acquire(&b, t0).await.unwrap();
            memory.acquire(&b, t0).await.unwrap();
        }
        for at in [t0, t0, t0 + 700, t0 + 2_000] {
            peek_both(at).await;
        }
        assert!(
            redis.acquire(&b, t0 + 2_000).await.unwrap().allowed,
            "peeks took nothing"
        );
    }

    #[tokio::test]
    async fn exact_refusal_after_the_burst_then_refill() {
        let Some(url) = redis_url() else { return };
        let l = limiter(&url).await;
        let b = [bucket("global", 3, 1.0)];
        let t0 = 1_700_000_000_000;
        for expected in [2, 1, 0] {
            let d = l.acquire(&b, t0).await.unwrap();
            assert!(d.allowed);
            assert_eq!(d.remaining, expected);
            assert_eq!(d.limit, 3);
            assert_eq!(d.retry_after, None);
        }
        let d = l.acquire(&b, t0).await.unwrap();
        assert!(!d.allowed);
        assert_eq!(d.remaining, 0);
        assert_eq!(d.retry_after, Some(1));
        assert_eq!(d.reset, t0 / 1000 + 3);
        assert_eq!(d.exceeded.as_deref(), Some("global"));
        let d = l.acquire(&b, t0 + 999).await.unwrap();
        assert!(!d.allowed);
        assert_eq!(d.retry_after, Some(1));
        assert!(l.acquire(&b, t0 + 1_000).await.unwrap().allowed);
    }

    #[tokio::test]
    async fn refill_is_fractional_and_capped_at_the_burst() {
        let Some(url) = redis_url() else { return };
        let l = limiter(&url).await;
        let b = [bucket("slow", 2, 0.5)];
        let t0 = 1_000_000;
        assert!(l.acquire(&b, t0).await.unwrap().allowed);
        assert!(l.acquire(&b, t0).await.unwrap().allowed);
        let d = l.acquire(&b, t0 + 1_000).await.unwrap();
        assert!(!d.allowed, "half a token is no token");
        assert_eq!(d.retry_after, Some(1));
        // 0.5 tokens left: full again after 3 more seconds.
        assert_eq!(d.reset, (t0 + 1_000) / 1000 + 3);
        let d = l.acquire(&b, t0 + 2_000).await.unwrap();
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
        // Long idle: back to the burst, not beyond.
        let d = l.acquire(&b, t0 + 3_600_000).await.unwrap();
        assert!(d.allowed);
        assert_eq!(d.remaining, 1);
    }

    #[tokio::test]
    async fn a_refusal_takes_nothing_from_the_other_buckets() {
        let Some(url) = redis_url() else { return };
        let l = limiter(&url).await;
        let t = 0;
        let both = [bucket("global", 10, 1.0), bucket("group", 1, 0.1)];
        assert!(l.acquire(&both, t).await.unwrap().allowed);
        let d = l.acquire(&both, t).await.unwrap();
        assert!(!d.allowed);
        assert_eq!(d.exceeded.as_deref(), Some("group"));
        assert_eq!(d.retry_after, Some(10));
        assert_eq!((d.limit, d.remaining), (1, 0));
        let d = l.acquire(&[bucket("global", 10, 1.0)], t).await.unwrap();
        assert_eq!(
            d.remaining, 8,
            "only the allowed request took a global token"
        );
    }

    #[tokio::test]
    async fn keys_are_isolated() {
        let Some(url) = redis_url() else { return };
        let l = limiter(&url).await;
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
        // Another prefix is another set of buckets.
        let other = limiter(&url).await;
        assert!(
            other
                .acquire(&[bucket("client-a", 1, 1.0)], 0)
                .await
                .unwrap()
                .allowed
        );
    }

    #[tokio::test]
    async fn no_buckets_means_unlimited_without_asking_redis() {
        let Some(url) = redis_url() else { return };
        let l = limiter(&url).await;
        let d = l.acquire(&[], 0).await.unwrap();
        assert_eq!(d, MemoryLimiter::new().acquire(&[], 0).await.unwrap());
    }

    /// The same requests at the same (irregular, sometimes backwards) times get the same
    /// decisions from Redis as from memory, down to the last header.
    #[tokio::test]
    async fn decides_exactly_like_the_memory_limiter() {
        let Some(url) = redis_url() else { return };
        let redis = limiter(&url).await;
        let memory = MemoryLimiter::new();
        let pool = [
            bucket("global", 5, 0.3),
            bucket("orgs", 2, 1.0 / 3.0),
            bucket("users", 7, 2.5),
            bucket("frozen", 3, 0.0),
            bucket("fast", 50, 16.0),
        ];
        let mut seed: u64 = 0x5eed_1234_abcd_0042;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        let mut now: i64 = 1_700_000_000_123;
        let (mut allowed, mut refused) = (0, 0);
        for step in 0..600 {
            now += match next() % 10 {
                0 => -((next() % 700) as i64), // a lagging clock
                1..=4 => 0,
                _ => (next() % 1_300) as i64,
            };
            let picked: Vec<Bucket> = pool.iter().filter(|_| next() % 3 != 0).cloned().collect();
            let m = memory.acquire(&picked, now).await.unwrap();
            let r = redis.acquire(&picked, now).await.unwrap();
            assert_eq!(r, m, "step {step} at {now} with {picked:?}");
            if m.allowed {
                allowed += 1;
            } else {
                refused += 1;
            }
        }
        // The frozen bucket never refills, so it would linger for MAX_EXPIRE_MS.
        let mut conn = redis.conn.clone();
        let keys: Vec<String> = pool
            .iter()
            .map(|b| format!("{}{}", redis.prefix(), b.key))
            .collect();
        let _: i64 = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(
            allowed > 50 && refused > 50,
            "{allowed} allowed, {refused} refused"
        );
    }

    /// Two instances (two connections), many concurrent requests, one bucket: the burst is
    /// shared, not multiplied.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn instances_share_one_limit() {
        let Some(url) = redis_url() else { return };
        let prefix = unique_prefix();
        let a = RedisLimiter::connect(&url)
            .await
            .unwrap()
            .with_prefix(prefix.clone());
        let b = RedisLimiter::connect(&url)
            .await
            .unwrap()
            .with_prefix(prefix);
        let burst = 137;
        let now = 1_700_000_000_000;
        let granted = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..64 {
            let l = if i % 2 == 0 { a.clone() } else { b.clone() };
            let granted = granted.clone();
            tasks.push(tokio::spawn(async move {
                let bs = [bucket("shared", burst, 1.0)];
                for _ in 0..10 {
                    if l.acquire(&bs, now).await.unwrap().allowed {
                        granted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(granted.load(Ordering::Relaxed), burst as usize);
        let d = a
            .acquire(&[bucket("shared", burst, 1.0)], now)
            .await
            .unwrap();
        assert!(!d.allowed);
        assert_eq!(d.remaining, 0);
    }

    #[tokio::test]
    async fn idle_buckets_expire() {
        let Some(url) = redis_url() else { return };
        let l = limiter(&url).await;
        l.acquire(&[bucket("k", 10, 2.0)], 0).await.unwrap();
        let mut conn = l.conn.clone();
        let ttl: i64 = redis::cmd("PTTL")
            .arg(format!("{}k", l.prefix()))
            .query_async(&mut conn)
            .await
            .unwrap();
        // 10 tokens at 2/s: full after 5 s, gone a minute later.
        assert!(ttl > 60_000 && ttl <= 65_000, "PTTL {ttl}");
        assert_eq!(
            expire_ms(&Limit {
                burst: 3,
                per_second: 0.0
            }),
            MAX_EXPIRE_MS as i64
        );
    }

    #[tokio::test]
    async fn ping_answers() {
        let Some(url) = redis_url() else { return };
        limiter(&url).await.ping().await.unwrap();
    }

    /// Unreachable Redis: `connect` fails, quickly. (Needs no Redis.)
    #[tokio::test]
    async fn connect_to_an_unreachable_redis_fails_quickly() {
        let started = Instant::now();
        let err = RedisLimiter::connect("redis://127.0.0.1:1")
            .await
            .unwrap_err();
        let took = started.elapsed();
        eprintln!("connect to redis://127.0.0.1:1: {err:#} after {took:?}");
        assert!(took < Duration::from_secs(1), "took {took:?}");
        assert!(RedisLimiter::connect("not a url").await.is_err());
    }

    /// A TCP proxy to Redis that can be made to stall (hold the connections, pass nothing)
    /// or to drop every connection and refuse new ones.
    struct Proxy {
        url: String,
        addr: String,
        stalled: Arc<AtomicBool>,
        task: tokio::task::JoinHandle<()>,
        conns: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    }

    impl Proxy {
        async fn start(upstream: &str, at: &str) -> Proxy {
            let target = upstream
                .trim_start_matches("redis://")
                .trim_end_matches('/')
                .to_owned();
            let listener = TcpListener::bind(at).await.unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            let url = format!("redis://{addr}");
            let stalled = Arc::new(AtomicBool::new(false));
            let conns = Arc::new(std::sync::Mutex::new(Vec::new()));
            let (s, c) = (stalled.clone(), conns.clone());
            let task = tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let server = TcpStream::connect(&target).await.unwrap();
                    let s = s.clone();
                    c.lock()
                        .unwrap()
                        .push(tokio::spawn(pipe(client, server, s)));
                }
            });
            Proxy {
                url,
                addr,
                stalled,
                task,
                conns,
            }
        }

        fn kill(&self) {
            self.task.abort();
            for c in self.conns.lock().unwrap().drain(..) {
                c.abort();
            }
        }
    }

    async fn pipe(client: TcpStream, server: TcpStream, stalled: Arc<AtomicBool>) {
        let (mut cr, mut cw) = client.into_split();
        let (mut sr, mut sw) = server.into_split();
        let s = stalled.clone();
        let up = async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = cr.read(&mut buf).await?;
                if n == 0 {
                    return std::io::Result::Ok(());
                }
                while s.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                sw.write_all(&buf[..n]).await?;
            }
        };
        let down = async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = sr.read(&mut buf).await?;
                if n == 0 {
                    return std::io::Result::Ok(());
                }
                cw.write_all(&buf[..n]).await?;
            }
        };
        let _ = tokio::join!(up, down);
    }

    /// Redis stops answering, then goes away: `acquire` and `ping` fail within the call
    /// timeout (an `Err`, which the middleware serves unlimited), never hang; and once Redis
    /// is back, the limiter works again by itself.
    #[tokio::test]
    async fn a_redis_that_stalls_or_vanishes_yields_err_quickly_then_recovers() {
        let Some(url) = redis_url() else { return };
        let proxy = Proxy::start(&url, "127.0.0.1:0").await;
        let l = RedisLimiter::connect(&proxy.url)
            .await
            .unwrap()
            .with_prefix(unique_prefix());
        let b = [bucket("global", 100, 1.0)];
        assert!(l.acquire(&b, 0).await.unwrap().allowed);

        proxy.stalled.store(true, Ordering::Relaxed);
        let started = Instant::now();
        let err = l.acquire(&b, 0).await.unwrap_err();
        let took = started.elapsed();
        eprintln!("acquire on a stalled Redis: {err:#} after {took:?}");
        assert!(took < Duration::from_secs(1), "took {took:?}");
        assert!(l.ping().await.is_err());
        proxy.stalled.store(false, Ordering::Relaxed);
        assert!(
            eventually(&l, &b).await,
            "works again once Redis answers again"
        );

        proxy.kill();
        for _ in 0..3 {
            let started = Instant::now();
            let err = l.acquire(&b, 0).await.unwrap_err();
            let took = started.elapsed();
            eprintln!("acquire on a vanished Redis: {err:#} after {took:?}");
            assert!(took < Duration::from_secs(1), "took {took:?}");
        }

        let back = Proxy::start(&url, &proxy.addr).await;
        assert!(eventually(&l, &b).await, "reconnects once Redis is back");
        l.ping().await.unwrap();
        back.kill();
    }

    /// Whether `acquire` succeeds again within a few seconds.
    async fn eventually(l: &RedisLimiter, b: &[Bucket]) -> bool {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if l.acquire(b, 0).await.is_ok() {
                eprintln!("limiter back after {:?}", started.elapsed());
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}
