//! Invitations: the SQL of the domain's `InvitationsTx` (its rules are in
//! `orgwarden_domain::rules::invitations`), and the reads.

use async_trait::async_trait;
use orgwarden_domain::ids::{ClientId, ConnectionId, InvitationId, OrgId, RoleId};
use orgwarden_domain::invitation::{Document, Invitation, NewInvitation};
use orgwarden_domain::paging::{limit_offset, Listing};
use orgwarden_domain::rules::invitations::{self, InvitationsTx};
use orgwarden_domain::store::InvitationStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;
use time::OffsetDateTime;

use crate::columns::{json, nanos, time_at, to_json};
use crate::db::{DbError, DbResult};
use crate::tx::{run, Sql};
use crate::{clients, organizations, SqliteStore};

const COLUMNS: &str =
    "id, org_id, client_id, connection_id, ticket_id, document, created_at, expires_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation::from_stored(
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        json::<Document>(row, 5)?,
        time_at(row, 6)?,
        time_at(row, 7)?,
    ))
}

/// The writer's transaction keeps every other writer out: the "lock" reads are plain reads.
impl InvitationsTx for Sql<'_> {
    async fn lock_organization_name(&self, org: &OrgId) -> DbResult<Option<String>> {
        Ok(self
            .0
            .prepare_cached("SELECT name FROM organizations WHERE id = ?1")?
            .query_row([org.as_str()], |r| r.get(0))
            .optional()?)
    }

    async fn client_login_uri(&self, client: &ClientId) -> DbResult<Option<Option<String>>> {
        Ok(clients::find(self.0, client)?.map(|c| {
            c.attributes
                .get("initiate_login_uri")
                .and_then(Value::as_str)
                .map(str::to_owned)
        }))
    }

    async fn connection_enabled(&self, org: &OrgId, connection: &ConnectionId) -> DbResult<bool> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT 1 FROM organization_connections WHERE org_id = ?1 AND connection_id = ?2",
            )?
            .query_row([org.as_str(), connection.as_str()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    async fn first_missing_role(&self, roles: &[RoleId]) -> DbResult<Option<RoleId>> {
        let mut stmt = self.0.prepare_cached("SELECT 1 FROM roles WHERE id = ?1")?;
        for r in roles {
            if stmt
                .query_row([r.as_str()], |_| Ok(()))
                .optional()?
                .is_none()
            {
                return Ok(Some(r.clone()));
            }
        }
        Ok(None)
    }

    async fn insert_invitation(&self, i: &Invitation) -> DbResult<()> {
        let sql =
            format!("INSERT INTO invitations ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        self.0.prepare_cached(&sql)?.execute(params![
            i.id.as_str(),
            i.organization_id.as_str(),
            i.client_id.as_str(),
            i.connection_id.as_ref().map(ConnectionId::as_str),
            i.ticket_id,
            to_json(&i.document())?,
            nanos(i.created_at)?,
            nanos(i.expires_at)?,
        ])?;
        Ok(())
    }

    async fn delete_invitation(&self, org: &OrgId, id: &InvitationId) -> DbResult<bool> {
        let n = self
            .0
            .prepare_cached("DELETE FROM invitations WHERE org_id = ?1 AND id = ?2")?
            .execute([org.as_str(), id.as_str()])?;
        Ok(n > 0)
    }
}

#[async_trait]
impl InvitationStore for SqliteStore {
    async fn create_invitation(
        &self,
        org: &OrgId,
        new: NewInvitation,
        now: OffsetDateTime,
    ) -> Result<Invitation> {
        let org = org.clone();
        self.db
            .write(move |tx| run(invitations::create(&Sql(tx), &org, new, now)))
            .await
    }

    async fn get_invitation(
        &self,
        org: &OrgId,
        id: &InvitationId,
        now: OffsetDateTime,
    ) -> Result<Invitation> {
        let (org, id) = (org.clone(), id.clone());
        self.db
            .read(move |conn| {
                let sql = format!(
                    "SELECT {COLUMNS} FROM invitations WHERE org_id = ?1 AND id = ?2 AND expires_at > ?3"
                );
                conn.prepare_cached(&sql)?
                    .query_row(params![org.as_str(), id.as_str(), nanos(now)?], from_row)
                    .optional()?
                    .ok_or(DbError(Error::NotFound(NotFound::Invitation)))
            })
            .await
    }

    async fn list_invitations(
        &self,
        org: &OrgId,
        now: OffsetDateTime,
        descending: bool,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Invitation>> {
        let org = org.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                if !organizations::exists(&tx, &org)? {
                    return Err(DbError(Error::NotFound(NotFound::Organization)));
                }
                let now = nanos(now)?;
                let total: u64 = tx.query_row(
                    "SELECT count(*) FROM invitations WHERE org_id = ?1 AND expires_at > ?2",
                    params![org.as_str(), now],
                    |r| r.get(0),
                )?;
                let (limit, offset) = limit_offset(page, per_page);
                let dir = if descending { "DESC" } else { "ASC" };
                let sql = format!(
                    "SELECT {COLUMNS} FROM invitations WHERE org_id = ?1 AND expires_at > ?2
                     ORDER BY seq {dir} LIMIT +?3 OFFSET +?4"
                );
                let items = tx
                    .prepare_cached(&sql)?
                    .query_map(params![org.as_str(), now, limit, offset], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(Listing::offset(items, total))
            })
            .await
    }

    async fn delete_invitation(&self, org: &OrgId, id: &InvitationId) -> Result<()> {
        let (org, id) = (org.clone(), id.clone());
        self.db
            .write(move |tx| run(invitations::delete(&Sql(tx), &org, &id)))
            .await
    }

    async fn all_invitations(&self) -> Result<Vec<Invitation>> {
        self.db
            .read(|conn| {
                let sql = format!("SELECT {COLUMNS} FROM invitations ORDER BY seq");
                Ok(conn
                    .prepare(&sql)?
                    .query_map([], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
    }

    async fn import_invitation(&self, invitation: Invitation) -> Result<()> {
        self.db
            .write(move |tx| run(Sql(tx).insert_invitation(&invitation)))
            .await
    }
}
