//! Organization members: the SQL of the domain's `MembersTx` (its rules are in
//! `orgwarden_domain::rules::members`), and the reads.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::ids::OrgId;
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::{limit_offset, seq_after, seq_checkpoint, Listing, PageRequest};
use orgwarden_domain::rules::members::{self, MembersTx};
use orgwarden_domain::store::MemberStore;
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::{Error, NotFound, Result};

use crate::columns::prefixed;
use crate::db::{execute, query, query_one, query_opt};
use crate::errors::DbResult;
use crate::tx::Pg;
use crate::{organizations, users, PostgresStore};

fn ids(users: &[UserId]) -> Vec<String> {
    users
        .iter()
        .map(|u| u.as_str().to_owned())
        .filter(|s| !s.contains('\0'))
        .collect()
}

impl<C: GenericClient> MembersTx for Pg<'_, C> {
    /// The organization's row stays until the transaction ends (`FOR KEY SHARE`).
    async fn lock_organization(&self, org: &OrgId) -> DbResult<bool> {
        let sql = "SELECT 1 FROM organizations WHERE id = $1 FOR KEY SHARE";
        Ok(query_opt(self.0, sql, &[&org.as_str()]).await?.is_some())
    }

    /// The users found stay until the transaction ends (`FOR KEY SHARE`).
    async fn first_missing_user(&self, wanted: &[UserId]) -> DbResult<Option<UserId>> {
        let sql = "SELECT id FROM users WHERE id = ANY($1) FOR KEY SHARE";
        let found: Vec<String> = query(self.0, sql, &[&ids(wanted)])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(wanted
            .iter()
            .find(|u| !found.iter().any(|f| f == u.as_str()))
            .cloned())
    }

    async fn insert_members(&self, org: &OrgId, users: &[UserId]) -> DbResult<()> {
        let sql = "INSERT INTO organization_members (org_id, user_id)
                   SELECT $1, u FROM unnest($2::text[]) WITH ORDINALITY AS t(u, n) ORDER BY n
                   ON CONFLICT (org_id, user_id) DO NOTHING";
        execute(self.0, sql, &[&org.as_str(), &ids(users)]).await?;
        Ok(())
    }

    async fn delete_members(&self, org: &OrgId, users: &[UserId]) -> DbResult<()> {
        let sql = "DELETE FROM organization_members WHERE org_id = $1 AND user_id = ANY($2)";
        execute(self.0, sql, &[&org.as_str(), &ids(users)]).await?;
        // A member removed loses the roles held in the organization.
        let sql = "DELETE FROM member_roles WHERE org_id = $1 AND user_id = ANY($2)";
        execute(self.0, sql, &[&org.as_str(), &ids(users)]).await?;
        Ok(())
    }
}

#[async_trait]
impl MemberStore for PostgresStore {
    async fn add_members(&self, org: &OrgId, users: &[UserId]) -> Result<()> {
        self.db
            .write(|tx| {
                let (org, users) = (org.clone(), users.to_vec());
                Box::pin(async move { members::add(&Pg(tx), &org, &users).await })
            })
            .await
    }

    async fn remove_members(&self, org: &OrgId, users: &[UserId]) -> Result<()> {
        self.db
            .write(|tx| {
                let (org, users) = (org.clone(), users.to_vec());
                Box::pin(async move { members::remove(&Pg(tx), &org, &users).await })
            })
            .await
    }

    async fn list_members(&self, org: &OrgId, page: PageRequest) -> Result<Listing<User>> {
        self.db
            .snapshot(|tx| {
                let (org, page) = (org.clone(), page.clone());
                Box::pin(async move {
                    let exists = query_opt(tx, "SELECT 1 FROM organizations WHERE id = $1", &[&org.as_str()])
                        .await?
                        .is_some();
                    if !exists {
                        return Err(Error::NotFound(NotFound::Organization).into());
                    }
                    let select = format!(
                        "SELECT {}, m.seq FROM organization_members m JOIN users u ON u.id = m.user_id
                         WHERE m.org_id = $1",
                        prefixed(users::COLUMNS, "u")
                    );
                    match page {
                        PageRequest::Offset { page, per_page } => {
                            let total: i64 = query_one(
                                tx,
                                "SELECT count(*) FROM organization_members WHERE org_id = $1",
                                &[&org.as_str()],
                            )
                            .await?
                            .try_get(0)?;
                            let (limit, offset) = limit_offset(page, per_page);
                            let sql = format!("{select} ORDER BY m.seq LIMIT $2 OFFSET $3");
                            let rows = query(tx, &sql, &[&org.as_str(), &limit, &offset]).await?;
                            let items = rows.iter().map(users::from_row).collect::<DbResult<_>>()?;
                            Ok(Listing::offset(items, u64::try_from(total).unwrap_or(0)))
                        }
                        PageRequest::Checkpoint { from, take } => {
                            let after = seq_after(from.as_deref())?;
                            let sql = format!("{select} AND m.seq > $2 ORDER BY m.seq LIMIT $3");
                            let rows =
                                query(tx, &sql, &[&org.as_str(), &after, &i64::from(take)]).await?;
                            let items = rows
                                .iter()
                                .map(|r| Ok((users::from_row(r)?, r.try_get::<_, i64>(7)?)))
                                .collect::<DbResult<Vec<_>>>()?;
                            Ok(seq_checkpoint(items, take))
                        }
                    }
                })
            })
            .await
    }

    async fn user_organizations(
        &self,
        user: &UserId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Organization>> {
        self.db
            .snapshot(|tx| {
                let user = user.clone();
                Box::pin(async move {
                    let id = user.as_str().replace('\0', "");
                    let exists = query_opt(tx, "SELECT 1 FROM users WHERE id = $1", &[&id])
                        .await?
                        .is_some();
                    if !exists || id != user.as_str() {
                        return Err(Error::NotFound(NotFound::User).into());
                    }
                    let total: i64 = query_one(
                        tx,
                        "SELECT count(*) FROM organization_members WHERE user_id = $1",
                        &[&id],
                    )
                    .await?
                    .try_get(0)?;
                    let (limit, offset) = limit_offset(page, per_page);
                    let sql = format!(
                        "SELECT {} FROM organization_members m JOIN organizations o ON o.id = m.org_id
                         WHERE m.user_id = $1 ORDER BY m.seq LIMIT $2 OFFSET $3",
                        prefixed(organizations::COLUMNS, "o")
                    );
                    let rows = query(tx, &sql, &[&id, &limit, &offset]).await?;
                    let items = rows
                        .iter()
                        .map(|r| organizations::from_row(r).map(|(o, _)| o))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(crate::errors::DbError::from)?;
                    Ok(Listing::offset(items, u64::try_from(total).unwrap_or(0)))
                })
            })
            .await
    }

    async fn member_pairs(&self) -> Result<Vec<(OrgId, UserId)>> {
        let c = self.db.client().await?;
        let rows = query(
            &c,
            "SELECT org_id, user_id FROM organization_members ORDER BY seq",
            &[],
        )
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    OrgId::from_trusted(r.get(0)),
                    UserId::from_trusted(r.get(1)),
                )
            })
            .collect())
    }
}
