//! Connections, the tenant's login sources: the SQL of the domain's `ConnectionsTx` (its rules
//! are in `orgwarden_domain::rules::connections`), and the reads.

use async_trait::async_trait;
use orgwarden_domain::connection::{Connection, ConnectionFilter, ConnectionPatch};
use orgwarden_domain::ids::ConnectionId;
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::rules::connections::{self, ConnectionsTx};
use orgwarden_domain::store::ConnectionStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, OptionalExtension, Row};
use time::OffsetDateTime;

use crate::by_id::IdTable;
use crate::columns::{json, json_opt, to_json, to_json_opt, unique_violation};
use crate::db::{DbError, DbResult};
use crate::filter::Where;
use crate::tx::{run, Sql};
use crate::SqliteStore;

const COLUMNS: &str =
    "id, name, strategy, display_name, options, realms, is_domain_connection, show_as_button,
                       enabled_clients, metadata, authentication, connected_accounts";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Connection> {
    Ok(Connection {
        id: ConnectionId::from_trusted(row.get(0)?),
        name: row.get(1)?,
        strategy: row.get(2)?,
        display_name: row.get(3)?,
        options: json(row, 4)?,
        realms: json(row, 5)?,
        is_domain_connection: row.get(6)?,
        show_as_button: row.get(7)?,
        enabled_clients: json(row, 8)?,
        metadata: json_opt(row, 9)?,
        authentication: json_opt(row, 10)?,
        connected_accounts: json_opt(row, 11)?,
    })
}

fn find(conn: &rusqlite::Connection, id: &ConnectionId) -> DbResult<Option<Connection>> {
    let sql = format!("SELECT {COLUMNS} FROM connections WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.as_str()], from_row)
        .optional()?)
}

impl ConnectionsTx for Sql<'_> {
    async fn insert_connection(&self, c: &Connection) -> DbResult<()> {
        let sql = format!("INSERT INTO connections ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
        self.0
            .prepare_cached(&sql)?
            .execute(params![
                c.id.as_str(),
                c.name,
                c.strategy,
                c.display_name,
                to_json(&c.options)?,
                to_json(&c.realms)?,
                c.is_domain_connection,
                c.show_as_button,
                to_json(&c.enabled_clients)?,
                to_json_opt(c.metadata.as_ref())?,
                to_json_opt(c.authentication.as_ref())?,
                to_json_opt(c.connected_accounts.as_ref())?,
            ])
            .map_err(|e| match unique_violation(&e) {
                Some("connections.name") => Error::connection_name_taken().into(),
                _ => DbError::from(e),
            })?;
        Ok(())
    }

    /// The writer's transaction keeps every other writer out: a plain read.
    async fn find_connection_to_update(&self, id: &ConnectionId) -> DbResult<Option<Connection>> {
        find(self.0, id)
    }

    async fn update_connection(&self, c: &Connection) -> DbResult<()> {
        let sql = "UPDATE connections SET display_name = ?2, options = ?3, realms = ?4, is_domain_connection = ?5,
                       show_as_button = ?6, enabled_clients = ?7, metadata = ?8, authentication = ?9,
                       connected_accounts = ?10
                   WHERE id = ?1";
        self.0.prepare_cached(sql)?.execute(params![
            c.id.as_str(),
            c.display_name,
            to_json(&c.options)?,
            to_json(&c.realms)?,
            c.is_domain_connection,
            c.show_as_button,
            to_json(&c.enabled_clients)?,
            to_json_opt(c.metadata.as_ref())?,
            to_json_opt(c.authentication.as_ref())?,
            to_json_opt(c.connected_accounts.as_ref())?,
        ])?;
        Ok(())
    }

    /// Its enabled connections go by the foreign key's cascade.
    async fn delete_connection(&self, id: &ConnectionId) -> DbResult<bool> {
        let deleted = self
            .0
            .prepare_cached("DELETE FROM connections WHERE id = ?1")?
            .execute([id.as_str()])?;
        Ok(deleted > 0)
    }
}

const TABLE: IdTable<Connection> = IdTable {
    table: "connections",
    columns: COLUMNS,
    from_row,
    id_of: |c| c.id.as_str(),
    is_id: |s| ConnectionId::parse(s).is_some(),
};

fn filtered(filter: &ConnectionFilter) -> Where {
    let mut w = Where::default();
    if let Some(name) = &filter.name {
        let p = w.arg(name.clone());
        w.and(format!("name = {p}"));
    }
    if !filter.strategies.is_empty() {
        let marks: Vec<String> = filter.strategies.iter().map(|s| w.arg(s.clone())).collect();
        w.and(format!("strategy IN ({})", marks.join(", ")));
    }
    w
}

#[async_trait]
impl ConnectionStore for SqliteStore {
    async fn create_connection(&self, connection: Connection) -> Result<Connection> {
        self.db
            .write(move |tx| run(connections::create(&Sql(tx), connection)))
            .await
    }

    async fn get_connection(&self, id: &ConnectionId) -> Result<Connection> {
        let id = id.clone();
        self.db
            .read_now(move |conn| {
                find(conn, &id)?.ok_or(DbError(Error::NotFound(NotFound::Connection)))
            })
            .await
    }

    async fn list_connections(
        &self,
        filter: &ConnectionFilter,
        page: PageRequest,
    ) -> Result<Listing<Connection>> {
        let filter = filter.clone();
        self.db
            .read(move |conn| TABLE.list(conn, filtered(&filter), page))
            .await
    }

    async fn update_connection(
        &self,
        id: &ConnectionId,
        patch: ConnectionPatch,
    ) -> Result<Connection> {
        let id = id.clone();
        self.db
            .write(move |tx| run(connections::update(&Sql(tx), &id, patch)))
            .await
    }

    async fn organizations_using(
        &self,
        id: &ConnectionId,
        limit: u32,
    ) -> Result<Vec<Organization>> {
        let id = id.clone();
        self.db
            .read(move |conn| crate::organizations::using_connection(conn, id.as_str(), limit))
            .await
    }

    async fn delete_connection(
        &self,
        id: &ConnectionId,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>> {
        let id = id.clone();
        self.db
            .write(move |tx| run(connections::delete(&Sql(tx), &id, now)))
            .await
    }
}
