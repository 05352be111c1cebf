//! Organization members: the SQL of the domain's `MembersTx` (its rules are in
//! `orgwarden_domain::rules::members`), and the reads.

use async_trait::async_trait;
use orgwarden_domain::ids::OrgId;
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::{limit_offset, Listing, PageRequest};
use orgwarden_domain::rules::members::{self, MembersTx};
use orgwarden_domain::store::MemberStore;
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, OptionalExtension};

use crate::db::{DbError, DbResult};
use crate::paging::{seq_after, seq_checkpoint};
use crate::tx::{run, Sql};
use crate::{organizations, users, SqliteStore};

/// The writer's transaction keeps every other writer out: the "lock" reads are plain reads.
impl MembersTx for Sql<'_> {
    async fn lock_organization(&self, org: &OrgId) -> DbResult<bool> {
        organizations::exists(self.0, org)
    }

    async fn first_missing_user(&self, ids: &[UserId]) -> DbResult<Option<UserId>> {
        let mut stmt = self.0.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?;
        for id in ids {
            if stmt
                .query_row([id.as_str()], |_| Ok(()))
                .optional()?
                .is_none()
            {
                return Ok(Some(id.clone()));
            }
        }
        Ok(None)
    }

    async fn insert_members(&self, org: &OrgId, ids: &[UserId]) -> DbResult<()> {
        let mut stmt = self.0.prepare_cached(
            "INSERT INTO organization_members (org_id, user_id) VALUES (?1, ?2)
             ON CONFLICT (org_id, user_id) DO NOTHING",
        )?;
        for id in ids {
            stmt.execute([org.as_str(), id.as_str()])?;
        }
        Ok(())
    }

    async fn delete_members(&self, org: &OrgId, ids: &[UserId]) -> DbResult<()> {
        let mut stmt = self.0.prepare_cached(
            "DELETE FROM organization_members WHERE org_id = ?1 AND user_id = ?2",
        )?;
        // A member removed loses the roles held in the organization.
        let mut roles = self
            .0
            .prepare_cached("DELETE FROM member_roles WHERE org_id = ?1 AND user_id = ?2")?;
        for id in ids {
            stmt.execute([org.as_str(), id.as_str()])?;
            roles.execute([org.as_str(), id.as_str()])?;
        }
        Ok(())
    }
}

#[async_trait]
impl MemberStore for SqliteStore {
    async fn add_members(&self, org: &OrgId, ids: &[UserId]) -> Result<()> {
        let (org, ids) = (org.clone(), ids.to_vec());
        self.db
            .write(move |tx| run(members::add(&Sql(tx), &org, &ids)))
            .await
    }

    async fn remove_members(&self, org: &OrgId, ids: &[UserId]) -> Result<()> {
        let (org, ids) = (org.clone(), ids.to_vec());
        self.db
            .write(move |tx| run(members::remove(&Sql(tx), &org, &ids)))
            .await
    }

    async fn list_members(&self, org: &OrgId, page: PageRequest) -> Result<Listing<User>> {
        let org = org.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                if !organizations::exists(&tx, &org)? {
                    return Err(DbError(Error::NotFound(NotFound::Organization)));
                }
                let select = format!(
                    "SELECT {}, m.seq FROM organization_members m JOIN users u ON u.id = m.user_id
                     WHERE m.org_id = ?1",
                    users::prefixed_columns("u")
                );
                let row = |r: &rusqlite::Row<'_>| Ok((users::from_row(r)?, r.get::<_, i64>(7)?));
                match page {
                    PageRequest::Offset { page, per_page } => {
                        let total: u64 = tx.query_row(
                            "SELECT count(*) FROM organization_members WHERE org_id = ?1",
                            [org.as_str()],
                            |r| r.get(0),
                        )?;
                        let (limit, offset) = limit_offset(page, per_page);
                        let sql = format!("{select} ORDER BY m.seq LIMIT +?2 OFFSET +?3");
                        let rows = tx
                            .prepare_cached(&sql)?
                            .query_map(params![org.as_str(), limit, offset], row)?
                            .collect::<rusqlite::Result<Vec<_>>>()?;
                        Ok(Listing::offset(
                            rows.into_iter().map(|(u, _)| u).collect(),
                            total,
                        ))
                    }
                    PageRequest::Checkpoint { from, take } => {
                        let after = seq_after(from.as_deref())?;
                        let sql = format!("{select} AND m.seq > ?2 ORDER BY m.seq LIMIT +?3");
                        let rows = tx
                            .prepare_cached(&sql)?
                            .query_map(params![org.as_str(), after, i64::from(take)], row)?
                            .collect::<rusqlite::Result<Vec<_>>>()?;
                        Ok(seq_checkpoint(rows, take))
                    }
                }
            })
            .await
    }

    async fn user_organizations(
        &self,
        user: &UserId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Organization>> {
        let user = user.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                let exists = tx
                    .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
                    .query_row([user.as_str()], |_| Ok(()))
                    .optional()?
                    .is_some();
                if !exists {
                    return Err(DbError(Error::NotFound(NotFound::User)));
                }
                let total: u64 = tx.query_row(
                    "SELECT count(*) FROM organization_members WHERE user_id = ?1",
                    [user.as_str()],
                    |r| r.get(0),
                )?;
                let columns = organizations::COLUMNS
                    .split(", ")
                    .map(|c| format!("o.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (limit, offset) = limit_offset(page, per_page);
                let sql = format!(
                    "SELECT {columns} FROM organization_members m JOIN organizations o ON o.id = m.org_id
                     WHERE m.user_id = ?1 ORDER BY m.seq LIMIT +?2 OFFSET +?3"
                );
                let rows = tx
                    .prepare_cached(&sql)?
                    .query_map(params![user.as_str(), limit, offset], organizations::from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(Listing::offset(rows.into_iter().map(|(o, _)| o).collect(), total))
            })
            .await
    }

    async fn member_pairs(&self) -> Result<Vec<(OrgId, UserId)>> {
        self.db
            .read(|conn| {
                let mut stmt =
                    conn.prepare("SELECT org_id, user_id FROM organization_members ORDER BY seq")?;
                let rows = stmt.query_map([], |r| {
                    Ok((
                        OrgId::from_trusted(r.get(0)?),
                        UserId::from_trusted(r.get(1)?),
                    ))
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
    }
}
