//! The schema migrations, embedded and applied in order at connect, in the first schema of the
//! connection's `search_path`. `schema_migrations` records the versions applied; a new
//! migration is a new file and a new line in [`MIGRATIONS`].
//!
//! Instances starting together do not both apply a migration: the migration transaction first
//! takes an advisory lock (per schema), so the others wait, then find the versions applied.

use anyhow::Context;
use deadpool_postgres::Object;
use tokio_postgres::IsolationLevel;

pub(crate) const MIGRATIONS: &[(i64, &str)] = &[
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

/// The first key of the advisory lock ("owmg"); the second is a hash of the schema's name.
const LOCK_CLASS: i32 = 0x6f77_6d67;

pub(crate) async fn run(client: &mut Object) -> anyhow::Result<()> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
        .await?;
    let schema: Option<String> = tx
        .query_one("SELECT current_schema()", &[])
        .await?
        .try_get(0)?;
    let schema = schema.context(
        "no schema of the search_path exists: create it, or fix `options=-c search_path=…` in the URL",
    )?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&LOCK_CLASS, &schema],
    )
    .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    bigint      NOT NULL PRIMARY KEY,
             applied_at timestamptz NOT NULL
         )",
    )
    .await?;
    let current: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
            &[],
        )
        .await?
        .try_get(0)?;
    let latest = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    anyhow::ensure!(
        current <= latest,
        "the database schema {schema} is at version {current}, newer than this orgwarden knows ({latest})"
    );
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)
            .await
            .with_context(|| format!("migration {version} failed"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())",
            &[version],
        )
        .await?;
        tracing::info!(version, schema, "applied a PostgreSQL schema migration");
    }
    tx.commit().await?;
    Ok(())
}
