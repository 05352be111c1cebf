//! Discovery domains: the SQL of the domain's `DiscoveryDomainsTx` (its rules are in
//! `orgwarden_domain::rules::discovery_domains`), and the reads.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::discovery_domain::{DiscoveryDomain, UpdateDiscoveryDomain};
use orgwarden_domain::ids::{DiscoveryDomainId, OrgId};
use orgwarden_domain::paging::{seq_after, seq_checkpoint, Listing};
use orgwarden_domain::rules::discovery_domains::{self, DiscoveryDomainsTx};
use orgwarden_domain::store::DiscoveryDomainStore;
use orgwarden_domain::{Error, NotFound, Result};
use tokio_postgres::Row;

use crate::db::{execute, query, query_opt};
use crate::errors::DbResult;
use crate::tx::Pg;
use crate::PostgresStore;

const COLUMNS: &str =
    "id, org_id, domain, verified, verification_txt, use_for_organization_discovery, seq";

fn from_row(row: &Row) -> DbResult<(DiscoveryDomain, i64)> {
    Ok((
        DiscoveryDomain {
            id: DiscoveryDomainId::from_trusted(row.try_get(0)?),
            organization_id: OrgId::from_trusted(row.try_get(1)?),
            domain: row.try_get(2)?,
            verified: row.try_get(3)?,
            verification_txt: row.try_get(4)?,
            use_for_organization_discovery: row.try_get(5)?,
        },
        row.try_get(6)?,
    ))
}

async fn find(
    c: &impl GenericClient,
    org: &OrgId,
    column: &str,
    key: &str,
    lock: &str,
) -> DbResult<Option<DiscoveryDomain>> {
    if key.contains('\0') {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM discovery_domains WHERE org_id = $1 AND {column} = $2 {lock}"
    );
    Ok(query_opt(c, &sql, &[&org.as_str(), &key])
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?
        .map(|(d, _)| d))
}

impl<C: GenericClient> DiscoveryDomainsTx for Pg<'_, C> {
    /// The organization's row stays until the transaction ends (`FOR KEY SHARE`).
    async fn lock_organization(&self, org: &OrgId) -> DbResult<bool> {
        let sql = "SELECT 1 FROM organizations WHERE id = $1 FOR KEY SHARE";
        Ok(query_opt(self.0, sql, &[&org.as_str()]).await?.is_some())
    }

    /// The same domain twice breaks the unique constraint: a Conflict.
    async fn insert_domain(&self, d: &DiscoveryDomain) -> DbResult<()> {
        let sql = "INSERT INTO discovery_domains (id, org_id, domain, verified, verification_txt,
                                                  use_for_organization_discovery)
                   VALUES ($1, $2, $3, $4, $5, $6)";
        execute(
            self.0,
            sql,
            &[
                &d.id.as_str(),
                &d.organization_id.as_str(),
                &d.domain,
                &d.verified,
                &d.verification_txt,
                &d.use_for_organization_discovery,
            ],
        )
        .await?;
        Ok(())
    }

    async fn find_domain_to_update(
        &self,
        org: &OrgId,
        id: &DiscoveryDomainId,
    ) -> DbResult<Option<DiscoveryDomain>> {
        find(self.0, org, "id", id.as_str(), "FOR NO KEY UPDATE").await
    }

    async fn update_domain(&self, d: &DiscoveryDomain) -> DbResult<()> {
        let sql = "UPDATE discovery_domains SET verified = $2, use_for_organization_discovery = $3
                   WHERE id = $1";
        execute(
            self.0,
            sql,
            &[
                &d.id.as_str(),
                &d.verified,
                &d.use_for_organization_discovery,
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_domain(&self, org: &OrgId, id: &DiscoveryDomainId) -> DbResult<()> {
        let sql = "DELETE FROM discovery_domains WHERE org_id = $1 AND id = $2";
        execute(self.0, sql, &[&org.as_str(), &id.as_str()]).await?;
        Ok(())
    }
}

#[async_trait]
impl DiscoveryDomainStore for PostgresStore {
    async fn create_discovery_domain(&self, d: DiscoveryDomain) -> Result<DiscoveryDomain> {
        self.db
            .write(|tx| {
                let d = d.clone();
                Box::pin(async move { discovery_domains::create(&Pg(tx), d).await })
            })
            .await
    }

    async fn get_discovery_domain(
        &self,
        org: &OrgId,
        key: &str,
        by_name: bool,
    ) -> Result<DiscoveryDomain> {
        let c = self.db.client().await?;
        let (column, key) = if by_name {
            ("domain", key.to_lowercase())
        } else {
            ("id", key.to_owned())
        };
        find(&c, org, column, &key, "")
            .await?
            .ok_or(Error::NotFound(NotFound::DiscoveryDomain))
    }

    async fn list_discovery_domains(
        &self,
        org: &OrgId,
        from: Option<String>,
        take: u32,
    ) -> Result<Listing<DiscoveryDomain>> {
        self.db
            .snapshot(|tx| {
                let (org, from) = (org.clone(), from.clone());
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
                    let after = seq_after(from.as_deref())?;
                    let sql = format!(
                        "SELECT {COLUMNS} FROM discovery_domains WHERE org_id = $1 AND seq > $2
                         ORDER BY seq LIMIT $3"
                    );
                    let rows = query(tx, &sql, &[&org.as_str(), &after, &i64::from(take)]).await?;
                    let items = rows.iter().map(from_row).collect::<DbResult<Vec<_>>>()?;
                    Ok(seq_checkpoint(items, take))
                })
            })
            .await
    }

    async fn update_discovery_domain(
        &self,
        org: &OrgId,
        id: &DiscoveryDomainId,
        patch: UpdateDiscoveryDomain,
    ) -> Result<DiscoveryDomain> {
        self.db
            .write(|tx| {
                let (org, id, patch) = (org.clone(), id.clone(), patch.clone());
                Box::pin(async move { discovery_domains::update(&Pg(tx), &org, &id, patch).await })
            })
            .await
    }

    async fn delete_discovery_domain(&self, org: &OrgId, id: &DiscoveryDomainId) -> Result<()> {
        self.db
            .write(|tx| {
                let (org, id) = (org.clone(), id.clone());
                Box::pin(async move { discovery_domains::delete(&Pg(tx), &org, &id).await })
            })
            .await
    }

    async fn all_discovery_domains(&self) -> Result<Vec<DiscoveryDomain>> {
        let c = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM discovery_domains ORDER BY seq");
        let rows = query(&c, &sql, &[]).await?;
        Ok(rows
            .iter()
            .map(|r| from_row(r).map(|(d, _)| d))
            .collect::<DbResult<_>>()?)
    }
}
