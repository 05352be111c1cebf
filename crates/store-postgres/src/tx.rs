//! The domain's operations (`orgwarden_domain::rules`) run on PostgreSQL: [`Pg`] implements
//! their transaction interfaces with this crate's SQL, on a transaction (for writes and
//! snapshots) or a pooled connection (for single reads).

use orgwarden_domain::rules::Tx;

use crate::errors::DbError;

/// A transaction or a connection seen as the domain's transaction interfaces. Its failures keep
/// the "run the transaction again" kind, so [`crate::db::Db::write`] still retries them.
pub(crate) struct Pg<'a, C>(pub(crate) &'a C);

impl<C> Tx for Pg<'_, C> {
    type Error = DbError;
}
