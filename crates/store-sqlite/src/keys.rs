//! Token signing keys. At most one is current (a partial unique index says so too).

use async_trait::async_trait;
use orgwarden_domain::keys::{Revocation, SigningKey};
use orgwarden_domain::store::KeyStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use crate::columns::{nanos, time_at, time_opt};
use crate::db::DbResult;
use crate::SqliteStore;

const COLUMNS: &str = "kid, private_key, created_at, current, rotated_at, revoked_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<SigningKey> {
    Ok(SigningKey {
        kid: row.get(0)?,
        private_key: row.get(1)?,
        created_at: time_at(row, 2)?,
        current: row.get(3)?,
        rotated_at: time_opt(row, 4)?,
        revoked_at: time_opt(row, 5)?,
    })
}

fn all(conn: &Connection) -> DbResult<Vec<SigningKey>> {
    let sql =
        format!("SELECT {COLUMNS} FROM signing_keys ORDER BY current DESC, created_at DESC, kid");
    Ok(conn
        .prepare_cached(&sql)?
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn one(conn: &Connection, kid: &str) -> DbResult<Option<SigningKey>> {
    let sql = format!("SELECT {COLUMNS} FROM signing_keys WHERE kid = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([kid], from_row)
        .optional()?)
}

fn add(conn: &Connection, key: &SigningKey, now: OffsetDateTime) -> DbResult<()> {
    if key.current {
        let sql = "UPDATE signing_keys SET current = 0, rotated_at = ?1 WHERE current = 1";
        conn.prepare_cached(sql)?.execute([nanos(now)?])?;
    }
    let sql = format!("INSERT INTO signing_keys ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    conn.prepare_cached(&sql)?.execute(params![
        key.kid,
        key.private_key,
        nanos(key.created_at)?,
        key.current,
        key.rotated_at.map(nanos).transpose()?,
        key.revoked_at.map(nanos).transpose()?,
    ])?;
    Ok(())
}

fn revoke(conn: &Connection, kid: &str, now: OffsetDateTime) -> DbResult<Revocation> {
    let key = one(conn, kid)?.ok_or(Error::NotFound(NotFound::SigningKey))?;
    if key.current {
        return Ok(Revocation::Current);
    }
    if key.revoked_at.is_some() {
        return Ok(Revocation::AlreadyRevoked(key));
    }
    let sql = "UPDATE signing_keys SET revoked_at = ?2 WHERE kid = ?1";
    conn.prepare_cached(sql)?
        .execute(params![kid, nanos(now)?])?;
    Ok(Revocation::Revoked(SigningKey {
        revoked_at: Some(now),
        ..key
    }))
}

fn replace(conn: &Connection, kid: &str, old: &[u8], new: &[u8]) -> DbResult<bool> {
    let sql = "UPDATE signing_keys SET private_key = ?3 WHERE kid = ?1 AND private_key = ?2";
    Ok(conn.prepare_cached(sql)?.execute(params![kid, old, new])? == 1)
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn signing_keys(&self) -> Result<Vec<SigningKey>> {
        self.db.read(all).await
    }

    async fn add_signing_key(&self, key: SigningKey, now: OffsetDateTime) -> Result<()> {
        self.db.write(move |tx| add(tx, &key, now)).await
    }

    async fn revoke_signing_key(&self, kid: &str, now: OffsetDateTime) -> Result<Revocation> {
        let kid = kid.to_owned();
        self.db.write(move |tx| revoke(tx, &kid, now)).await
    }

    /// The writer deletes securely (freed pages are zeroed), and the write-ahead log is
    /// checkpointed and truncated afterwards, so the old bytes are left neither in the database
    /// file nor in its `-wal`.
    async fn replace_private_key(&self, kid: &str, old: &[u8], new: Vec<u8>) -> Result<bool> {
        let (kid, old) = (kid.to_owned(), old.to_vec());
        let replaced = self
            .db
            .write(move |tx| replace(tx, &kid, &old, &new))
            .await?;
        if replaced {
            self.db.checkpoint().await?;
        }
        Ok(replaced)
    }
}
