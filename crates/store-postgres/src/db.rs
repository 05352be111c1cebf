//! The connection pool, the transactions the stores' work runs in, and query helpers that go
//! through each connection's statement cache.
//!
//! Writes run in READ COMMITTED transactions (set explicitly, whatever the server's default):
//! the rules that need atomicity lock the rows they depend on (`FOR UPDATE`) or lean on a
//! constraint, and each statement after a lock sees what was committed before it was granted.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{GenericClient, Object, Pool, Transaction};
use orgwarden_domain::enabled_cache::EnabledCache;
use orgwarden_domain::{Error, Result};
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, Row};

use crate::errors::{DbError, DbResult, ATTEMPTS};

/// Database work in a transaction, as a boxed future borrowing the transaction.
pub(crate) type Work<'a, T> = Pin<Box<dyn Future<Output = DbResult<T>> + Send + 'a>>;

pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

#[derive(Clone)]
pub(crate) struct Db {
    pool: Pool,
    /// The guide's call, kept true: every write here invalidates it before it is acknowledged,
    /// and `other_writers` watches for everyone else's.
    enabled_cache: Arc<EnabledCache>,
}

impl Db {
    /// The cache keeps nothing until a watcher of other writers turns it on.
    pub(crate) fn new(pool: Pool) -> Self {
        let enabled_cache = EnabledCache::default();
        enabled_cache.set_enabled(false);
        Db {
            pool,
            enabled_cache: Arc::new(enabled_cache),
        }
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(crate) fn enabled_cache(&self) -> &Arc<EnabledCache> {
        &self.enabled_cache
    }

    /// A pooled connection, for reads that need no transaction.
    pub(crate) async fn client(&self) -> Result<Object> {
        self.pool.get().await.map_err(crate::errors::pool_error)
    }

    /// Runs `work` in a READ COMMITTED transaction, committed if it succeeds. A serialization
    /// failure or a deadlock rolls it back and runs it again, up to [`ATTEMPTS`] times.
    pub(crate) async fn write<T, F>(&self, mut work: F) -> Result<T>
    where
        T: Send,
        F: for<'a> FnMut(&'a Transaction<'a>) -> Work<'a, T> + Send,
    {
        // Dropped last, once the transaction has ended however it ended, before the caller
        // hears of it: a read that starts after this sees the commit, and no read from before
        // it is kept. A caller that stops waiting drops it too; if its commit lands after that,
        // the watcher of other writers sees it in the log.
        let _invalidate = InvalidateOnDrop(&self.enabled_cache);
        let mut client = self.client().await?;
        let mut attempt = 1;
        loop {
            match once(&mut client, Mode::Write, &mut work).await {
                Err(DbError::Retry(e)) if attempt < ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "running a PostgreSQL transaction again");
                    tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt))).await;
                    attempt += 1;
                }
                out => return out.map_err(Error::from),
            }
        }
    }

    /// Runs `work` in a read-only REPEATABLE READ transaction: its queries see one snapshot
    /// (a page and its total agree).
    pub(crate) async fn snapshot<T, F>(&self, mut work: F) -> Result<T>
    where
        T: Send,
        F: for<'a> FnMut(&'a Transaction<'a>) -> Work<'a, T> + Send,
    {
        let mut client = self.client().await?;
        Ok(once(&mut client, Mode::Snapshot, &mut work).await?)
    }
}

struct InvalidateOnDrop<'a>(&'a EnabledCache);

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

/// The kinds of transaction.
enum Mode {
    /// READ COMMITTED, read-write.
    Write,
    /// REPEATABLE READ, read-only.
    Snapshot,
}

async fn once<T, F>(client: &mut Object, mode: Mode, work: &mut F) -> DbResult<T>
where
    F: for<'a> FnMut(&'a Transaction<'a>) -> Work<'a, T>,
{
    let (isolation, read_only) = match mode {
        Mode::Write => (IsolationLevel::ReadCommitted, false),
        Mode::Snapshot => (IsolationLevel::RepeatableRead, true),
    };
    let tx = client
        .build_transaction()
        .isolation_level(isolation)
        .read_only(read_only)
        .start()
        .await?;
    match work(&tx).await {
        Ok(out) => {
            tx.commit().await?;
            Ok(out)
        }
        Err(e) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::debug!(error = %rollback, "a PostgreSQL rollback failed");
            }
            Err(e)
        }
    }
}

pub(crate) async fn query(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> DbResult<Vec<Row>> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query(&statement, params).await?)
}

pub(crate) async fn query_opt(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> DbResult<Option<Row>> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&statement, params).await?)
}

pub(crate) async fn query_one(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> DbResult<Row> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.query_one(&statement, params).await?)
}

/// The number of rows changed.
pub(crate) async fn execute(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> DbResult<u64> {
    let statement = c.prepare_cached(sql).await?;
    Ok(c.execute(&statement, params).await?)
}

#[cfg(test)]
mod tests {
    use deadpool_postgres::{Manager, Runtime};
    use tokio_postgres::NoTls;

    use super::*;

    /// A statement failing with SQLSTATE `code`, as PostgreSQL reports its own failures.
    fn failing(code: &str) -> String {
        format!("DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{code}'; END $$")
    }

    fn db() -> Option<Db> {
        db_waiting(None)
    }

    /// A pool of one connection; a caller waits `wait` for it at most (`None`: forever).
    fn db_waiting(wait: Option<Duration>) -> Option<Db> {
        let url = orgwarden_test_services::postgres_url("PostgreSQL pool")?;
        let manager = Manager::new(url.parse().expect("a PostgreSQL URL"), NoTls);
        let pool = Pool::builder(manager)
            .max_size(1)
            .wait_timeout(wait)
            .runtime(Runtime::Tokio1)
            .build()
            .expect("a pool");
        Some(Db::new(pool))
    }

    #[tokio::test]
    async fn a_pool_that_stays_busy_is_unavailable_not_internal() {
        let Some(db) = db_waiting(Some(Duration::from_millis(100))) else {
            return;
        };
        let held = db.client().await.expect("the one connection");
        let read = db.client().await;
        assert!(
            matches!(read, Err(Error::Unavailable(_))),
            "{:?}",
            read.err()
        );
        let write = db
            .write(|tx| Box::pin(async move { execute(tx, "SELECT 1", &[]).await }))
            .await;
        assert!(matches!(write, Err(Error::Unavailable(_))), "{write:?}");
        drop(held);
        let again = db.client().await;
        assert!(
            again.is_ok(),
            "free again once given back: {:?}",
            again.err()
        );
    }

    #[tokio::test]
    async fn serialization_failures_and_deadlocks_are_run_again() {
        let Some(db) = db() else { return };
        for code in ["40001", "40P01"] {
            let mut runs = 0;
            let out = db
                .write(|tx| {
                    runs += 1;
                    let fail = runs < ATTEMPTS;
                    Box::pin(async move {
                        if fail {
                            execute(tx, &failing(code), &[]).await?;
                        }
                        Ok(runs)
                    })
                })
                .await;
            assert_eq!(out.ok(), Some(ATTEMPTS), "{code}: the last try succeeds");
        }
        let out = db
            .write(|tx| Box::pin(async move { execute(tx, &failing("40001"), &[]).await }))
            .await;
        assert!(
            matches!(out, Err(Error::Internal(_))),
            "after {ATTEMPTS} failures: {out:?}"
        );
    }
}
