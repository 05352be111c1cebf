//! The error type of database work, and which PostgreSQL errors are domain errors: violations
//! of the named constraints of `migrations/` (by SQLSTATE and constraint name), and the
//! failures that a transaction may not hit when run again.

use orgwarden_domain::{Error, NotFound};
use tokio_postgres::error::SqlState;

/// Tries of a write transaction that keeps failing on serialization failures or deadlocks.
pub(crate) const ATTEMPTS: u32 = 5;

/// A failure inside database work: a domain error (handed back as is, `Error::Internal` for
/// storage failures), or one that running the transaction again may not hit. Lets `?` work on
/// tokio-postgres and domain results.
pub(crate) enum DbError {
    Domain(Error),
    /// A serialization failure (40001) or a deadlock (40P01).
    Retry(tokio_postgres::Error),
}

pub(crate) type DbResult<T> = std::result::Result<T, DbError>;

impl From<Error> for DbError {
    fn from(e: Error) -> Self {
        DbError::Domain(e)
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        if let Some(code) = e.code() {
            if *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
            {
                return DbError::Retry(e);
            }
        }
        let domain = domain_error(&e);
        DbError::Domain(
            domain.unwrap_or_else(|| Error::Internal(anyhow::Error::new(e).context("PostgreSQL"))),
        )
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Domain(e) => e,
            DbError::Retry(e) => Error::Internal(anyhow::Error::new(e).context(format!(
                "PostgreSQL: the transaction failed {ATTEMPTS} times in a row"
            ))),
        }
    }
}

/// No pooled connection: a timeout (all connections stayed busy, or PostgreSQL was too slow
/// to open or check one) is [`Error::Unavailable`], worth a retry; anything else is internal.
pub(crate) fn pool_error(e: deadpool_postgres::PoolError) -> Error {
    let timeout = matches!(e, deadpool_postgres::PoolError::Timeout(_));
    let e = anyhow::Error::new(e).context("no PostgreSQL connection");
    if timeout {
        Error::Unavailable(e)
    } else {
        Error::Internal(e)
    }
}

/// Makes the domain error of a constraint.
type Conflict = fn() -> Error;

/// Unique constraints whose violation is a domain conflict.
const UNIQUE: &[(&str, Conflict)] = &[
    ("organizations_name_key", Error::organization_name_taken),
    ("connections_name_key", Error::connection_name_taken),
    (
        "organization_connections_pkey",
        Error::connection_already_enabled,
    ),
    (
        "organization_client_grants_org_id_grant_id_key",
        Error::organization_grant_exists,
    ),
    (
        "client_grants_client_id_audience_key",
        Error::client_grant_exists,
    ),
    ("users_email_key", Error::user_exists),
    (
        "discovery_domains_org_id_domain_key",
        Error::discovery_domain_taken,
    ),
    ("users_username_key", Error::user_exists),
    (
        "resource_servers_identifier_key",
        Error::resource_server_identifier_taken,
    ),
];

/// Foreign keys whose violation (an insert naming a row deleted meanwhile) is a NotFound.
const FOREIGN_KEYS: &[(&str, NotFound)] = &[
    (
        "organization_connections_org_id_fkey",
        NotFound::Organization,
    ),
    (
        "organization_connections_connection_id_fkey",
        NotFound::Connection,
    ),
    ("client_grants_client_id_fkey", NotFound::Client),
    ("users_connection_id_fkey", NotFound::Connection),
    ("organization_members_org_id_fkey", NotFound::Organization),
    ("organization_members_user_id_fkey", NotFound::User),
    ("invitations_org_id_fkey", NotFound::Organization),
    ("discovery_domains_org_id_fkey", NotFound::Organization),
    ("invitations_client_id_fkey", NotFound::Client),
    ("invitations_connection_id_fkey", NotFound::Connection),
    (
        "organization_client_grants_org_id_fkey",
        NotFound::Organization,
    ),
    (
        "organization_client_grants_grant_id_fkey",
        NotFound::ClientGrant,
    ),
];

fn domain_error(e: &tokio_postgres::Error) -> Option<Error> {
    let db = e.as_db_error()?;
    let constraint = db.constraint()?;
    if *db.code() == SqlState::UNIQUE_VIOLATION {
        UNIQUE
            .iter()
            .find(|(name, _)| *name == constraint)
            .map(|(_, error)| error())
    } else if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
        FOREIGN_KEYS
            .iter()
            .find(|(name, _)| *name == constraint)
            .map(|(_, kind)| Error::NotFound(*kind))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapped_constraints_are_the_schemas() {
        let schema = crate::migrate::MIGRATIONS
            .iter()
            .map(|(_, sql)| *sql)
            .collect::<Vec<_>>()
            .concat();
        let names = UNIQUE
            .iter()
            .map(|(n, _)| *n)
            .chain(FOREIGN_KEYS.iter().map(|(n, _)| *n));
        for name in names {
            // A unique index on an expression (a lowercased username) cannot be a constraint.
            assert!(
                schema.contains(&format!("CONSTRAINT {name} "))
                    || schema.contains(&format!("UNIQUE INDEX {name} ")),
                "{name} is a constraint of the schema"
            );
        }
    }
}
