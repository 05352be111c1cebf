//! Login artifacts (authorization codes, sessions): one table, keyed by kind and the hash of
//! the secret. A use is one `UPDATE … RETURNING` on the single writer, so two uses of one code
//! never both find it unused.

use async_trait::async_trait;
use orgwarden_domain::login::{Artifact, ArtifactKind};
use orgwarden_domain::store::LoginStore;
use orgwarden_domain::{Error, Result};
use rusqlite::{params, Connection, Row};
use time::OffsetDateTime;

use crate::columns::{nanos, time_at, time_opt};
use crate::db::DbResult;
use crate::SqliteStore;

/// At most this many expired rows are swept per new artifact: bounded work per request.
const SWEEP: i64 = 100;

fn from_row(kind: ArtifactKind, row: &Row<'_>) -> DbResult<Artifact> {
    let payload: String = row.get(1)?;
    Ok(Artifact {
        kind,
        key: row.get(0)?,
        payload: serde_json::from_str(&payload).map_err(|e| Error::Internal(e.into()))?,
        expires_at: time_at(row, 2)?,
        consumed_at: time_opt(row, 3)?,
    })
}

fn put(conn: &Connection, a: &Artifact, now: OffsetDateTime) -> DbResult<()> {
    let sweep = "DELETE FROM login_artifacts WHERE rowid IN
                     (SELECT rowid FROM login_artifacts WHERE expires_at <= ?1 LIMIT +?2)";
    conn.prepare_cached(sweep)?
        .execute(params![nanos(now)?, SWEEP])?;
    let sql = "INSERT INTO login_artifacts (kind, key, payload, expires_at, consumed_at)
               VALUES (?1, ?2, ?3, ?4, ?5)";
    conn.prepare_cached(sql)?.execute(params![
        a.kind.as_str(),
        a.key,
        a.payload.to_string(),
        nanos(a.expires_at)?,
        a.consumed_at.map(nanos).transpose()?,
    ])?;
    Ok(())
}

fn get(
    conn: &Connection,
    kind: ArtifactKind,
    key: &str,
    now: OffsetDateTime,
) -> DbResult<Option<Artifact>> {
    let sql = "SELECT key, payload, expires_at, consumed_at FROM login_artifacts
               WHERE kind = ?1 AND key = ?2 AND expires_at > ?3";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![kind.as_str(), key, nanos(now)?])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_row(kind, row)?)),
        None => Ok(None),
    }
}

fn consume(
    conn: &Connection,
    kind: ArtifactKind,
    key: &str,
    now: OffsetDateTime,
) -> DbResult<Option<Artifact>> {
    let Some(before) = get(conn, kind, key, now)? else {
        return Ok(None);
    };
    if before.consumed_at.is_none() {
        let sql = "UPDATE login_artifacts SET consumed_at = ?3 WHERE kind = ?1 AND key = ?2";
        conn.prepare_cached(sql)?
            .execute(params![kind.as_str(), key, nanos(now)?])?;
    }
    Ok(Some(before))
}

fn delete(conn: &Connection, kind: ArtifactKind, key: &str) -> DbResult<bool> {
    let sql = "DELETE FROM login_artifacts WHERE kind = ?1 AND key = ?2";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![kind.as_str(), key])?
        == 1)
}

fn live(conn: &Connection, now: OffsetDateTime) -> DbResult<Vec<Artifact>> {
    let sql = "SELECT key, payload, expires_at, consumed_at, kind FROM login_artifacts
               WHERE expires_at > ?1 ORDER BY rowid";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![nanos(now)?])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let kind: String = row.get(4)?;
        let kind = ArtifactKind::parse(&kind)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("unknown artifact kind {kind}")))?;
        out.push(from_row(kind, row)?);
    }
    Ok(out)
}

#[async_trait]
impl LoginStore for SqliteStore {
    async fn put_artifact(&self, artifact: Artifact, now: OffsetDateTime) -> Result<()> {
        self.db.write(move |tx| put(tx, &artifact, now)).await
    }

    async fn get_artifact(
        &self,
        kind: ArtifactKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Artifact>> {
        let key = key.to_owned();
        self.db.read(move |c| get(c, kind, &key, now)).await
    }

    async fn consume_artifact(
        &self,
        kind: ArtifactKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Artifact>> {
        let key = key.to_owned();
        self.db.write(move |tx| consume(tx, kind, &key, now)).await
    }

    async fn delete_artifact(&self, kind: ArtifactKind, key: &str) -> Result<bool> {
        let key = key.to_owned();
        self.db.write(move |tx| delete(tx, kind, &key)).await
    }

    async fn live_artifacts(&self, now: OffsetDateTime) -> Result<Vec<Artifact>> {
        self.db.read(move |c| live(c, now)).await
    }
}
