//! Token signing keys. At most one is current (a partial unique index says so too).

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use orgwarden_domain::keys::{Revocation, SigningKey};
use orgwarden_domain::store::KeyStore;
use orgwarden_domain::{Error, NotFound, Result};
use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::db::{execute, query, query_opt};
use crate::errors::DbResult;
use crate::PostgresStore;

const SELECT: &str =
    "SELECT kid, private_key, created_at, current, rotated_at, revoked_at FROM signing_keys";

fn from_row(row: &Row) -> Result<SigningKey, tokio_postgres::Error> {
    Ok(SigningKey {
        kid: row.try_get(0)?,
        private_key: row.try_get(1)?,
        created_at: row.try_get(2)?,
        current: row.try_get(3)?,
        rotated_at: row.try_get(4)?,
        revoked_at: row.try_get(5)?,
    })
}

async fn all(c: &impl GenericClient) -> DbResult<Vec<SigningKey>> {
    let sql = format!("{SELECT} ORDER BY current DESC, created_at DESC, kid");
    Ok(query(c, &sql, &[])
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?)
}

/// A current key replaces the current one, which is rotated out at `now`. Rotations take a
/// table lock (one that does not stop readers), so two at once do not both find no current key.
async fn add(tx: &Transaction<'_>, key: SigningKey, now: OffsetDateTime) -> DbResult<()> {
    if key.current {
        execute(
            tx,
            "LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE",
            &[],
        )
        .await?;
        let sql = "UPDATE signing_keys SET current = FALSE, rotated_at = $1 WHERE current";
        execute(tx, sql, &[&now]).await?;
    }
    let sql = "INSERT INTO signing_keys
                   (kid, private_key, created_at, current, rotated_at, revoked_at)
               VALUES ($1, $2, $3, $4, $5, $6)";
    execute(
        tx,
        sql,
        &[
            &key.kid,
            &key.private_key,
            &key.created_at,
            &key.current,
            &key.rotated_at,
            &key.revoked_at,
        ],
    )
    .await?;
    Ok(())
}

/// The key's row is locked first, so a revocation and a rotation do not interleave.
async fn revoke(tx: &Transaction<'_>, kid: String, now: OffsetDateTime) -> DbResult<Revocation> {
    let sql = format!("{SELECT} WHERE kid = $1 FOR UPDATE");
    let row = query_opt(tx, &sql, &[&kid])
        .await?
        .ok_or(Error::NotFound(NotFound::SigningKey))?;
    let key = from_row(&row)?;
    if key.current {
        return Ok(Revocation::Current);
    }
    if key.revoked_at.is_some() {
        return Ok(Revocation::AlreadyRevoked(key));
    }
    let sql = "UPDATE signing_keys SET revoked_at = $2 WHERE kid = $1";
    execute(tx, sql, &[&kid, &now]).await?;
    Ok(Revocation::Revoked(SigningKey {
        revoked_at: Some(now),
        ..key
    }))
}

async fn replace(tx: &Transaction<'_>, kid: String, old: Vec<u8>, new: Vec<u8>) -> DbResult<bool> {
    let sql = "UPDATE signing_keys SET private_key = $3 WHERE kid = $1 AND private_key = $2";
    Ok(execute(tx, sql, &[&kid, &old, &new]).await? == 1)
}

#[async_trait]
impl KeyStore for PostgresStore {
    async fn signing_keys(&self) -> Result<Vec<SigningKey>> {
        let client = self.db.client().await?;
        Ok(all(&client).await?)
    }

    async fn add_signing_key(&self, key: SigningKey, now: OffsetDateTime) -> Result<()> {
        self.db
            .write(|tx| Box::pin(add(tx, key.clone(), now)))
            .await
    }

    async fn revoke_signing_key(&self, kid: &str, now: OffsetDateTime) -> Result<Revocation> {
        self.db
            .write(|tx| Box::pin(revoke(tx, kid.to_owned(), now)))
            .await
    }

    /// The old row version stays in PostgreSQL's files until it is vacuumed (those files are
    /// readable by the database's own user only).
    async fn replace_private_key(&self, kid: &str, old: &[u8], new: Vec<u8>) -> Result<bool> {
        self.db
            .write(|tx| Box::pin(replace(tx, kid.to_owned(), old.to_vec(), new.clone())))
            .await
    }
}
