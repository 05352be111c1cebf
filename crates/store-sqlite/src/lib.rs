//! The embedded SQLite backend of orgwarden's storage traits.
//!
//! One file, in WAL mode. Writes go through a single connection, each in a `BEGIN IMMEDIATE`
//! transaction, so the rules that need atomicity (unique names, the 10-connection limit, the
//! sign-up rule on the merged settings) are checked and applied without races; a thread of its
//! own runs them one after another (`writer.rs`). Reads use a few read-only connections, on
//! tokio's blocking threads, short bounded reads inline (`db.rs`). The guide's call is answered from memory until anything is written
//! (`Db::enabled_cache`): by this store at once, by another process within
//! [`OTHER_WRITERS_EVERY`]. A server also keeps the whole tenant's in memory
//! ([`SqliteStore::keep_whole_tenant_loaded`], `whole_tenant.rs`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use anyhow::Context;

mod by_id;
mod clients;
mod columns;
mod connections;
mod db;
mod discovery_domains;
mod disk_reads;
mod enabled;
mod filter;
mod grants;
mod invitations;
mod keys;
mod login;
mod members;
mod migrate;
mod organizations;
mod paging;
mod resource_servers;
mod roles;
mod tx;
mod users;
mod whole_tenant;
mod writer;

use db::Db;

/// The SQLite store; cheap to clone (the connections are shared).
#[derive(Clone)]
pub struct SqliteStore {
    db: Arc<Db>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.db.path())
            .finish()
    }
}

impl SqliteStore {
    /// Opens the database file (creating it if missing) and brings its schema up to date.
    pub async fn open(path: &Path) -> anyhow::Result<SqliteStore> {
        let path = path.to_owned();
        let db = tokio::task::spawn_blocking(move || Db::open(path))
            .await
            .context("the task opening the SQLite database failed")??;
        let db = Arc::new(db);
        watch_other_writers(&db);
        Ok(SqliteStore { db })
    }

    /// For a server: from now on, keeps every organization's enabled connections in memory
    /// (about 31 bytes per organization), loaded in the background now and again a second after
    /// writes stop, so the guide's call on any organization costs no SQL. A command that runs
    /// once and goes has no use for it.
    pub fn keep_whole_tenant_loaded(&self) {
        whole_tenant::keep_loaded(&self.db);
    }

    /// Opens `sqlite://PATH` or `sqlite:PATH`; query parameters (`?mode=rwc`) are ignored.
    pub async fn open_url(url: &str) -> anyhow::Result<SqliteStore> {
        Self::open(&path_of_url(url)?).await
    }
}

/// How soon a commit by another process (a second server on the same file, `orgwarden token`,
/// `sqlite3` by hand) reaches the read cache: its bound on staleness. This server's own writes
/// reach it before they are acknowledged.
const OTHER_WRITERS_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Looks for other processes' commits every [`OTHER_WRITERS_EVERY`], until the store is dropped.
/// If it stops while the store is still used (its runtime shut down), nothing is kept any more.
fn watch_other_writers(db: &Arc<Db>) {
    struct OffWhenGone(Weak<Db>);
    impl Drop for OffWhenGone {
        fn drop(&mut self) {
            if let Some(db) = self.0.upgrade() {
                db.enabled_cache().set_enabled(false);
            }
        }
    }
    let watching = OffWhenGone(Arc::downgrade(db));
    tokio::spawn(async move {
        let mut every = tokio::time::interval(OTHER_WRITERS_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Some(db) = watching.0.upgrade() else {
                return;
            };
            if tokio::task::spawn_blocking(move || db.check_other_writers())
                .await
                .is_err()
            {
                return;
            }
        }
    });
}

fn path_of_url(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .with_context(|| format!("not a SQLite URL (expected sqlite://PATH): {url}"))?;
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    anyhow::ensure!(!path.is_empty(), "the SQLite URL has no file path: {url}");
    anyhow::ensure!(
        path != ":memory:",
        "an in-memory SQLite database is not supported: the store uses several connections to one file"
    );
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use orgwarden_domain::ids::OrgId;
    use orgwarden_domain::store::OrgConnectionStore;

    use super::*;

    /// Another process's commits (here a connection of the test's own, as `sqlite3` by hand
    /// would make them) reach the guide's call, which is answered from memory, within the
    /// watcher's bound.
    #[tokio::test]
    async fn the_read_cache_sees_other_processes_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let other = rusqlite::Connection::open(&path).unwrap();
        other
            .execute_batch(
                "INSERT INTO organizations (id, name, created_at, attributes)
                     VALUES ('org_0000000000000001', 'acme', 1, '{}');
                 INSERT INTO connections (id, name, strategy, options, realms, is_domain_connection, enabled_clients)
                     VALUES ('con_0000000000000001', 'db', 'auth0', '{}', '[]', 0, '[]');
                 INSERT INTO organization_connections VALUES ('org_0000000000000001', 'con_0000000000000001', 1, 0, 1, 0);",
            )
            .unwrap();
        let org = OrgId::from_trusted("org_0000000000000001".into());
        let count = || async {
            store
                .list_enabled_connections(&org, 0, 50)
                .await
                .unwrap()
                .total
        };
        let seen = |want: u64| async move {
            let started = std::time::Instant::now();
            while count().await != want {
                assert!(
                    started.elapsed() < OTHER_WRITERS_EVERY * 20,
                    "another process's commit unseen after {:?}",
                    started.elapsed()
                );
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        };
        seen(1).await;
        assert_eq!(store.db.enabled_cache().len(), 1, "kept in memory");

        other
            .execute("DELETE FROM organization_connections", [])
            .unwrap();
        seen(0).await;
    }

    #[test]
    fn urls_give_their_path() {
        assert_eq!(
            path_of_url("sqlite:///var/lib/o.db").unwrap(),
            PathBuf::from("/var/lib/o.db")
        );
        assert_eq!(
            path_of_url("sqlite://data/o.db?mode=rwc").unwrap(),
            PathBuf::from("data/o.db")
        );
        assert_eq!(path_of_url("sqlite:o.db").unwrap(), PathBuf::from("o.db"));
        assert!(path_of_url("postgres://x").is_err());
        assert!(path_of_url("sqlite://").is_err());
        assert!(path_of_url("sqlite::memory:").is_err());
    }
}
