//! Login artifacts (authorization codes, sessions): one table, keyed by kind and the hash of
//! the secret. A use locks the row first, so of two concurrent uses of one code (on any two
//! instances) the second waits and then sees the first.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use orgwarden_domain::login::{Artifact, ArtifactKind};
use orgwarden_domain::store::LoginStore;
use orgwarden_domain::Result;
use time::OffsetDateTime;
use tokio_postgres::Row;

use crate::db::{execute, query, query_opt};
use crate::errors::DbResult;
use crate::PostgresStore;

/// At most this many expired rows are swept per new artifact: bounded work per request.
const SWEEP: i64 = 100;

const SELECT: &str = "SELECT key, payload, expires_at, consumed_at FROM login_artifacts
                      WHERE kind = $1 AND key = $2 AND expires_at > $3";

fn from_row(kind: ArtifactKind, row: &Row) -> Result<Artifact, tokio_postgres::Error> {
    Ok(Artifact {
        kind,
        key: row.try_get(0)?,
        payload: row.try_get(1)?,
        expires_at: row.try_get(2)?,
        consumed_at: row.try_get(3)?,
    })
}

async fn put(tx: &Transaction<'_>, a: Artifact, now: OffsetDateTime) -> DbResult<()> {
    // Rows another instance is sweeping are skipped, not waited for.
    let sweep = "DELETE FROM login_artifacts WHERE (kind, key) IN
                     (SELECT kind, key FROM login_artifacts WHERE expires_at <= $1
                      LIMIT $2 FOR UPDATE SKIP LOCKED)";
    execute(tx, sweep, &[&now, &SWEEP]).await?;
    let sql = "INSERT INTO login_artifacts (kind, key, payload, expires_at, consumed_at)
               VALUES ($1, $2, $3, $4, $5)";
    execute(
        tx,
        sql,
        &[
            &a.kind.as_str(),
            &a.key,
            &a.payload,
            &a.expires_at,
            &a.consumed_at,
        ],
    )
    .await?;
    Ok(())
}

async fn get(
    c: &impl GenericClient,
    kind: ArtifactKind,
    key: &str,
    now: OffsetDateTime,
) -> DbResult<Option<Artifact>> {
    Ok(query_opt(c, SELECT, &[&kind.as_str(), &key, &now])
        .await?
        .map(|r| from_row(kind, &r))
        .transpose()?)
}

async fn consume(
    tx: &Transaction<'_>,
    kind: ArtifactKind,
    key: String,
    now: OffsetDateTime,
) -> DbResult<Option<Artifact>> {
    let sql = format!("{SELECT} FOR UPDATE");
    let Some(row) = query_opt(tx, &sql, &[&kind.as_str(), &key, &now]).await? else {
        return Ok(None);
    };
    let before = from_row(kind, &row)?;
    if before.consumed_at.is_none() {
        let sql = "UPDATE login_artifacts SET consumed_at = $3 WHERE kind = $1 AND key = $2";
        execute(tx, sql, &[&kind.as_str(), &key, &now]).await?;
    }
    Ok(Some(before))
}

async fn delete(tx: &Transaction<'_>, kind: ArtifactKind, key: String) -> DbResult<bool> {
    let sql = "DELETE FROM login_artifacts WHERE kind = $1 AND key = $2";
    Ok(execute(tx, sql, &[&kind.as_str(), &key]).await? == 1)
}

async fn live(c: &impl GenericClient, now: OffsetDateTime) -> DbResult<Vec<Artifact>> {
    let sql = "SELECT key, payload, expires_at, consumed_at, kind FROM login_artifacts
               WHERE expires_at > $1 ORDER BY expires_at, kind, key";
    let mut out = Vec::new();
    for row in query(c, sql, &[&now]).await? {
        let kind: String = row.try_get(4)?;
        let kind = ArtifactKind::parse(&kind).ok_or_else(|| {
            orgwarden_domain::Error::Internal(anyhow::anyhow!("unknown artifact kind {kind}"))
        })?;
        out.push(from_row(kind, &row)?);
    }
    Ok(out)
}

#[async_trait]
impl LoginStore for PostgresStore {
    async fn put_artifact(&self, artifact: Artifact, now: OffsetDateTime) -> Result<()> {
        self.db
            .write(|tx| Box::pin(put(tx, artifact.clone(), now)))
            .await
    }

    async fn get_artifact(
        &self,
        kind: ArtifactKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Artifact>> {
        let client = self.db.client().await?;
        Ok(get(&client, kind, key, now).await?)
    }

    async fn consume_artifact(
        &self,
        kind: ArtifactKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Artifact>> {
        self.db
            .write(|tx| Box::pin(consume(tx, kind, key.to_owned(), now)))
            .await
    }

    async fn delete_artifact(&self, kind: ArtifactKind, key: &str) -> Result<bool> {
        self.db
            .write(|tx| Box::pin(delete(tx, kind, key.to_owned())))
            .await
    }

    async fn live_artifacts(&self, now: OffsetDateTime) -> Result<Vec<Artifact>> {
        let client = self.db.client().await?;
        Ok(live(&client, now).await?)
    }
}
