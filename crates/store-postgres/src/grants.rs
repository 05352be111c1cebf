//! Client grants: the SQL of the domain's `GrantsTx` (its rules are in
//! `orgwarden_domain::rules::grants`; one grant per client and audience is a unique
//! constraint here), and the reads.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::client::{ClientGrant, ClientGrantPatch, GrantFilter};
use orgwarden_domain::ids::{ClientId, GrantId, OrgId};
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::rules::grants::{self, GrantsTx};
use orgwarden_domain::rules::organization_grants::{self, OrganizationGrantsTx};
use orgwarden_domain::store::GrantStore;
use orgwarden_domain::{Error, NotFound, Result};
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::by_id::IdTable;
use crate::columns::json;
use crate::db::{execute, query, query_opt};
use crate::errors::DbResult;
use crate::filter::Where;
use crate::tx::Pg;
use crate::PostgresStore;

const COLUMNS: &str = "id, client_id, audience, scope, attributes";

fn from_row(row: &Row) -> Result<ClientGrant, tokio_postgres::Error> {
    Ok(ClientGrant {
        id: GrantId::from_trusted(row.try_get(0)?),
        client_id: ClientId::from_trusted(row.try_get(1)?),
        audience: row.try_get(2)?,
        scope: json(row, 3)?,
        attributes: json(row, 4)?,
    })
}

async fn find_by_id(
    c: &impl GenericClient,
    id: &GrantId,
    lock: &str,
) -> DbResult<Option<ClientGrant>> {
    let sql = format!("SELECT {COLUMNS} FROM client_grants WHERE id = $1 {lock}");
    let row = query_opt(c, &sql, &[&id.as_str()]).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

async fn find(
    c: &impl GenericClient,
    client: &ClientId,
    audience: &str,
) -> DbResult<Option<ClientGrant>> {
    // PostgreSQL text cannot hold NUL, so no stored audience has it.
    if audience.contains('\0') {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM client_grants WHERE client_id = $1 AND audience = $2");
    let row = query_opt(c, &sql, &[&client.as_str(), &audience]).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

impl<C: GenericClient> GrantsTx for Pg<'_, C> {
    /// The client's row stays until the transaction ends (`FOR KEY SHARE`).
    async fn lock_client(&self, id: &ClientId) -> DbResult<bool> {
        let sql = "SELECT 1 FROM clients WHERE client_id = $1 FOR KEY SHARE";
        Ok(query_opt(self.0, sql, &[&id.as_str()]).await?.is_some())
    }

    /// A second grant for the audience breaks the unique constraint: a Conflict.
    async fn insert_grant(&self, g: &ClientGrant) -> DbResult<()> {
        let sql = format!("INSERT INTO client_grants ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
        execute(
            self.0,
            &sql,
            &[
                &g.id.as_str(),
                &g.client_id.as_str(),
                &g.audience,
                &Json(&g.scope),
                &Json(&g.attributes),
            ],
        )
        .await?;
        Ok(())
    }

    async fn find_grant_to_update(&self, id: &GrantId) -> DbResult<Option<ClientGrant>> {
        find_by_id(self.0, id, "FOR NO KEY UPDATE").await
    }

    async fn update_grant(&self, g: &ClientGrant) -> DbResult<()> {
        let sql = "UPDATE client_grants SET scope = $2, attributes = $3 WHERE id = $1";
        execute(
            self.0,
            sql,
            &[&g.id.as_str(), &Json(&g.scope), &Json(&g.attributes)],
        )
        .await?;
        Ok(())
    }

    async fn delete_grant(&self, id: &GrantId) -> DbResult<bool> {
        let sql = "DELETE FROM client_grants WHERE id = $1";
        Ok(execute(self.0, sql, &[&id.as_str()]).await? > 0)
    }
}

impl<C: GenericClient> OrganizationGrantsTx for Pg<'_, C> {
    /// The organization's row stays until the transaction ends (`FOR KEY SHARE`).
    async fn lock_organization(&self, org: &OrgId) -> DbResult<bool> {
        let sql = "SELECT 1 FROM organizations WHERE id = $1 FOR KEY SHARE";
        Ok(query_opt(self.0, sql, &[&org.as_str()]).await?.is_some())
    }

    /// The grant's row stays as it is until the transaction ends (`FOR SHARE`).
    async fn lock_grant(&self, id: &GrantId) -> DbResult<Option<ClientGrant>> {
        find_by_id(self.0, id, "FOR SHARE").await
    }

    /// A second association breaks the unique constraint: a Conflict.
    async fn insert_association(&self, org: &OrgId, grant: &GrantId) -> DbResult<()> {
        let sql = "INSERT INTO organization_client_grants (org_id, grant_id) VALUES ($1, $2)";
        execute(self.0, sql, &[&org.as_str(), &grant.as_str()]).await?;
        Ok(())
    }

    async fn delete_association(&self, org: &OrgId, grant: &GrantId) -> DbResult<bool> {
        let sql = "DELETE FROM organization_client_grants WHERE org_id = $1 AND grant_id = $2";
        Ok(execute(self.0, sql, &[&org.as_str(), &grant.as_str()]).await? > 0)
    }
}

const TABLE: IdTable<ClientGrant> = IdTable {
    table: "client_grants",
    columns: COLUMNS,
    from_row,
    id_of: |r| r.id.as_str(),
    is_id: |s| GrantId::parse(s).is_some(),
};

fn filtered(filter: &GrantFilter) -> Where {
    let mut w = Where::default();
    if let Some(client) = &filter.client_id {
        w.equals("client_id", client);
    }
    if let Some(audience) = &filter.audience {
        w.equals("audience", audience);
    }
    if let Some(org) = &filter.organization {
        let p = w.arg(org.as_str().to_owned());
        w.and(format!(
            "id IN (SELECT grant_id FROM organization_client_grants WHERE org_id = {p})"
        ));
    }
    if let Some(ids) = &filter.ids {
        let ids: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
        w.one_of("id", &ids);
    }
    w
}

#[async_trait]
impl GrantStore for PostgresStore {
    async fn create_grant(&self, grant: ClientGrant) -> Result<ClientGrant> {
        self.db
            .write(|tx| {
                let grant = grant.clone();
                Box::pin(async move { grants::create(&Pg(tx), grant).await })
            })
            .await
    }

    async fn get_grant(&self, id: &GrantId) -> Result<ClientGrant> {
        let client = self.db.client().await?;
        find_by_id(&client, id, "")
            .await?
            .ok_or(Error::NotFound(NotFound::ClientGrant))
    }

    async fn find_grant(&self, client: &ClientId, audience: &str) -> Result<Option<ClientGrant>> {
        let c = self.db.client().await?;
        Ok(find(&c, client, audience).await?)
    }

    async fn list_grants(
        &self,
        filter: &GrantFilter,
        page: PageRequest,
    ) -> Result<Listing<ClientGrant>> {
        TABLE.list(&self.db, || filtered(filter), page).await
    }

    async fn update_grant(&self, id: &GrantId, patch: ClientGrantPatch) -> Result<ClientGrant> {
        self.db
            .write(|tx| {
                let (id, patch) = (id.clone(), patch.clone());
                Box::pin(async move { grants::update(&Pg(tx), &id, patch).await })
            })
            .await
    }

    async fn delete_grant(&self, id: &GrantId) -> Result<()> {
        self.db
            .write(|tx| {
                let id = id.clone();
                Box::pin(async move { grants::delete(&Pg(tx), &id).await })
            })
            .await
    }

    async fn associate_organization_grant(
        &self,
        org: &OrgId,
        grant: &GrantId,
    ) -> Result<ClientGrant> {
        self.db
            .write(|tx| {
                let (org, grant) = (org.clone(), grant.clone());
                Box::pin(async move { organization_grants::associate(&Pg(tx), &org, &grant).await })
            })
            .await
    }

    async fn dissociate_organization_grant(&self, org: &OrgId, grant: &GrantId) -> Result<()> {
        self.db
            .write(|tx| {
                let (org, grant) = (org.clone(), grant.clone());
                Box::pin(
                    async move { organization_grants::dissociate(&Pg(tx), &org, &grant).await },
                )
            })
            .await
    }

    async fn organization_grant_pairs(&self) -> Result<Vec<(OrgId, GrantId)>> {
        let c = self.db.client().await?;
        let sql = "SELECT org_id, grant_id FROM organization_client_grants ORDER BY seq";
        let rows = query(&c, sql, &[]).await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    OrgId::from_trusted(r.get(0)),
                    GrantId::from_trusted(r.get(1)),
                )
            })
            .collect())
    }
}
