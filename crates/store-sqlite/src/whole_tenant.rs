//! Loads every organization's enabled connections into the read cache at once
//! (`orgwarden_domain::enabled_cache::Complete`), in the background: after start, and again
//! after writes, once they have stopped for a second, when [`Reloads`] says so.
//!
//! One read transaction on a connection of its own, two scans in the order of their keys
//! (organizations by id, enabled connections by organization), merged as they come. A load
//! stops within [`ROWS_BETWEEN_LOOKS`] rows of the cache being invalidated (what it read is
//! already stale), and at once when the process stops (its connection is interrupted).

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use orgwarden_domain::connection::ConnectionSummary;
use orgwarden_domain::enabled_cache::{Complete, CompleteBuilder, EnabledCache, Reloads};
use orgwarden_domain::enabled_connection::Settings;
use orgwarden_domain::ids::ConnectionId;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, InterruptHandle};

use crate::db::{read_only, Db};

/// How often the loader asks whether a load is due.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Rows read between two looks at whether the cache was invalidated meanwhile.
const ROWS_BETWEEN_LOOKS: usize = 1 << 16;

/// What a load came to.
#[derive(Debug)]
pub(crate) enum Loaded {
    Kept(Complete),
    /// The cache was invalidated while it ran (or the load was interrupted).
    Stale,
    /// The tenant cannot be packed (`Unpackable`'s reason).
    NotPackable(String),
}

/// Reads the whole tenant on `conn`, as of a snapshot begun after the cache's `generation`
/// was taken. Blocking; an interrupted statement (`conn`'s interrupt handle: the server is
/// stopping) ends it as stale.
pub(crate) fn load(
    mut conn: Connection,
    cache: &EnabledCache,
    generation: u64,
) -> rusqlite::Result<Loaded> {
    match load_on(&mut conn, cache, generation) {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::OperationInterrupted => {
            Ok(Loaded::Stale)
        }
        loaded => loaded,
    }
}

fn load_on(
    conn: &mut Connection,
    cache: &EnabledCache,
    generation: u64,
) -> rusqlite::Result<Loaded> {
    let stale = || cache.generation() != generation;
    let tx = conn.transaction()?;
    let count = |sql: &str| -> rusqlite::Result<usize> {
        let n: i64 = tx.query_row(sql, [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    };
    let organizations = count("SELECT count(*) FROM organizations")?;
    let enabled = count("SELECT count(*) FROM organization_connections")?;
    let mut builder = match CompleteBuilder::with_capacity(organizations, enabled) {
        Ok(b) => b,
        Err(e) => return Ok(Loaded::NotPackable(e.0)),
    };
    macro_rules! packed {
        ($e:expr) => {
            if let Err(e) = $e {
                return Ok(Loaded::NotPackable(e.0));
            }
        };
    }
    {
        let mut stmt = tx.prepare("SELECT id, name, strategy FROM connections")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            packed!(builder.connection(
                ConnectionId::from_trusted(row.get(0)?),
                ConnectionSummary {
                    name: row.get(1)?,
                    strategy: row.get(2)?,
                },
            ));
        }
    }
    let mut orgs = tx.prepare("SELECT id FROM organizations ORDER BY id")?;
    let mut orgs = orgs.query([])?;
    let mut enabled = tx.prepare(
        "SELECT org_id, connection_id, seq, assign_membership_on_login, show_as_button, is_signup_enabled
         FROM organization_connections ORDER BY org_id",
    )?;
    let mut enabled = enabled.query([])?;
    let mut next = enabled.next()?;
    // Every so many rows, whether what is being read is already stale.
    let mut read = 0usize;
    let mut given_up = || {
        read += 1;
        read.is_multiple_of(ROWS_BETWEEN_LOOKS) && stale()
    };
    while let Some(org) = orgs.next()? {
        let org = text(org.get_ref(0)?)?;
        packed!(builder.organization(org));
        while let Some(row) = next {
            let of = text(row.get_ref(0)?)?;
            if of > org {
                break;
            }
            // An enabled connection of no organization (impossible with the foreign keys on)
            // is skipped, as the guide's call would never show it.
            if of == org {
                let settings = Settings {
                    assign_membership_on_login: row.get(3)?,
                    show_as_button: row.get(4)?,
                    is_signup_enabled: row.get(5)?,
                };
                packed!(builder.enabled(text(row.get_ref(1)?)?, row.get(2)?, settings));
            }
            next = enabled.next()?;
            if given_up() {
                return Ok(Loaded::Stale);
            }
        }
        if given_up() {
            return Ok(Loaded::Stale);
        }
    }
    if stale() {
        return Ok(Loaded::Stale);
    }
    match builder.build() {
        Ok(complete) => Ok(Loaded::Kept(complete)),
        Err(e) => Ok(Loaded::NotPackable(e.0)),
    }
}

fn text(value: ValueRef<'_>) -> rusqlite::Result<&str> {
    value.as_str().map_err(rusqlite::Error::from)
}

/// Loads the whole tenant whenever it is due, until the store is dropped.
pub(crate) fn keep_loaded(db: &Arc<Db>) {
    let db: Weak<Db> = Arc::downgrade(db);
    tokio::spawn(async move {
        let mut reloads = Reloads::new(Instant::now());
        // The first load is said at `info`, the reloads after writes at `debug`.
        let mut loaded_before = false;
        loop {
            tokio::time::sleep(LOOK_EVERY).await;
            let Some(strong) = db.upgrade() else {
                return;
            };
            let cache = strong.enabled_cache();
            if !cache.wants_complete() || !reloads.due(Instant::now(), cache.quiet_for()) {
                continue;
            }
            let started = Instant::now();
            let conn = match read_only(strong.path()) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open the SQLite database to load every organization's enabled connections");
                    reloads.loaded(Instant::now(), started.elapsed(), false);
                    continue;
                }
            };
            // Interrupts the load if this task is dropped while it runs: the runtime is shutting
            // down, and would otherwise wait for it to end.
            let abandoned = InterruptOnDrop(conn.get_interrupt_handle());
            let loading = tokio::task::spawn_blocking(move || {
                let cache = strong.enabled_cache();
                let generation = cache.generation();
                let loaded = load(conn, cache, generation);
                match loaded {
                    Ok(Loaded::Kept(complete)) => {
                        let (organizations, enabled, bytes) = (
                            complete.organizations(),
                            complete.enabled(),
                            complete.bytes(),
                        );
                        let kept = cache.keep_complete(generation, complete);
                        let seconds = started.elapsed().as_secs_f64();
                        let what = "every organization's enabled connections are in memory";
                        match (kept, loaded_before) {
                            (false, _) => {}
                            (true, false) => tracing::info!(
                                organizations,
                                enabled_connections = enabled,
                                mebibytes = bytes >> 20,
                                seconds,
                                "{what}"
                            ),
                            (true, true) => tracing::debug!(organizations, seconds, "{what}"),
                        }
                        kept
                    }
                    Ok(Loaded::Stale) => false,
                    Ok(Loaded::NotPackable(why)) => {
                        tracing::info!(%why, "the tenant is not kept in memory whole; the guide's call keeps the organizations read last");
                        false
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "loading every organization's enabled connections failed; they are read from the database");
                        false
                    }
                }
            });
            let Ok(kept) = loading.await else {
                return;
            };
            drop(abandoned);
            loaded_before |= kept;
            reloads.loaded(Instant::now(), started.elapsed(), kept);
        }
    });
}

struct InterruptOnDrop(InterruptHandle);

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        // A no-op once the load has ended and closed its connection.
        self.0.interrupt();
    }
}

#[cfg(test)]
mod tests {
    use orgwarden_domain::enabled_connection::{NewEnabledConnection, SettingsPatch};
    use orgwarden_domain::ids::OrgId;
    use orgwarden_domain::store::OrgConnectionStore;
    use orgwarden_domain::Error;

    use std::path::Path;

    use super::*;
    use crate::SqliteStore;

    /// Organizations with 0 to 3 connections each, enabled out of order and with every mix of
    /// settings, put in by hand as `sqlite3` would.
    fn seed(path: &Path) -> Vec<String> {
        let conn = rusqlite::Connection::open(path).unwrap();
        for c in 0..4 {
            conn.execute(
                "INSERT INTO connections (id, name, strategy, options, realms, is_domain_connection, enabled_clients)
                 VALUES (?1, ?2, ?3, '{}', '[]', 0, '[]')",
                (format!("con_{c:016}"), format!("c{c}"), ["auth0", "samlp"][c % 2]),
            )
            .unwrap();
        }
        let mut orgs = Vec::new();
        for n in 0..300usize {
            let id = format!("org_{:x>16}", format!("{}", n * 7919 % 1000));
            conn.execute(
                "INSERT INTO organizations (id, name, created_at, attributes) VALUES (?1, ?1, 1, '{}')",
                [&id],
            )
            .unwrap();
            for k in 0..n % 4 {
                let c = (n + k) % 4;
                conn.execute(
                    "INSERT INTO organization_connections VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    (
                        &id,
                        format!("con_{c:016}"),
                        (10 - k) as i64,
                        (n + k) % 2 == 0,
                        (n + k) % 3 == 0,
                        (n + k) % 5 == 0,
                    ),
                )
                .unwrap();
            }
            orgs.push(id);
        }
        orgs
    }

    async fn until(what: &str, mut done: impl FnMut() -> bool) {
        let started = Instant::now();
        while !done() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{what}: not after 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every answer from the loaded tenant is the database's own, and it is dropped by a write
    /// and loaded again once writes have stopped.
    #[tokio::test]
    async fn the_loaded_tenant_answers_as_the_database_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.db");
        let store = SqliteStore::open(&path).await.unwrap();
        store.keep_whole_tenant_loaded();
        let orgs = seed(&path);
        let cache = store.db.enabled_cache();
        until("loaded", || cache.has_complete()).await;

        // What the database answers, read around the cache.
        let from_db = |org: &OrgId| {
            let org = org.clone();
            let conn = read_only(&path).unwrap();
            let all = crate::tx::run(orgwarden_domain::rules::enabled::in_order(
                &crate::tx::Sql(&conn),
                &org,
            ));
            all.map_err(|e| e.0).unwrap()
        };
        let mut some_enabled = 0;
        for id in &orgs {
            let org = OrgId::from_trusted(id.clone());
            let want = from_db(&org).unwrap();
            some_enabled += usize::from(!want.is_empty());
            assert_eq!(whole_of(cache, &org), Some(want.clone()), "{id}");
            let page = store.list_enabled_connections(&org, 0, 50).await.unwrap();
            assert_eq!(page.items, want, "{id}");
        }
        assert!(some_enabled > 200);
        let missing = OrgId::from_trusted("org_missing".into());
        assert_eq!(whole_of(cache, &missing), None);
        assert!(matches!(
            store.list_enabled_connections(&missing, 0, 50).await,
            Err(Error::NotFound(_))
        ));

        // A write here: seen at once, and the tenant loaded again after it.
        let org = OrgId::from_trusted(orgs[0].clone());
        store
            .enable_connection(
                &org,
                NewEnabledConnection {
                    connection_id: ConnectionId::from_trusted(format!("con_{:016}", 3)),
                    settings: SettingsPatch::default(),
                },
            )
            .await
            .unwrap();
        assert!(!cache.has_complete(), "dropped by the write");
        let page = store.list_enabled_connections(&org, 0, 50).await.unwrap();
        assert_eq!(page.items.len(), 1);
        until("loaded again", || cache.has_complete()).await;
        assert_eq!(whole_of(cache, &org).unwrap(), page.items);

        // Another process's commit: the tenant in memory is dropped within the watcher's bound.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute(
                "DELETE FROM organization_connections WHERE org_id = ?1",
                [org.as_str()],
            )
            .unwrap();
        let started = Instant::now();
        while !store
            .list_enabled_connections(&org, 0, 50)
            .await
            .unwrap()
            .items
            .is_empty()
        {
            assert!(
                started.elapsed() < crate::OTHER_WRITERS_EVERY * 20,
                "unseen"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn whole_of(
        cache: &EnabledCache,
        org: &OrgId,
    ) -> Option<Vec<orgwarden_domain::enabled_connection::EnabledConnection>> {
        let out = cache.get_or_read(org, || async {
            panic!("read from the store: the tenant was not answered from memory")
        });
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::future::Future::poll(std::pin::pin!(out), &mut cx) {
            std::task::Poll::Ready(found) => {
                found.map_err(|e: Error| e).unwrap().map(|all| all.to_vec())
            }
            std::task::Poll::Pending => panic!("answered from memory at once"),
        }
    }

    /// A load that began before the last invalidation is thrown away.
    #[tokio::test]
    async fn a_load_begun_before_a_write_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let cache = store.db.enabled_cache();
        let before = cache.generation();
        cache.invalidate();
        let conn = || read_only(&path).unwrap();
        assert!(matches!(
            load(conn(), cache, before).unwrap(),
            Loaded::Stale
        ));
        assert!(matches!(
            load(conn(), cache, cache.generation()).unwrap(),
            Loaded::Kept(_)
        ));
    }

    /// A load interrupted (the server stopping) ends at once, as stale.
    #[tokio::test]
    async fn an_interrupted_load_ends_as_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.db");
        let store = SqliteStore::open(&path).await.unwrap();
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "INSERT INTO connections (id, name, strategy, options, realms, is_domain_connection, enabled_clients)
                     VALUES ('con_0000000000000001', 'db', 'auth0', '{}', '[]', 0, '[]');
                 INSERT INTO organizations (id, name, created_at, attributes)
                     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
                     SELECT printf('org_%016d', i), printf('o%d', i), 1, '{}' FROM n;
                 INSERT INTO organization_connections
                     SELECT id, 'con_0000000000000001', 1, 0, 1, 0 FROM organizations;",
            )
            .unwrap();
        let cache = store.db.enabled_cache();
        let conn = read_only(&path).unwrap();
        let handle = conn.get_interrupt_handle();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let interrupting = {
            let done = std::sync::Arc::clone(&done);
            std::thread::spawn(move || {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    handle.interrupt();
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        };
        let loaded = load(conn, cache, cache.generation()).unwrap();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        interrupting.join().unwrap();
        assert!(matches!(loaded, Loaded::Stale), "{loaded:?}");
        // Uninterrupted, the same tenant loads whole.
        let Loaded::Kept(complete) =
            load(read_only(&path).unwrap(), cache, cache.generation()).unwrap()
        else {
            panic!("not kept");
        };
        assert_eq!(complete.organizations(), 100_000);
    }
}
