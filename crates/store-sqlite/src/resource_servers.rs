//! Resource servers: the SQL of the domain's `ResourceServersTx` (its rules are in
//! `orgwarden_domain::rules::resource_servers`), and the reads.

use async_trait::async_trait;
use orgwarden_domain::paging::Listing;
use orgwarden_domain::resource_server::{
    ResourceServer, ResourceServerId, ResourceServerPatch, Settings,
};
use orgwarden_domain::rules::resource_servers::{self, ResourceServersTx};
use orgwarden_domain::store::ResourceServerStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, OptionalExtension, Row};

use crate::columns::unique_violation;
use crate::db::{DbError, DbResult};
use crate::tx::{run, Sql};
use crate::SqliteStore;

const COLUMNS: &str = "id, identifier, name, settings";

/// The row, with its settings document still to read (that can fail as a domain error).
fn from_row(row: &Row<'_>) -> rusqlite::Result<(String, String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn to_model(
    (id, identifier, name, settings): (String, String, String, String),
) -> DbResult<ResourceServer> {
    let doc = serde_json::from_str(&settings)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored settings are not JSON: {e}")))?;
    Ok(ResourceServer {
        id: ResourceServerId::from_trusted(id),
        identifier,
        name,
        is_system: false,
        settings: Settings::from_document(doc)?,
    })
}

fn find(conn: &rusqlite::Connection, key: &str) -> DbResult<Option<ResourceServer>> {
    let sql = format!("SELECT {COLUMNS} FROM resource_servers WHERE id = ?1 OR identifier = ?1");
    conn.prepare_cached(&sql)?
        .query_row([key], from_row)
        .optional()?
        .map(to_model)
        .transpose()
}

impl ResourceServersTx for Sql<'_> {
    async fn insert_resource_server(&self, rs: &ResourceServer) -> DbResult<()> {
        let sql = format!("INSERT INTO resource_servers ({COLUMNS}) VALUES (?1, ?2, ?3, ?4)");
        self.0
            .prepare_cached(&sql)?
            .execute(params![
                rs.id.as_str(),
                rs.identifier,
                rs.name,
                rs.settings.to_document().to_string(),
            ])
            .map_err(|e| match unique_violation(&e) {
                Some("resource_servers.identifier") => {
                    Error::resource_server_identifier_taken().into()
                }
                _ => DbError::from(e),
            })?;
        Ok(())
    }

    /// The writer's transaction keeps every other writer out: a plain read.
    async fn find_resource_server_to_update(
        &self,
        id: &ResourceServerId,
    ) -> DbResult<Option<ResourceServer>> {
        find(self.0, id.as_str())
    }

    async fn update_resource_server(&self, rs: &ResourceServer) -> DbResult<()> {
        self.0
            .prepare_cached("UPDATE resource_servers SET name = ?2, settings = ?3 WHERE id = ?1")?
            .execute(params![
                rs.id.as_str(),
                rs.name,
                rs.settings.to_document().to_string()
            ])?;
        Ok(())
    }

    async fn delete_resource_server(&self, id: &ResourceServerId) -> DbResult<()> {
        self.0
            .prepare_cached("DELETE FROM resource_servers WHERE id = ?1")?
            .execute([id.as_str()])?;
        Ok(())
    }

    async fn delete_grants_on(&self, audience: &str) -> DbResult<()> {
        self.0
            .prepare_cached("DELETE FROM client_grants WHERE audience = ?1")?
            .execute([audience])?;
        self.0
            .prepare_cached("DELETE FROM role_permissions WHERE resource_server_identifier = ?1")?
            .execute([audience])?;
        self.0
            .prepare_cached("DELETE FROM user_permissions WHERE resource_server_identifier = ?1")?
            .execute([audience])?;
        Ok(())
    }
}

#[async_trait]
impl ResourceServerStore for SqliteStore {
    async fn create_resource_server(&self, rs: ResourceServer) -> Result<ResourceServer> {
        self.db
            .write(move |tx| run(resource_servers::create(&Sql(tx), rs)))
            .await
    }

    async fn get_resource_server(&self, id_or_identifier: &str) -> Result<ResourceServer> {
        let key = id_or_identifier.to_owned();
        self.db
            .read_now(move |conn| {
                find(conn, &key)?.ok_or(DbError(Error::NotFound(NotFound::ResourceServer)))
            })
            .await
    }

    async fn list_resource_servers(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<Listing<ResourceServer>> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                let total: u64 =
                    tx.query_row("SELECT count(*) FROM resource_servers", [], |r| r.get(0))?;
                let sql = format!(
                    "SELECT {COLUMNS} FROM resource_servers ORDER BY seq LIMIT +?1 OFFSET +?2"
                );
                let rows = tx
                    .prepare_cached(&sql)?
                    .query_map(params![i64::from(limit), offset], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let items = rows.into_iter().map(to_model).collect::<DbResult<_>>()?;
                Ok(Listing::offset(items, total))
            })
            .await
    }

    async fn update_resource_server(
        &self,
        id: &ResourceServerId,
        patch: ResourceServerPatch,
    ) -> Result<ResourceServer> {
        let id = id.clone();
        self.db
            .write(move |tx| run(resource_servers::update(&Sql(tx), &id, patch)))
            .await
    }

    async fn delete_resource_server(&self, id: &ResourceServerId) -> Result<bool> {
        let id = id.clone();
        self.db
            .write(move |tx| run(resource_servers::delete(&Sql(tx), &id)))
            .await
    }
}
