//! Resource servers: the SQL of the domain's `ResourceServersTx` (its rules are in
//! `orgwarden_domain::rules::resource_servers`), and the reads.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::paging::Listing;
use orgwarden_domain::resource_server::{
    ResourceServer, ResourceServerId, ResourceServerPatch, Settings,
};
use orgwarden_domain::rules::resource_servers::{self, ResourceServersTx};
use orgwarden_domain::store::ResourceServerStore;
use orgwarden_domain::{Error, NotFound, Result};
use serde_json::Value;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::db::{execute, query, query_one, query_opt};
use crate::errors::DbResult;
use crate::tx::Pg;
use crate::PostgresStore;

const COLUMNS: &str = "id, identifier, name, settings";

fn from_row(row: &Row) -> DbResult<ResourceServer> {
    let Json(doc): Json<Value> = row.try_get(3)?;
    Ok(ResourceServer {
        id: ResourceServerId::from_trusted(row.try_get(0)?),
        identifier: row.try_get(1)?,
        name: row.try_get(2)?,
        is_system: false,
        settings: Settings::from_document(doc)?,
    })
}

async fn find(c: &impl GenericClient, key: &str, lock: &str) -> DbResult<Option<ResourceServer>> {
    let sql =
        format!("SELECT {COLUMNS} FROM resource_servers WHERE id = $1 OR identifier = $1 {lock}");
    query_opt(c, &sql, &[&key])
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

impl<C: GenericClient> ResourceServersTx for Pg<'_, C> {
    async fn insert_resource_server(&self, rs: &ResourceServer) -> DbResult<()> {
        let sql = format!("INSERT INTO resource_servers ({COLUMNS}) VALUES ($1, $2, $3, $4)");
        let settings = rs.settings.to_document();
        execute(
            self.0,
            &sql,
            &[&rs.id.as_str(), &rs.identifier, &rs.name, &Json(&settings)],
        )
        .await?;
        Ok(())
    }

    async fn find_resource_server_to_update(
        &self,
        id: &ResourceServerId,
    ) -> DbResult<Option<ResourceServer>> {
        find(self.0, id.as_str(), "FOR UPDATE").await
    }

    async fn update_resource_server(&self, rs: &ResourceServer) -> DbResult<()> {
        let settings = rs.settings.to_document();
        execute(
            self.0,
            "UPDATE resource_servers SET name = $2, settings = $3 WHERE id = $1",
            &[&rs.id.as_str(), &rs.name, &Json(&settings)],
        )
        .await?;
        Ok(())
    }

    async fn delete_resource_server(&self, id: &ResourceServerId) -> DbResult<()> {
        execute(
            self.0,
            "DELETE FROM resource_servers WHERE id = $1",
            &[&id.as_str()],
        )
        .await?;
        Ok(())
    }

    async fn delete_grants_on(&self, audience: &str) -> DbResult<()> {
        execute(
            self.0,
            "DELETE FROM client_grants WHERE audience = $1",
            &[&audience],
        )
        .await?;
        execute(
            self.0,
            "DELETE FROM role_permissions WHERE resource_server_identifier = $1",
            &[&audience],
        )
        .await?;
        execute(
            self.0,
            "DELETE FROM user_permissions WHERE resource_server_identifier = $1",
            &[&audience],
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl ResourceServerStore for PostgresStore {
    async fn create_resource_server(&self, rs: ResourceServer) -> Result<ResourceServer> {
        self.db
            .write(|tx| {
                let rs = rs.clone();
                Box::pin(async move { resource_servers::create(&Pg(tx), rs).await })
            })
            .await
    }

    async fn get_resource_server(&self, id_or_identifier: &str) -> Result<ResourceServer> {
        let client = self.db.client().await?;
        find(&client, id_or_identifier, "")
            .await?
            .ok_or(Error::NotFound(NotFound::ResourceServer))
    }

    async fn list_resource_servers(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<Listing<ResourceServer>> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        self.db
            .snapshot(|tx| {
                Box::pin(async move {
                    let total: i64 = query_one(tx, "SELECT count(*) FROM resource_servers", &[])
                        .await?
                        .try_get(0)?;
                    let sql = format!(
                        "SELECT {COLUMNS} FROM resource_servers ORDER BY seq LIMIT $1 OFFSET $2"
                    );
                    let rows = query(tx, &sql, &[&i64::from(limit), &offset]).await?;
                    let items = rows.iter().map(from_row).collect::<DbResult<_>>()?;
                    Ok(Listing::offset(items, u64::try_from(total).unwrap_or(0)))
                })
            })
            .await
    }

    async fn update_resource_server(
        &self,
        id: &ResourceServerId,
        patch: ResourceServerPatch,
    ) -> Result<ResourceServer> {
        self.db
            .write(|tx| {
                let (id, patch) = (id.clone(), patch.clone());
                Box::pin(async move { resource_servers::update(&Pg(tx), &id, patch).await })
            })
            .await
    }

    async fn delete_resource_server(&self, id: &ResourceServerId) -> Result<bool> {
        self.db
            .write(|tx| {
                let id = id.clone();
                Box::pin(async move { resource_servers::delete(&Pg(tx), &id).await })
            })
            .await
    }
}
