//! The connections enabled for each organization, with their settings: the SQL of the
//! domain's `EnabledConnectionsTx` (its rules are in `orgwarden_domain::rules::enabled`).

use async_trait::async_trait;
use orgwarden_domain::connection::ConnectionSummary;
use orgwarden_domain::enabled_connection::{
    EnabledConnection, NewEnabledConnection, Settings, SettingsPatch,
};
use orgwarden_domain::ids::{ConnectionId, OrgId};
use orgwarden_domain::paging::Listing;
use orgwarden_domain::rules::enabled::{self, EnabledConnectionsTx};
use orgwarden_domain::store::OrgConnectionStore;
use orgwarden_domain::{Error, Result};
use rusqlite::{params, OptionalExtension, Row};

use crate::columns::unique_violation;
use crate::db::{DbError, DbResult};
use crate::tx::{run, Sql};
use crate::{organizations, SqliteStore};

const SELECT: &str = "SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button,
                             oc.is_signup_enabled, c.name, c.strategy
                      FROM organization_connections oc JOIN connections c ON c.id = oc.connection_id";

/// The guide's call: every connection the organization has enabled (at most
/// `MAX_PER_ORGANIZATION`), with `seq` (column 6) to put them in order, read from the table's
/// primary key alone: one range of one tree, where `ORDER BY seq` would walk the
/// `(org_id, seq)` index and look each row up again. On a 2M tenant the index is another
/// half gigabyte of pages to keep in memory. The rule orders them and cuts the page.
const ALL_ENABLED: &str = "
    SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button,
           oc.is_signup_enabled, c.name, c.strategy, oc.seq
    FROM organization_connections oc JOIN connections c ON c.id = oc.connection_id
    WHERE oc.org_id = ?1";

fn from_row(row: &Row<'_>) -> rusqlite::Result<EnabledConnection> {
    Ok(EnabledConnection {
        connection_id: ConnectionId::from_trusted(row.get(0)?),
        settings: Settings {
            assign_membership_on_login: row.get(1)?,
            show_as_button: row.get(2)?,
            is_signup_enabled: row.get(3)?,
        },
        connection: ConnectionSummary {
            name: row.get(4)?,
            strategy: row.get(5)?,
        },
    })
}

/// The writer's `BEGIN IMMEDIATE` transaction already keeps every other writer out, so the
/// "lock" reads are plain reads.
impl EnabledConnectionsTx for Sql<'_> {
    async fn organization_exists(&self, org: &OrgId) -> DbResult<bool> {
        organizations::exists(self.0, org)
    }

    async fn lock_organization(&self, org: &OrgId) -> DbResult<bool> {
        organizations::exists(self.0, org)
    }

    async fn connection_summary(&self, id: &ConnectionId) -> DbResult<Option<ConnectionSummary>> {
        let sql = "SELECT name, strategy FROM connections WHERE id = ?1";
        let row = self.0.prepare_cached(sql)?.query_row([id.as_str()], |r| {
            Ok(ConnectionSummary {
                name: r.get(0)?,
                strategy: r.get(1)?,
            })
        });
        Ok(row.optional()?)
    }

    async fn find_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> DbResult<Option<EnabledConnection>> {
        let sql = format!("{SELECT} WHERE oc.org_id = ?1 AND oc.connection_id = ?2");
        let row = self
            .0
            .prepare_cached(&sql)?
            .query_row([org.as_str(), connection.as_str()], from_row);
        Ok(row.optional()?)
    }

    async fn find_enabled_to_update(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> DbResult<Option<EnabledConnection>> {
        self.find_enabled(org, connection).await
    }

    async fn count_enabled(&self, org: &OrgId) -> DbResult<u64> {
        let sql = "SELECT count(*) FROM organization_connections WHERE org_id = ?1";
        Ok(self
            .0
            .prepare_cached(sql)?
            .query_row([org.as_str()], |r| r.get(0))?)
    }

    async fn all_enabled(&self, org: &OrgId) -> DbResult<Option<Vec<(i64, EnabledConnection)>>> {
        let mut stmt = self.0.prepare_cached(ALL_ENABLED)?;
        let mut rows = stmt.query([org.as_str()])?;
        let mut all = Vec::new();
        while let Some(row) = rows.next()? {
            all.push((row.get::<_, i64>(6)?, from_row(row)?));
        }
        // No row: a missing organization, or one with nothing enabled.
        if all.is_empty() && !organizations::exists(self.0, org)? {
            return Ok(None);
        }
        Ok(Some(all))
    }

    async fn insert_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        settings: Settings,
    ) -> DbResult<()> {
        let sql = "INSERT INTO organization_connections
                       (org_id, connection_id, seq, assign_membership_on_login, show_as_button, is_signup_enabled)
                   VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM organization_connections WHERE org_id = ?1),
                           ?3, ?4, ?5)";
        self.0
            .prepare_cached(sql)?
            .execute(params![
                org.as_str(),
                connection.as_str(),
                settings.assign_membership_on_login,
                settings.show_as_button,
                settings.is_signup_enabled,
            ])
            .map_err(|e| match unique_violation(&e) {
                Some(_) => Error::connection_already_enabled().into(),
                None => DbError::from(e),
            })?;
        Ok(())
    }

    async fn update_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        settings: Settings,
    ) -> DbResult<()> {
        let sql = "UPDATE organization_connections
                   SET assign_membership_on_login = ?3, show_as_button = ?4, is_signup_enabled = ?5
                   WHERE org_id = ?1 AND connection_id = ?2";
        self.0.prepare_cached(sql)?.execute(params![
            org.as_str(),
            connection.as_str(),
            settings.assign_membership_on_login,
            settings.show_as_button,
            settings.is_signup_enabled,
        ])?;
        Ok(())
    }

    async fn delete_enabled(&self, org: &OrgId, connection: &ConnectionId) -> DbResult<bool> {
        let sql = "DELETE FROM organization_connections WHERE org_id = ?1 AND connection_id = ?2";
        Ok(self
            .0
            .prepare_cached(sql)?
            .execute([org.as_str(), connection.as_str()])?
            > 0)
    }
}

#[async_trait]
impl OrgConnectionStore for SqliteStore {
    async fn list_enabled_connections(
        &self,
        org: &OrgId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<EnabledConnection>> {
        let all = self
            .db
            .enabled_cache()
            .get_or_read(org, || {
                let org = org.clone();
                self.db
                    .read_now(move |conn| run(enabled::in_order(&Sql(conn), &org)))
            })
            .await?;
        Ok(enabled::page(all.as_deref(), page, per_page)?)
    }

    async fn get_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<EnabledConnection> {
        let (org, connection) = (org.clone(), connection.clone());
        self.db
            .read_now(move |conn| run(enabled::get(&Sql(conn), &org, &connection)))
            .await
    }

    async fn enable_connection(
        &self,
        org: &OrgId,
        new: NewEnabledConnection,
    ) -> Result<EnabledConnection> {
        let org = org.clone();
        self.db
            .write(move |tx| run(enabled::enable(&Sql(tx), &org, &new)))
            .await
    }

    async fn update_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        patch: SettingsPatch,
    ) -> Result<EnabledConnection> {
        let (org, connection) = (org.clone(), connection.clone());
        self.db
            .write(move |tx| run(enabled::update(&Sql(tx), &org, &connection, patch)))
            .await
    }

    async fn disable_connection(&self, org: &OrgId, connection: &ConnectionId) -> Result<()> {
        let (org, connection) = (org.clone(), connection.clone());
        self.db
            .write(move |tx| run(enabled::disable(&Sql(tx), &org, &connection)))
            .await
    }
}
