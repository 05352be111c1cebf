//! The domain's operations (`orgwarden_domain::rules`) run on a SQLite connection: [`Sql`]
//! implements their transaction interfaces with synchronous rusqlite calls, and [`run`] drives
//! an operation to its end on the calling (blocking) thread.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use orgwarden_domain::rules::Tx;
use orgwarden_domain::Error;

use crate::db::{DbError, DbResult};

/// A connection (or the writer's transaction) seen as the domain's transaction interfaces.
pub(crate) struct Sql<'a>(pub(crate) &'a rusqlite::Connection);

impl Tx for Sql<'_> {
    type Error = DbError;
}

/// Runs an operation over [`Sql`] to its end. Every method of [`Sql`] finishes without waiting,
/// so the operation is ready on its first poll; one that is not is a bug, reported as an
/// internal error rather than a hang.
pub(crate) fn run<T>(operation: impl Future<Output = DbResult<T>>) -> DbResult<T> {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(operation).poll(&mut context) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(DbError(Error::Internal(anyhow::anyhow!(
            "a SQLite operation waited for something: its work is synchronous"
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_work_gives_its_result() {
        assert!(matches!(run(async { Ok(7) }), Ok(7)));
    }

    #[test]
    fn work_that_waits_is_an_internal_error() {
        let out = run(async {
            std::future::pending::<()>().await;
            Ok(())
        });
        assert!(matches!(out, Err(DbError(Error::Internal(_)))));
    }
}
