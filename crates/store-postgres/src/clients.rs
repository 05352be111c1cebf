//! Machine clients: the SQL of the domain's `ClientsTx` (its rules are in
//! `orgwarden_domain::rules::clients`), and the reads. Deleting one deletes its grants (by the
//! foreign key's cascade).

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use orgwarden_domain::client::{Client, ClientPatch};
use orgwarden_domain::ids::ClientId;
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::rules::clients::{self, ClientsTx};
use orgwarden_domain::store::ClientStore;
use orgwarden_domain::{Error, NotFound, Result};
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::columns::{count, json};
use crate::db::{execute, query, query_opt};
use crate::errors::DbResult;
use crate::paging::{limit_offset, seq_after, seq_checkpoint};
use crate::tx::Pg;
use crate::PostgresStore;

const COLUMNS: &str = "client_id, name, secret_hash, attributes, seq";

fn from_row(row: &Row) -> Result<(Client, i64), tokio_postgres::Error> {
    let client = Client {
        client_id: ClientId::from_trusted(row.try_get(0)?),
        name: row.try_get(1)?,
        secret_hash: row.try_get(2)?,
        attributes: json(row, 3)?,
    };
    Ok((client, row.try_get(4)?))
}

pub(crate) async fn find(
    c: &impl GenericClient,
    id: &ClientId,
    lock: &str,
) -> DbResult<Option<Client>> {
    let sql = format!("SELECT {COLUMNS} FROM clients WHERE client_id = $1 {lock}");
    let row = query_opt(c, &sql, &[&id.as_str()]).await?;
    Ok(row.as_ref().map(from_row).transpose()?.map(|(c, _)| c))
}

impl<C: GenericClient> ClientsTx for Pg<'_, C> {
    async fn insert_client(&self, c: &Client) -> DbResult<()> {
        let sql =
            "INSERT INTO clients (client_id, name, secret_hash, attributes) VALUES ($1, $2, $3, $4)";
        execute(
            self.0,
            sql,
            &[
                &c.client_id.as_str(),
                &c.name,
                &c.secret_hash,
                &Json(&c.attributes),
            ],
        )
        .await?;
        Ok(())
    }

    async fn find_client_to_update(&self, id: &ClientId) -> DbResult<Option<Client>> {
        find(self.0, id, "FOR NO KEY UPDATE").await
    }

    async fn update_client(&self, c: &Client) -> DbResult<()> {
        let sql =
            "UPDATE clients SET name = $2, secret_hash = $3, attributes = $4 WHERE client_id = $1";
        execute(
            self.0,
            sql,
            &[
                &c.client_id.as_str(),
                &c.name,
                &c.secret_hash,
                &Json(&c.attributes),
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_client(&self, id: &ClientId) -> DbResult<bool> {
        let sql = "DELETE FROM clients WHERE client_id = $1";
        Ok(execute(self.0, sql, &[&id.as_str()]).await? > 0)
    }
}

async fn offset_page(tx: &Transaction<'_>, page: u32, per_page: u32) -> DbResult<Listing<Client>> {
    let total = count(tx, "SELECT count(*) FROM clients", &[]).await?;
    let (limit, offset) = limit_offset(page, per_page);
    let sql = format!("SELECT {COLUMNS} FROM clients ORDER BY seq LIMIT $1 OFFSET $2");
    let items = query(tx, &sql, &[&limit, &offset])
        .await?
        .iter()
        .map(|r| from_row(r).map(|(c, _)| c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Listing::offset(items, total))
}

async fn checkpoint_page(
    c: &impl GenericClient,
    from: Option<String>,
    take: u32,
) -> DbResult<Listing<Client>> {
    let after = seq_after(from.as_deref())?;
    let sql = format!("SELECT {COLUMNS} FROM clients WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows = query(c, &sql, &[&after, &i64::from(take)])
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(seq_checkpoint(rows, take))
}

#[async_trait]
impl ClientStore for PostgresStore {
    async fn create_client(&self, client: Client) -> Result<Client> {
        self.db
            .write(|tx| {
                let client = client.clone();
                Box::pin(async move { clients::create(&Pg(tx), client).await })
            })
            .await
    }

    async fn get_client(&self, id: &ClientId) -> Result<Client> {
        let client = self.db.client().await?;
        find(&client, id, "")
            .await?
            .ok_or(Error::NotFound(NotFound::Client))
    }

    async fn list_clients(&self, page: PageRequest) -> Result<Listing<Client>> {
        match page {
            PageRequest::Offset { page, per_page } => {
                self.db
                    .snapshot(|tx| Box::pin(offset_page(tx, page, per_page)))
                    .await
            }
            PageRequest::Checkpoint { from, take } => {
                let client = self.db.client().await?;
                Ok(checkpoint_page(&client, from, take).await?)
            }
        }
    }

    async fn update_client(&self, id: &ClientId, patch: ClientPatch) -> Result<Client> {
        self.db
            .write(|tx| {
                let (id, patch) = (id.clone(), patch.clone());
                Box::pin(async move { clients::update(&Pg(tx), &id, patch).await })
            })
            .await
    }

    async fn delete_client(&self, id: &ClientId) -> Result<()> {
        self.db
            .write(|tx| {
                let id = id.clone();
                Box::pin(async move { clients::delete(&Pg(tx), &id).await })
            })
            .await
    }
}
