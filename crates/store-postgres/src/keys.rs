//! Token signing keys. At most one is current (a partial unique index says so too).

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use orgwarden_domain::keys::SigningKey;
use orgwarden_domain::store::KeyStore;
use orgwarden_domain::Result;
use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::db::{execute, query};
use crate::errors::DbResult;
use crate::PostgresStore;

fn from_row(row: &Row) -> Result<SigningKey, tokio_postgres::Error> {
    Ok(SigningKey {
        kid: row.try_get(0)?,
        private_pkcs8: row.try_get(1)?,
        created_at: row.try_get(2)?,
        current: row.try_get(3)?,
        revoked_at: row.try_get(4)?,
    })
}

async fn all(c: &impl GenericClient) -> DbResult<Vec<SigningKey>> {
    let sql = "SELECT kid, private_pkcs8, created_at, current, revoked_at FROM signing_keys
               ORDER BY current DESC, created_at DESC, kid";
    Ok(query(c, sql, &[])
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?)
}

/// A current key replaces the current one, which is revoked at `now`. Rotations take a table
/// lock (one that does not stop readers), so two at once do not both find no current key.
async fn add(tx: &Transaction<'_>, key: SigningKey, now: OffsetDateTime) -> DbResult<()> {
    if key.current {
        execute(
            tx,
            "LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE",
            &[],
        )
        .await?;
        let sql = "UPDATE signing_keys SET current = FALSE, revoked_at = $1 WHERE current";
        execute(tx, sql, &[&now]).await?;
    }
    let sql = "INSERT INTO signing_keys (kid, private_pkcs8, created_at, current, revoked_at)
               VALUES ($1, $2, $3, $4, $5)";
    execute(
        tx,
        sql,
        &[
            &key.kid,
            &key.private_pkcs8,
            &key.created_at,
            &key.current,
            &key.revoked_at,
        ],
    )
    .await?;
    Ok(())
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
}
