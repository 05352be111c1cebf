//! The PostgreSQL backend of orgwarden's storage traits, on tokio-postgres with a deadpool
//! connection pool. Several instances may share one database.
//!
//! Rules that need atomicity hold under concurrent writers, from one instance or many, without
//! checking then writing: unique constraints (organization name, connection name, one enabled
//! connection per organization, one grant per client and audience) turn a race into a Conflict;
//! enabling a connection locks the organization's row before counting its connections, so the
//! limit holds; deletes cascade by foreign keys. A transaction that hits a serialization failure
//! or a deadlock is run again, a few times, inside the store.
//!
//! The guide's call is answered from each instance's memory until anything is written: this
//! instance's writes drop it before they are acknowledged (`db.rs`), everyone else's within
//! 0.1 s, seen as the write-ahead log moving (`other_writers.rs`).
//!
//! The URL is libpq's (`postgres://user:password@host:port/db`). A schema other than `public`
//! is chosen with `?options=-c%20search_path%3DNAME`; the tables go into the first schema of
//! the search path, which must exist. TLS to PostgreSQL is not supported yet: connections are
//! plain TCP (or a Unix socket), and `sslmode=require` is refused.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::config::SslMode;
use tokio_postgres::NoTls;

mod by_id;
mod clients;
mod columns;
mod connections;
mod db;
mod discovery_domains;
mod enabled;
mod errors;
mod filter;
mod grants;
mod invitations;
mod keys;
mod login;
mod members;
mod migrate;
mod organizations;
mod other_writers;
mod paging;
mod resource_servers;
mod roles;
mod tx;
mod users;

use db::Db;

/// Connections kept open at most, per instance.
const POOL_SIZE: usize = 16;
/// How long a caller waits for a free connection, or for a new one to be made.
const POOL_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL store; cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct PostgresStore {
    db: Db,
}

impl std::fmt::Debug for PostgresStore {
    /// Without the URL, which may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (size, available) = self.pool_status();
        f.debug_struct("PostgresStore")
            .field("pool_size", &size)
            .field("pool_available", &available)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to `postgres://…` (or `postgresql://…`) and brings the schema up to date.
    pub async fn connect(url: &str) -> anyhow::Result<PostgresStore> {
        Self::connect_with_pool(url, POOL_SIZE, POOL_TIMEOUT).await
    }

    /// [`PostgresStore::connect`] with a pool of `size` connections, a caller waiting `wait`
    /// at most for a free one (past it: [`orgwarden_domain::Error::Unavailable`]).
    pub async fn connect_with_pool(
        url: &str,
        size: usize,
        wait: Duration,
    ) -> anyhow::Result<PostgresStore> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .context("not a PostgreSQL URL (expected postgres://user@host:port/database)")?;
        anyhow::ensure!(
            config.get_ssl_mode() != SslMode::Require,
            "TLS to PostgreSQL is not supported yet: remove sslmode=require from the URL"
        );
        if config.get_application_name().is_none() {
            config.application_name("orgwarden");
        }
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(wait))
            .create_timeout(Some(POOL_TIMEOUT))
            .recycle_timeout(Some(POOL_TIMEOUT))
            .build()
            .context("cannot make the PostgreSQL connection pool")?;
        let mut client = pool.get().await.context("cannot connect to PostgreSQL")?;
        migrate::run(&mut client)
            .await
            .context("cannot bring the PostgreSQL schema up to date")?;
        drop(client);
        let db = Db::new(pool);
        other_writers::watch(config, Arc::downgrade(db.enabled_cache()));
        Ok(PostgresStore { db })
    }

    /// Succeeds when a pooled connection answers a query (for readiness checks).
    pub async fn ping(&self) -> anyhow::Result<()> {
        let client = self.db.client().await?;
        client
            .simple_query("SELECT 1")
            .await
            .context("PostgreSQL did not answer")?;
        Ok(())
    }

    /// Organizations whose enabled connections are kept in memory now (tests use it to see
    /// that the read cache is on).
    pub fn cached_organizations(&self) -> usize {
        self.db.enabled_cache().len()
    }

    /// The connections the pool holds, and how many of them are idle (for metrics).
    pub fn pool_status(&self) -> (usize, usize) {
        let status = self.db.pool().status();
        (status.size, status.available)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_search_path() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3Dtenant_a",
            "postgres://postgres@127.0.0.1:5432/test?options=-c search_path=tenant_a",
        ] {
            let config: tokio_postgres::Config = url.parse().expect("a valid URL");
            assert_eq!(config.get_options(), Some("-c search_path=tenant_a"));
            assert_eq!(config.get_dbname(), Some("test"));
        }
    }

    #[tokio::test]
    async fn tls_is_refused_clearly() {
        let err = PostgresStore::connect("postgres://u@127.0.0.1:1/db?sslmode=require")
            .await
            .expect_err("sslmode=require is refused");
        assert!(err.to_string().contains("TLS"), "{err}");
    }
}
