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
    (
        3,
        include_str!("../migrations/0003_signing_key_revocation.sql"),
    ),
    (4, include_str!("../migrations/0004_resource_servers.sql")),
    (
        5,
        include_str!("../migrations/0005_organization_client_grants.sql"),
    ),
    (6, include_str!("../migrations/0006_users.sql")),
    (
        7,
        include_str!("../migrations/0007_organization_members.sql"),
    ),
    (8, include_str!("../migrations/0008_roles.sql")),
    (9, include_str!("../migrations/0009_invitations.sql")),
    (10, include_str!("../migrations/0010_discovery_domains.sql")),
    (11, include_str!("../migrations/0011_user_permissions.sql")),
    (12, include_str!("../migrations/0012_login_artifacts.sql")),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// kid, private key, rotated_at, revoked_at.
    type KeyRow = (String, Vec<u8>, Option<i64>, Option<i64>);

    /// A database from before migration 3: its rotated-out keys carry `revoked_at`.
    #[test]
    fn rotated_keys_of_an_older_database_become_rotated_not_revoked() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY,
                                             applied_at INTEGER NOT NULL);
             INSERT INTO schema_migrations VALUES (1, 0), (2, 0);",
        )
        .unwrap();
        for (_, sql) in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO signing_keys (kid, private_pkcs8, created_at, current, revoked_at)
             VALUES ('old', x'3082', 1, 0, 5), ('new', x'3083', 4, 1, NULL)",
        )
        .unwrap();

        run(&mut conn).unwrap();

        let rows: Vec<KeyRow> = conn
            .prepare(
                "SELECT kid, private_key, rotated_at, revoked_at FROM signing_keys ORDER BY kid",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                ("new".into(), vec![0x30, 0x83], None, None),
                ("old".into(), vec![0x30, 0x82], Some(5), None),
            ]
        );
    }
}
