//! Connections, the tenant's login sources: the SQL of the domain's `ConnectionsTx` (its rules
//! are in `orgwarden_domain::rules::connections`), and the reads. Deleting one removes it from
//! every organization (by the foreign key's cascade).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::connection::{Connection, ConnectionFilter, ConnectionPatch};
use orgwarden_domain::ids::ConnectionId;
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::rules::connections::{self, ConnectionsTx};
use orgwarden_domain::store::ConnectionStore;
use orgwarden_domain::{Error, NotFound, Result};
use time::OffsetDateTime;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::by_id::IdTable;
use crate::columns::{json, json_opt};
use crate::db::{execute, query_opt};
use crate::errors::DbResult;
use crate::filter::Where;
use crate::tx::Pg;
use crate::PostgresStore;

const COLUMNS: &str =
    "id, name, strategy, display_name, options, realms, is_domain_connection, show_as_button,
                       enabled_clients, metadata, authentication, connected_accounts";

fn from_row(row: &Row) -> Result<Connection, tokio_postgres::Error> {
    Ok(Connection {
        id: ConnectionId::from_trusted(row.try_get(0)?),
        name: row.try_get(1)?,
        strategy: row.try_get(2)?,
        display_name: row.try_get(3)?,
        options: json(row, 4)?,
        realms: json(row, 5)?,
        is_domain_connection: row.try_get(6)?,
        show_as_button: row.try_get(7)?,
        enabled_clients: json(row, 8)?,
        metadata: json_opt(row, 9)?,
        authentication: json_opt(row, 10)?,
        connected_accounts: json_opt(row, 11)?,
    })
}

async fn find(
    c: &impl GenericClient,
    id: &ConnectionId,
    lock: &str,
) -> DbResult<Option<Connection>> {
    let sql = format!("SELECT {COLUMNS} FROM connections WHERE id = $1 {lock}");
    let row = query_opt(c, &sql, &[&id.as_str()]).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

impl<C: GenericClient> ConnectionsTx for Pg<'_, C> {
    async fn insert_connection(&self, c: &Connection) -> DbResult<()> {
        let sql = format!(
            "INSERT INTO connections ({COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        execute(
            self.0,
            &sql,
            &[
                &c.id.as_str(),
                &c.name,
                &c.strategy,
                &c.display_name,
                &Json(&c.options),
                &Json(&c.realms),
                &c.is_domain_connection,
                &c.show_as_button,
                &Json(&c.enabled_clients),
                &c.metadata.as_ref().map(Json),
                &c.authentication.as_ref().map(Json),
                &c.connected_accounts.as_ref().map(Json),
            ],
        )
        .await?;
        Ok(())
    }

    async fn find_connection_to_update(&self, id: &ConnectionId) -> DbResult<Option<Connection>> {
        find(self.0, id, "FOR NO KEY UPDATE").await
    }

    async fn update_connection(&self, c: &Connection) -> DbResult<()> {
        let sql = "UPDATE connections SET display_name = $2, options = $3, realms = $4,
                       is_domain_connection = $5, show_as_button = $6, enabled_clients = $7,
                       metadata = $8, authentication = $9, connected_accounts = $10
                   WHERE id = $1";
        execute(
            self.0,
            sql,
            &[
                &c.id.as_str(),
                &c.display_name,
                &Json(&c.options),
                &Json(&c.realms),
                &c.is_domain_connection,
                &c.show_as_button,
                &Json(&c.enabled_clients),
                &c.metadata.as_ref().map(Json),
                &c.authentication.as_ref().map(Json),
                &c.connected_accounts.as_ref().map(Json),
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_connection(&self, id: &ConnectionId) -> DbResult<bool> {
        let sql = "DELETE FROM connections WHERE id = $1";
        Ok(execute(self.0, sql, &[&id.as_str()]).await? > 0)
    }
}

const TABLE: IdTable<Connection> = IdTable {
    table: "connections",
    columns: COLUMNS,
    from_row,
    id_of: |r| r.id.as_str(),
    is_id: |s| ConnectionId::parse(s).is_some(),
};

fn filtered(filter: &ConnectionFilter) -> Where {
    let mut w = Where::default();
    if let Some(name) = &filter.name {
        w.equals("name", name);
    }
    if !filter.strategies.is_empty() {
        w.one_of("strategy", &filter.strategies);
    }
    w
}

#[async_trait]
impl ConnectionStore for PostgresStore {
    async fn create_connection(&self, connection: Connection) -> Result<Connection> {
        self.db
            .write(|tx| {
                let connection = connection.clone();
                Box::pin(async move { connections::create(&Pg(tx), connection).await })
            })
            .await
    }

    async fn get_connection(&self, id: &ConnectionId) -> Result<Connection> {
        let client = self.db.client().await?;
        find(&client, id, "")
            .await?
            .ok_or(Error::NotFound(NotFound::Connection))
    }

    async fn list_connections(
        &self,
        filter: &ConnectionFilter,
        page: PageRequest,
    ) -> Result<Listing<Connection>> {
        TABLE.list(&self.db, || filtered(filter), page).await
    }

    async fn update_connection(
        &self,
        id: &ConnectionId,
        patch: ConnectionPatch,
    ) -> Result<Connection> {
        self.db
            .write(|tx| {
                let (id, patch) = (id.clone(), patch.clone());
                Box::pin(async move { connections::update(&Pg(tx), &id, patch).await })
            })
            .await
    }

    async fn organizations_using(
        &self,
        id: &ConnectionId,
        limit: u32,
    ) -> Result<Vec<Organization>> {
        let client = self.db.client().await?;
        Ok(crate::organizations::using_connection(&client, id.as_str(), limit).await?)
    }

    async fn delete_connection(
        &self,
        id: &ConnectionId,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>> {
        self.db
            .write(|tx| {
                let id = id.clone();
                Box::pin(async move { connections::delete(&Pg(tx), &id, now).await })
            })
            .await
    }
}
