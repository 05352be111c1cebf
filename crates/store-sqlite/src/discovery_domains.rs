//! Discovery domains: the SQL of the domain's `DiscoveryDomainsTx` (its rules are in
//! `orgwarden_domain::rules::discovery_domains`), and the reads.

use async_trait::async_trait;
use orgwarden_domain::discovery_domain::{DiscoveryDomain, UpdateDiscoveryDomain};
use orgwarden_domain::ids::{DiscoveryDomainId, OrgId};
use orgwarden_domain::paging::{seq_after, seq_checkpoint, Listing};
use orgwarden_domain::rules::discovery_domains::{self, DiscoveryDomainsTx};
use orgwarden_domain::store::DiscoveryDomainStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::columns::unique_violation;
use crate::db::{DbError, DbResult};
use crate::tx::{run, Sql};
use crate::{organizations, SqliteStore};

const COLUMNS: &str =
    "id, org_id, domain, verified, verification_txt, use_for_organization_discovery, seq";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(DiscoveryDomain, i64)> {
    Ok((
        DiscoveryDomain {
            id: DiscoveryDomainId::from_trusted(row.get(0)?),
            organization_id: OrgId::from_trusted(row.get(1)?),
            domain: row.get(2)?,
            verified: row.get(3)?,
            verification_txt: row.get(4)?,
            use_for_organization_discovery: row.get(5)?,
        },
        row.get(6)?,
    ))
}

fn find(
    conn: &Connection,
    org: &OrgId,
    column: &str,
    key: &str,
) -> DbResult<Option<DiscoveryDomain>> {
    let sql =
        format!("SELECT {COLUMNS} FROM discovery_domains WHERE org_id = ?1 AND {column} = ?2");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([org.as_str(), key], from_row)
        .optional()?
        .map(|(d, _)| d))
}

/// The writer's transaction keeps every other writer out: the "lock" reads are plain reads.
impl DiscoveryDomainsTx for Sql<'_> {
    async fn lock_organization(&self, org: &OrgId) -> DbResult<bool> {
        organizations::exists(self.0, org)
    }

    async fn insert_domain(&self, d: &DiscoveryDomain) -> DbResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO discovery_domains (id, org_id, domain, verified, verification_txt,
                                                use_for_organization_discovery)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                d.id.as_str(),
                d.organization_id.as_str(),
                d.domain,
                d.verified,
                d.verification_txt,
                d.use_for_organization_discovery
            ])
            .map_err(|e| match unique_violation(&e) {
                Some(_) => Error::discovery_domain_taken().into(),
                None => DbError::from(e),
            })?;
        Ok(())
    }

    async fn find_domain_to_update(
        &self,
        org: &OrgId,
        id: &DiscoveryDomainId,
    ) -> DbResult<Option<DiscoveryDomain>> {
        find(self.0, org, "id", id.as_str())
    }

    async fn update_domain(&self, d: &DiscoveryDomain) -> DbResult<()> {
        self.0
            .prepare_cached(
                "UPDATE discovery_domains SET verified = ?2, use_for_organization_discovery = ?3
                 WHERE id = ?1",
            )?
            .execute(params![
                d.id.as_str(),
                d.verified,
                d.use_for_organization_discovery
            ])?;
        Ok(())
    }

    async fn delete_domain(&self, org: &OrgId, id: &DiscoveryDomainId) -> DbResult<()> {
        self.0
            .prepare_cached("DELETE FROM discovery_domains WHERE org_id = ?1 AND id = ?2")?
            .execute([org.as_str(), id.as_str()])?;
        Ok(())
    }
}

#[async_trait]
impl DiscoveryDomainStore for SqliteStore {
    async fn create_discovery_domain(&self, d: DiscoveryDomain) -> Result<DiscoveryDomain> {
        self.db
            .write(move |tx| run(discovery_domains::create(&Sql(tx), d)))
            .await
    }

    async fn get_discovery_domain(
        &self,
        org: &OrgId,
        key: &str,
        by_name: bool,
    ) -> Result<DiscoveryDomain> {
        // Domains are stored lowercased; ids are compared as given.
        let (org, key) = (
            org.clone(),
            if by_name {
                key.to_lowercase()
            } else {
                key.to_owned()
            },
        );
        self.db
            .read(move |conn| {
                let (column, value) = if by_name {
                    ("domain", key)
                } else {
                    ("id", key)
                };
                find(conn, &org, column, &value)?
                    .ok_or(DbError(Error::NotFound(NotFound::DiscoveryDomain)))
            })
            .await
    }

    async fn list_discovery_domains(
        &self,
        org: &OrgId,
        from: Option<String>,
        take: u32,
    ) -> Result<Listing<DiscoveryDomain>> {
        let org = org.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                if !organizations::exists(&tx, &org)? {
                    return Err(DbError(Error::NotFound(NotFound::Organization)));
                }
                let after = seq_after(from.as_deref())?;
                let sql = format!(
                    "SELECT {COLUMNS} FROM discovery_domains WHERE org_id = ?1 AND seq > ?2
                     ORDER BY seq LIMIT +?3"
                );
                let rows = tx
                    .prepare_cached(&sql)?
                    .query_map(params![org.as_str(), after, i64::from(take)], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(seq_checkpoint(rows, take))
            })
            .await
    }

    async fn update_discovery_domain(
        &self,
        org: &OrgId,
        id: &DiscoveryDomainId,
        patch: UpdateDiscoveryDomain,
    ) -> Result<DiscoveryDomain> {
        let (org, id) = (org.clone(), id.clone());
        self.db
            .write(move |tx| run(discovery_domains::update(&Sql(tx), &org, &id, patch)))
            .await
    }

    async fn delete_discovery_domain(&self, org: &OrgId, id: &DiscoveryDomainId) -> Result<()> {
        let (org, id) = (org.clone(), id.clone());
        self.db
            .write(move |tx| run(discovery_domains::delete(&Sql(tx), &org, &id)))
            .await
    }

    async fn all_discovery_domains(&self) -> Result<Vec<DiscoveryDomain>> {
        self.db
            .read(|conn| {
                let sql = format!("SELECT {COLUMNS} FROM discovery_domains ORDER BY seq");
                Ok(conn
                    .prepare(&sql)?
                    .query_map([], from_row)?
                    .map(|r| r.map(|(d, _)| d))
                    .collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
    }
}
