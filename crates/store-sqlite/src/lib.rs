//! The embedded SQLite backend of orgwarden's storage traits.
//!
//! One file, in WAL mode. Writes go through a single connection, each in a `BEGIN IMMEDIATE`
//! transaction, so the rules that need atomicity (unique names, the 10-connection limit, the
//! sign-up rule on the merged settings) are checked and applied without races. Reads use a
//! few read-only connections. All database work runs on tokio's blocking threads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

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
        Ok(SqliteStore { db: Arc::new(db) })
    }

    /// Opens `sqlite://PATH` or `sqlite:PATH`; query parameters (`?mode=rwc`) are ignored.
    pub async fn open_url(url: &str) -> anyhow::Result<SqliteStore> {
        Self::open(&path_of_url(url)?).await
    }
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
    use super::*;

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
