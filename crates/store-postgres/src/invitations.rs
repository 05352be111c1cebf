//! Invitations: the SQL of the domain's `InvitationsTx` (its rules are in
//! `orgwarden_domain::rules::invitations`), and the reads.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::ids::{ClientId, ConnectionId, InvitationId, OrgId, RoleId};
use orgwarden_domain::invitation::{Document, Invitation, NewInvitation};
use orgwarden_domain::paging::{limit_offset, Listing};
use orgwarden_domain::rules::invitations::{self, InvitationsTx};
use orgwarden_domain::store::InvitationStore;
use orgwarden_domain::{Error, NotFound, Result};
use serde_json::Value;
use time::OffsetDateTime;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::db::{execute, query, query_one, query_opt};
use crate::errors::DbResult;
use crate::tx::Pg;
use crate::{clients, PostgresStore};

const COLUMNS: &str =
    "id, org_id, client_id, connection_id, ticket_id, document, created_at, expires_at";

fn from_row(row: &Row) -> DbResult<Invitation> {
    let Json(doc): Json<Document> = row.try_get(5)?;
    Ok(Invitation::from_stored(
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        doc,
        row.try_get(6)?,
        row.try_get(7)?,
    ))
}

fn clean(s: &str) -> Option<&str> {
    (!s.contains('\0')).then_some(s)
}

impl<C: GenericClient> InvitationsTx for Pg<'_, C> {
    /// The organization's row stays until the transaction ends (`FOR KEY SHARE`).
    async fn lock_organization_name(&self, org: &OrgId) -> DbResult<Option<String>> {
        let sql = "SELECT name FROM organizations WHERE id = $1 FOR KEY SHARE";
        Ok(query_opt(self.0, sql, &[&org.as_str()])
            .await?
            .map(|r| r.get(0)))
    }

    async fn client_login_uri(&self, client: &ClientId) -> DbResult<Option<Option<String>>> {
        Ok(clients::find(self.0, client, "FOR KEY SHARE")
            .await?
            .map(|c| {
                c.attributes
                    .get("initiate_login_uri")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }))
    }

    async fn connection_enabled(&self, org: &OrgId, connection: &ConnectionId) -> DbResult<bool> {
        let sql = "SELECT 1 FROM organization_connections WHERE org_id = $1 AND connection_id = $2
                   FOR KEY SHARE";
        Ok(
            query_opt(self.0, sql, &[&org.as_str(), &connection.as_str()])
                .await?
                .is_some(),
        )
    }

    async fn first_missing_role(&self, roles: &[RoleId]) -> DbResult<Option<RoleId>> {
        for r in roles {
            let sql = "SELECT 1 FROM roles WHERE id = $1 FOR KEY SHARE";
            if query_opt(self.0, sql, &[&r.as_str()]).await?.is_none() {
                return Ok(Some(r.clone()));
            }
        }
        Ok(None)
    }

    async fn insert_invitation(&self, i: &Invitation) -> DbResult<()> {
        let sql =
            format!("INSERT INTO invitations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        execute(
            self.0,
            &sql,
            &[
                &i.id.as_str(),
                &i.organization_id.as_str(),
                &i.client_id.as_str(),
                &i.connection_id.as_ref().map(ConnectionId::as_str),
                &i.ticket_id,
                &Json(&i.document()),
                &i.created_at,
                &i.expires_at,
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_invitation(&self, org: &OrgId, id: &InvitationId) -> DbResult<bool> {
        let Some(id) = clean(id.as_str()) else {
            return Ok(false);
        };
        let sql = "DELETE FROM invitations WHERE org_id = $1 AND id = $2";
        Ok(execute(self.0, sql, &[&org.as_str(), &id]).await? > 0)
    }
}

#[async_trait]
impl InvitationStore for PostgresStore {
    async fn create_invitation(
        &self,
        org: &OrgId,
        new: NewInvitation,
        now: OffsetDateTime,
    ) -> Result<Invitation> {
        self.db
            .write(|tx| {
                let (org, new) = (org.clone(), new.clone());
                Box::pin(async move { invitations::create(&Pg(tx), &org, new, now).await })
            })
            .await
    }

    async fn get_invitation(
        &self,
        org: &OrgId,
        id: &InvitationId,
        now: OffsetDateTime,
    ) -> Result<Invitation> {
        let Some(id) = clean(id.as_str()) else {
            return Err(Error::NotFound(NotFound::Invitation));
        };
        let c = self.db.client().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM invitations WHERE org_id = $1 AND id = $2 AND expires_at > $3"
        );
        let row = query_opt(&c, &sql, &[&org.as_str(), &id, &now]).await?;
        match row {
            Some(r) => Ok(from_row(&r)?),
            None => Err(Error::NotFound(NotFound::Invitation)),
        }
    }

    async fn list_invitations(
        &self,
        org: &OrgId,
        now: OffsetDateTime,
        descending: bool,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Invitation>> {
        self.db
            .snapshot(|tx| {
                let org = org.clone();
                Box::pin(async move {
                    let exists = query_opt(
                        tx,
                        "SELECT 1 FROM organizations WHERE id = $1",
                        &[&org.as_str()],
                    )
                    .await?
                    .is_some();
                    if !exists {
                        return Err(Error::NotFound(NotFound::Organization).into());
                    }
                    let total: i64 = query_one(
                        tx,
                        "SELECT count(*) FROM invitations WHERE org_id = $1 AND expires_at > $2",
                        &[&org.as_str(), &now],
                    )
                    .await?
                    .try_get(0)?;
                    let (limit, offset) = limit_offset(page, per_page);
                    let dir = if descending { "DESC" } else { "ASC" };
                    let sql = format!(
                        "SELECT {COLUMNS} FROM invitations WHERE org_id = $1 AND expires_at > $2
                         ORDER BY seq {dir} LIMIT $3 OFFSET $4"
                    );
                    let rows = query(tx, &sql, &[&org.as_str(), &now, &limit, &offset]).await?;
                    let items = rows.iter().map(from_row).collect::<DbResult<_>>()?;
                    Ok(Listing::offset(items, u64::try_from(total).unwrap_or(0)))
                })
            })
            .await
    }

    async fn delete_invitation(&self, org: &OrgId, id: &InvitationId) -> Result<()> {
        self.db
            .write(|tx| {
                let (org, id) = (org.clone(), id.clone());
                Box::pin(async move { invitations::delete(&Pg(tx), &org, &id).await })
            })
            .await
    }

    async fn all_invitations(&self) -> Result<Vec<Invitation>> {
        let c = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM invitations ORDER BY seq");
        let rows = query(&c, &sql, &[]).await?;
        Ok(rows.iter().map(from_row).collect::<DbResult<_>>()?)
    }

    async fn import_invitation(&self, invitation: Invitation) -> Result<()> {
        self.db
            .write(|tx| {
                let invitation = invitation.clone();
                Box::pin(async move { Pg(tx).insert_invitation(&invitation).await })
            })
            .await
    }
}
