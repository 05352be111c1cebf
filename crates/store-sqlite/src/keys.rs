//! Token signing keys. At most one is current (a partial unique index says so too).

use async_trait::async_trait;
use orgwarden_domain::keys::SigningKey;
use orgwarden_domain::store::KeyStore;
use orgwarden_domain::Result;
use rusqlite::{params, Connection, Row};
use time::OffsetDateTime;

use crate::columns::{nanos, time_at, time_opt};
use crate::db::DbResult;
use crate::SqliteStore;

fn from_row(row: &Row<'_>) -> rusqlite::Result<SigningKey> {
    Ok(SigningKey {
        kid: row.get(0)?,
        private_pkcs8: row.get(1)?,
        created_at: time_at(row, 2)?,
        current: row.get(3)?,
        revoked_at: time_opt(row, 4)?,
    })
}

fn all(conn: &Connection) -> DbResult<Vec<SigningKey>> {
    let sql = "SELECT kid, private_pkcs8, created_at, current, revoked_at FROM signing_keys
               ORDER BY current DESC, created_at DESC, kid";
    Ok(conn
        .prepare_cached(sql)?
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn add(conn: &Connection, key: &SigningKey, now: OffsetDateTime) -> DbResult<()> {
    if key.current {
        let sql = "UPDATE signing_keys SET current = 0, revoked_at = ?1 WHERE current = 1";
        conn.prepare_cached(sql)?.execute([nanos(now)?])?;
    }
    let sql = "INSERT INTO signing_keys (kid, private_pkcs8, created_at, current, revoked_at)
               VALUES (?1, ?2, ?3, ?4, ?5)";
    let revoked_at = key.revoked_at.map(nanos).transpose()?;
    conn.prepare_cached(sql)?.execute(params![
        key.kid,
        key.private_pkcs8,
        nanos(key.created_at)?,
        key.current,
        revoked_at
    ])?;
    Ok(())
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn signing_keys(&self) -> Result<Vec<SigningKey>> {
        self.db.read(all).await
    }

    async fn add_signing_key(&self, key: SigningKey, now: OffsetDateTime) -> Result<()> {
        self.db.write(move |tx| add(tx, &key, now)).await
    }
}
