//! How the read cache of the guide's call (`orgwarden_domain::enabled_cache`) learns of
//! commits this instance did not make: another instance on the same database, an `orgwarden`
//! command, `psql` by hand.
//!
//! Every [`OTHER_WRITERS_EVERY`] a connection of its own asks PostgreSQL where its write-ahead
//! log ends (`pg_current_wal_insert_lsn()`). A commit that changed anything wrote to the log
//! first, so if the end has not moved, nobody committed a change, anywhere in the cluster; if it
//! has, the cache is dropped. This costs readers and writers nothing: no trigger, no `NOTIFY`
//! (which serializes commits: bench/README, fourth pass), no row every write must update.
//!
//! A commit is written to the log a moment before other sessions can see it, so a read in that
//! moment could be kept after the look that saw the log move. The cache is therefore dropped
//! at each look for [`SETTLING_LOOKS`] looks after the log last moved (one second), not once.
//!
//! If the watcher cannot ask (PostgreSQL is down, the look takes longer than [`LOOK_TIMEOUT`],
//! the task ended), nothing is kept until it can again.

use std::future::Future;
use std::sync::Weak;
use std::time::Duration;

use orgwarden_domain::enabled_cache::EnabledCache;
use tokio_postgres::{Client, Config, NoTls};

/// How soon a commit made elsewhere reaches the read cache: its bound on staleness. This
/// instance's own writes reach it before they are acknowledged.
pub(crate) const OTHER_WRITERS_EVERY: Duration = Duration::from_millis(100);

/// Looks after the log last moved at which the cache is still dropped.
const SETTLING_LOOKS: u32 = 10;

/// A look (or a connection for it) slower than this turns the cache off until one is quick:
/// a late look would stretch the bound.
const LOOK_TIMEOUT: Duration = Duration::from_secs(1);

/// What the looks so far have seen of the log's end.
#[derive(Debug, Default)]
struct Looks {
    last: Option<String>,
    /// Looks in a row that saw `last`.
    quiet: u32,
}

impl Looks {
    /// Whether the cache must be dropped, now that the log ends at `end`.
    fn saw(&mut self, end: String) -> bool {
        if self.last.as_ref() == Some(&end) {
            self.quiet = self.quiet.saturating_add(1);
        } else {
            self.last = Some(end);
            self.quiet = 0;
        }
        self.quiet < SETTLING_LOOKS
    }

    /// After a failed look, the next one starts anew.
    fn forget(&mut self) {
        *self = Looks::default();
    }
}

/// Where the write-ahead log ends now.
trait LogEnd: Send + 'static {
    fn end(&mut self) -> impl Future<Output = Result<String, String>> + Send;
}

/// PostgreSQL's answer, on a connection of the watcher's own (made again after a failure).
struct Postgres {
    config: Config,
    client: Option<Client>,
}

impl LogEnd for Postgres {
    /// A look that fails or times out closes the connection: the next makes a new one.
    async fn end(&mut self) -> Result<String, String> {
        let end = tokio::time::timeout(LOOK_TIMEOUT, self.ask())
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {LOOK_TIMEOUT:?}")));
        if end.is_err() {
            self.client = None;
        }
        end
    }
}

impl Postgres {
    async fn ask(&mut self) -> Result<String, String> {
        let client = match &mut self.client {
            Some(client) => client,
            None => {
                let (new, connection) = self
                    .config
                    .connect(NoTls)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "the read cache watcher's PostgreSQL connection ended");
                    }
                });
                self.client.insert(new)
            }
        };
        let row = client
            .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
            .await;
        row.and_then(|row| row.try_get(0))
            .map_err(|e| e.to_string())
    }
}

/// Watches for other writers until the cache is dropped (with the last store holding it), and
/// turns the cache on at the first look that succeeds. The watcher's connection names itself
/// in `pg_stat_activity` (`application_name`), beside the pool's.
pub(crate) fn watch(mut config: Config, cache: Weak<EnabledCache>) {
    config.connect_timeout(LOOK_TIMEOUT);
    let name = config.get_application_name().unwrap_or("orgwarden");
    config.application_name(format!("{name} (read cache watcher)"));
    watching(
        cache,
        Postgres {
            config,
            client: None,
        },
    );
}

fn watching(cache: Weak<EnabledCache>, mut log: impl LogEnd) -> tokio::task::JoinHandle<()> {
    struct OffWhenGone(Weak<EnabledCache>);
    impl Drop for OffWhenGone {
        fn drop(&mut self) {
            if let Some(cache) = self.0.upgrade() {
                cache.set_enabled(false);
            }
        }
    }
    let watching = OffWhenGone(cache);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(OTHER_WRITERS_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (mut looks, mut on, mut failing) = (Looks::default(), false, false);
        loop {
            every.tick().await;
            let Some(cache) = watching.0.upgrade() else {
                return;
            };
            match log.end().await {
                Ok(end) => {
                    if !on {
                        cache.set_enabled(true);
                        on = true;
                    }
                    if failing {
                        failing = false;
                        tracing::info!(
                            "the PostgreSQL read cache's watcher can ask again: the cache is on"
                        );
                    }
                    if looks.saw(end) {
                        cache.invalidate();
                    }
                }
                Err(error) => {
                    looks.forget();
                    if on {
                        cache.set_enabled(false);
                        on = false;
                    }
                    // Once per spell of failures, the first look's included.
                    if !failing {
                        failing = true;
                        tracing::warn!(%error, "cannot tell whether others write to the PostgreSQL database: the read cache is off until it can");
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use orgwarden_domain::enabled_connection::EnabledConnection;
    use orgwarden_domain::ids::OrgId;

    use super::*;

    /// The log's end as the test sets it: an answer, or a failure.
    #[derive(Clone)]
    struct Scripted(Arc<Mutex<Result<String, String>>>);

    impl Scripted {
        fn answer(&self, end: Result<&str, &str>) {
            *self.0.lock().unwrap() = end.map(str::to_owned).map_err(str::to_owned);
        }
    }

    impl LogEnd for Scripted {
        async fn end(&mut self) -> Result<String, String> {
            self.0.lock().unwrap().clone()
        }
    }

    /// Whether a read through the cache is kept.
    async fn keeps(cache: &EnabledCache) -> bool {
        let org = OrgId::from_trusted("org_0000000000000001".into());
        let read = || async { Ok::<_, ()>(Some(Vec::<EnabledConnection>::new())) };
        cache.get_or_read(&org, read).await.unwrap();
        let kept = !cache.is_empty();
        cache.invalidate();
        kept
    }

    /// Waits (at most two seconds) until reads are kept, or not.
    async fn until_it_keeps(cache: &EnabledCache, want: bool) {
        let started = std::time::Instant::now();
        while keeps(cache).await != want {
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "reads still {} after 2 s",
                if want { "not kept" } else { "kept" }
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn the_cache_is_off_while_the_log_cannot_be_asked_and_when_the_watcher_ends() {
        let cache = Arc::new(EnabledCache::default());
        cache.set_enabled(false);
        let log = Scripted(Arc::new(Mutex::new(Err("not yet".into()))));
        let watcher = watching(Arc::downgrade(&cache), log.clone());
        tokio::time::sleep(OTHER_WRITERS_EVERY * 3).await;
        assert!(!keeps(&cache).await, "off before any look succeeded");

        log.answer(Ok("0/10"));
        until_it_keeps(&cache, true).await;

        log.answer(Err("connection refused"));
        until_it_keeps(&cache, false).await;
        tokio::time::sleep(OTHER_WRITERS_EVERY * 3).await;
        assert!(!keeps(&cache).await, "stays off while the looks fail");

        log.answer(Ok("0/10"));
        until_it_keeps(&cache, true).await;

        watcher.abort();
        let _ = watcher.await;
        assert!(!keeps(&cache).await, "off once the watcher has ended");
    }

    #[test]
    fn the_cache_is_dropped_until_the_log_has_stood_still_for_the_settling_looks() {
        let mut looks = Looks::default();
        assert!(looks.saw("0/10".into()), "the first look");
        for n in 1..SETTLING_LOOKS {
            assert!(
                looks.saw("0/10".into()),
                "still settling after {n} quiet looks"
            );
        }
        assert!(!looks.saw("0/10".into()), "settled");
        assert!(!looks.saw("0/10".into()), "stays settled");
        assert!(looks.saw("0/18".into()), "the log moved");
        assert!(looks.saw("0/18".into()), "settling again");
        looks.forget();
        assert!(
            looks.saw("0/18".into()),
            "after a failure, a look starts anew"
        );
    }
}
