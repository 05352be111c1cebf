//! Client grants: the SQL of the domain's `GrantsTx` (its rules are in
//! `orgwarden_domain::rules::grants`), and the reads.

use async_trait::async_trait;
use orgwarden_domain::client::{ClientGrant, ClientGrantPatch, GrantFilter};
use orgwarden_domain::ids::{ClientId, GrantId, OrgId};
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::rules::grants::{self, GrantsTx};
use orgwarden_domain::rules::organization_grants::{self, OrganizationGrantsTx};
use orgwarden_domain::store::GrantStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::by_id::IdTable;
use crate::columns::{json, to_json, unique_violation};
use crate::db::{DbError, DbResult};
use crate::filter::Where;
use crate::tx::{run, Sql};
use crate::{clients, organizations, SqliteStore};

const COLUMNS: &str = "id, client_id, audience, scope, attributes";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ClientGrant> {
    Ok(ClientGrant {
        id: GrantId::from_trusted(row.get(0)?),
        client_id: ClientId::from_trusted(row.get(1)?),
        audience: row.get(2)?,
        scope: json(row, 3)?,
        attributes: json(row, 4)?,
    })
}

fn find_by_id(conn: &Connection, id: &GrantId) -> DbResult<Option<ClientGrant>> {
    let sql = format!("SELECT {COLUMNS} FROM client_grants WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.as_str()], from_row)
        .optional()?)
}

fn find(conn: &Connection, client: &ClientId, audience: &str) -> DbResult<Option<ClientGrant>> {
    let sql = format!("SELECT {COLUMNS} FROM client_grants WHERE client_id = ?1 AND audience = ?2");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([client.as_str(), audience], from_row)
        .optional()?)
}

/// The writer's transaction keeps every other writer out: the "lock" reads are plain reads.
impl GrantsTx for Sql<'_> {
    async fn lock_client(&self, id: &ClientId) -> DbResult<bool> {
        Ok(clients::find(self.0, id)?.is_some())
    }

    async fn insert_grant(&self, g: &ClientGrant) -> DbResult<()> {
        let sql = format!("INSERT INTO client_grants ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)");
        self.0
            .prepare_cached(&sql)?
            .execute(params![
                g.id.as_str(),
                g.client_id.as_str(),
                g.audience,
                to_json(&g.scope)?,
                to_json(&g.attributes)?
            ])
            .map_err(|e| match unique_violation(&e) {
                Some("client_grants.client_id, client_grants.audience") => {
                    Error::client_grant_exists().into()
                }
                _ => DbError::from(e),
            })?;
        Ok(())
    }

    async fn find_grant_to_update(&self, id: &GrantId) -> DbResult<Option<ClientGrant>> {
        find_by_id(self.0, id)
    }

    async fn update_grant(&self, g: &ClientGrant) -> DbResult<()> {
        let sql = "UPDATE client_grants SET scope = ?2, attributes = ?3 WHERE id = ?1";
        self.0.prepare_cached(sql)?.execute(params![
            g.id.as_str(),
            to_json(&g.scope)?,
            to_json(&g.attributes)?
        ])?;
        Ok(())
    }

    async fn delete_grant(&self, id: &GrantId) -> DbResult<bool> {
        let deleted = self
            .0
            .prepare_cached("DELETE FROM client_grants WHERE id = ?1")?
            .execute([id.as_str()])?;
        Ok(deleted > 0)
    }
}

/// The writer's transaction keeps every other writer out: the "lock" reads are plain reads.
impl OrganizationGrantsTx for Sql<'_> {
    async fn lock_organization(&self, org: &OrgId) -> DbResult<bool> {
        organizations::exists(self.0, org)
    }

    async fn lock_grant(&self, id: &GrantId) -> DbResult<Option<ClientGrant>> {
        find_by_id(self.0, id)
    }

    async fn insert_association(&self, org: &OrgId, grant: &GrantId) -> DbResult<()> {
        let sql = "INSERT INTO organization_client_grants (org_id, grant_id) VALUES (?1, ?2)";
        self.0
            .prepare_cached(sql)?
            .execute([org.as_str(), grant.as_str()])
            .map_err(|e| match unique_violation(&e) {
                Some(_) => Error::organization_grant_exists().into(),
                None => DbError::from(e),
            })?;
        Ok(())
    }

    async fn delete_association(&self, org: &OrgId, grant: &GrantId) -> DbResult<bool> {
        let sql = "DELETE FROM organization_client_grants WHERE org_id = ?1 AND grant_id = ?2";
        let deleted = self
            .0
            .prepare_cached(sql)?
            .execute([org.as_str(), grant.as_str()])?;
        Ok(deleted > 0)
    }
}

const TABLE: IdTable<ClientGrant> = IdTable {
    table: "client_grants",
    columns: COLUMNS,
    from_row,
    id_of: |g| g.id.as_str(),
    is_id: |s| GrantId::parse(s).is_some(),
};

fn filtered(filter: &GrantFilter) -> Where {
    let mut w = Where::default();
    if let Some(client) = &filter.client_id {
        let p = w.arg(client.clone());
        w.and(format!("client_id = {p}"));
    }
    if let Some(audience) = &filter.audience {
        let p = w.arg(audience.clone());
        w.and(format!("audience = {p}"));
    }
    if let Some(org) = &filter.organization {
        let p = w.arg(org.as_str().to_owned());
        w.and(format!(
            "id IN (SELECT grant_id FROM organization_client_grants WHERE org_id = {p})"
        ));
    }
    if let Some(ids) = &filter.ids {
        let ps: Vec<String> = ids.iter().map(|id| w.arg(id.as_str().to_owned())).collect();
        if ps.is_empty() {
            w.and("0".into());
        } else {
            w.and(format!("id IN ({})", ps.join(", ")));
        }
    }
    w
}

#[async_trait]
impl GrantStore for SqliteStore {
    async fn create_grant(&self, grant: ClientGrant) -> Result<ClientGrant> {
        self.db
            .write(move |tx| run(grants::create(&Sql(tx), grant)))
            .await
    }

    async fn get_grant(&self, id: &GrantId) -> Result<ClientGrant> {
        let id = id.clone();
        self.db
            .read_now(move |conn| {
                find_by_id(conn, &id)?.ok_or(DbError(Error::NotFound(NotFound::ClientGrant)))
            })
            .await
    }

    async fn find_grant(&self, client: &ClientId, audience: &str) -> Result<Option<ClientGrant>> {
        let (client, audience) = (client.clone(), audience.to_owned());
        self.db
            .read_now(move |conn| find(conn, &client, &audience))
            .await
    }

    async fn list_grants(
        &self,
        filter: &GrantFilter,
        page: PageRequest,
    ) -> Result<Listing<ClientGrant>> {
        let filter = filter.clone();
        self.db
            .read(move |conn| TABLE.list(conn, filtered(&filter), page))
            .await
    }

    async fn update_grant(&self, id: &GrantId, patch: ClientGrantPatch) -> Result<ClientGrant> {
        let id = id.clone();
        self.db
            .write(move |tx| run(grants::update(&Sql(tx), &id, patch)))
            .await
    }

    async fn delete_grant(&self, id: &GrantId) -> Result<()> {
        let id = id.clone();
        self.db
            .write(move |tx| run(grants::delete(&Sql(tx), &id)))
            .await
    }

    async fn associate_organization_grant(
        &self,
        org: &OrgId,
        grant: &GrantId,
    ) -> Result<ClientGrant> {
        let (org, grant) = (org.clone(), grant.clone());
        self.db
            .write(move |tx| run(organization_grants::associate(&Sql(tx), &org, &grant)))
            .await
    }

    async fn dissociate_organization_grant(&self, org: &OrgId, grant: &GrantId) -> Result<()> {
        let (org, grant) = (org.clone(), grant.clone());
        self.db
            .write(move |tx| run(organization_grants::dissociate(&Sql(tx), &org, &grant)))
            .await
    }

    async fn organization_grant_pairs(&self) -> Result<Vec<(OrgId, GrantId)>> {
        self.db
            .read(|conn| {
                let sql = "SELECT org_id, grant_id FROM organization_client_grants ORDER BY seq";
                let mut stmt = conn.prepare(sql)?;
                let rows = stmt.query_map([], |r| {
                    Ok((
                        OrgId::from_trusted(r.get(0)?),
                        GrantId::from_trusted(r.get(1)?),
                    ))
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
    }
}
