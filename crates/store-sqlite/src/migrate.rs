//! The schema migrations, embedded and applied in order at open. `schema_migrations` records
//! the versions applied; a new migration is a new file and a new line in [`MIGRATIONS`].

use anyhow::Context;
use rusqlite::{params, Connection, TransactionBehavior};
use time::OffsetDateTime;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (
        2,
        include_str!("../migrations/0002_organization_attributes.sql"),
    ),
];

pub(crate) fn run(conn: &mut Connection) -> anyhow::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER NOT NULL PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let current: i64 = tx.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let latest = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    anyhow::ensure!(
        current <= latest,
        "the database schema is at version {current}, newer than this orgwarden knows ({latest})"
    );
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.execute_batch(sql)
            .with_context(|| format!("migration {version} failed"))?;
        let now = i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos())?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, now],
        )?;
        tracing::info!(version, "applied a SQLite schema migration");
    }
    tx.commit()?;
    Ok(())
}
