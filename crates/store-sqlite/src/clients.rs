//! Machine clients: the SQL of the domain's `ClientsTx` (its rules are in
//! `orgwarden_domain::rules::clients`), and the reads. Deleting one deletes its grants (by the
//! foreign key's cascade).

use async_trait::async_trait;
use orgwarden_domain::client::{Client, ClientPatch};
use orgwarden_domain::ids::ClientId;
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::rules::clients::{self, ClientsTx};
use orgwarden_domain::store::ClientStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::columns::{json, to_json};
use crate::db::{DbError, DbResult};
use crate::paging::{limit_offset, seq_after, seq_checkpoint};
use crate::tx::{run, Sql};
use crate::SqliteStore;

const COLUMNS: &str = "client_id, name, secret_hash, attributes, seq";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(Client, i64)> {
    let client = Client {
        client_id: ClientId::from_trusted(row.get(0)?),
        name: row.get(1)?,
        secret_hash: row.get(2)?,
        attributes: json(row, 3)?,
    };
    Ok((client, row.get(4)?))
}

pub(crate) fn find(conn: &Connection, id: &ClientId) -> DbResult<Option<Client>> {
    let sql = format!("SELECT {COLUMNS} FROM clients WHERE client_id = ?1");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([id.as_str()], from_row)
        .optional()?;
    Ok(found.map(|(client, _)| client))
}

fn get(conn: &Connection, id: &ClientId) -> DbResult<Client> {
    find(conn, id)?.ok_or(DbError(Error::NotFound(NotFound::Client)))
}

impl ClientsTx for Sql<'_> {
    async fn insert_client(&self, c: &Client) -> DbResult<()> {
        let sql = "INSERT INTO clients (client_id, seq, name, secret_hash, attributes)
                   VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM clients), ?2, ?3, ?4)";
        self.0.prepare_cached(sql)?.execute(params![
            c.client_id.as_str(),
            c.name,
            c.secret_hash,
            to_json(&c.attributes)?
        ])?;
        Ok(())
    }

    /// The writer's transaction keeps every other writer out: a plain read.
    async fn find_client_to_update(&self, id: &ClientId) -> DbResult<Option<Client>> {
        find(self.0, id)
    }

    async fn update_client(&self, c: &Client) -> DbResult<()> {
        let sql =
            "UPDATE clients SET name = ?2, secret_hash = ?3, attributes = ?4 WHERE client_id = ?1";
        self.0.prepare_cached(sql)?.execute(params![
            c.client_id.as_str(),
            c.name,
            c.secret_hash,
            to_json(&c.attributes)?
        ])?;
        Ok(())
    }

    /// Its grants go by the foreign key's cascade.
    async fn delete_client(&self, id: &ClientId) -> DbResult<bool> {
        let deleted = self
            .0
            .prepare_cached("DELETE FROM clients WHERE client_id = ?1")?
            .execute([id.as_str()])?;
        Ok(deleted > 0)
    }
}

fn list(conn: &Connection, page: PageRequest) -> DbResult<Listing<Client>> {
    match page {
        PageRequest::Offset { page, per_page } => {
            let tx = conn.unchecked_transaction()?;
            let total = tx.query_row("SELECT count(*) FROM clients", [], |r| r.get(0))?;
            let (limit, offset) = limit_offset(page, per_page);
            let sql = format!("SELECT {COLUMNS} FROM clients ORDER BY seq LIMIT +?1 OFFSET +?2");
            let items = tx
                .prepare_cached(&sql)?
                .query_map(params![limit, offset], |r| from_row(r).map(|(c, _)| c))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Listing::offset(items, total))
        }
        PageRequest::Checkpoint { from, take } => {
            let after = seq_after(from.as_deref())?;
            let sql =
                format!("SELECT {COLUMNS} FROM clients WHERE seq > ?1 ORDER BY seq LIMIT +?2");
            let rows = conn
                .prepare_cached(&sql)?
                .query_map(params![after, take], from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(seq_checkpoint(rows, take))
        }
    }
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn create_client(&self, client: Client) -> Result<Client> {
        self.db
            .write(move |tx| run(clients::create(&Sql(tx), client)))
            .await
    }

    async fn get_client(&self, id: &ClientId) -> Result<Client> {
        let id = id.clone();
        self.db.read_now(move |conn| get(conn, &id)).await
    }

    async fn list_clients(&self, page: PageRequest) -> Result<Listing<Client>> {
        self.db.read(move |conn| list(conn, page)).await
    }

    async fn update_client(&self, id: &ClientId, patch: ClientPatch) -> Result<Client> {
        let id = id.clone();
        self.db
            .write(move |tx| run(clients::update(&Sql(tx), &id, patch)))
            .await
    }

    async fn delete_client(&self, id: &ClientId) -> Result<()> {
        let id = id.clone();
        self.db
            .write(move |tx| run(clients::delete(&Sql(tx), &id)))
            .await
    }
}
