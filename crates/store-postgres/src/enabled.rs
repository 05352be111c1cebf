//! The connections enabled for each organization, with their settings: the SQL of the
//! domain's `EnabledConnectionsTx` (its rules are in `orgwarden_domain::rules::enabled`).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::connection::ConnectionSummary;
use orgwarden_domain::enabled_connection::{
    EnabledConnection, NewEnabledConnection, Settings, SettingsPatch,
};
use orgwarden_domain::ids::{ConnectionId, OrgId};
use orgwarden_domain::paging::Listing;
use orgwarden_domain::rules::enabled::{self, EnabledConnectionsTx};
use orgwarden_domain::store::OrgConnectionStore;
use orgwarden_domain::Result;
use tokio_postgres::Row;

use crate::columns::count;
use crate::db::{execute, query, query_opt};
use crate::errors::DbResult;
use crate::tx::Pg;
use crate::{organizations, PostgresStore};

const SELECT: &str = "SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button,
                             oc.is_signup_enabled, c.name, c.strategy
                      FROM organization_connections oc JOIN connections c ON c.id = oc.connection_id";

/// The guide's call: every connection the organization has enabled (at most
/// `MAX_PER_ORGANIZATION`) with `seq` (column 6), in one statement, one round trip and no
/// transaction; the rule orders them and cuts the page. (A page in SQL with its total beside
/// each row scanned the organization's rows twice and sorted them, on the database's CPU.)
const ALL_ENABLED: &str = "
    SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button,
           oc.is_signup_enabled, c.name, c.strategy, oc.seq
    FROM organization_connections oc JOIN connections c ON c.id = oc.connection_id
    WHERE oc.org_id = $1";

fn from_row(row: &Row) -> Result<EnabledConnection, tokio_postgres::Error> {
    Ok(EnabledConnection {
        connection_id: ConnectionId::from_trusted(row.try_get(0)?),
        settings: Settings {
            assign_membership_on_login: row.try_get(1)?,
            show_as_button: row.try_get(2)?,
            is_signup_enabled: row.try_get(3)?,
        },
        connection: ConnectionSummary {
            name: row.try_get(4)?,
            strategy: row.try_get(5)?,
        },
    })
}

impl<C: GenericClient> Pg<'_, C> {
    async fn find(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        lock: &str,
    ) -> DbResult<Option<EnabledConnection>> {
        let sql = format!("{SELECT} WHERE oc.org_id = $1 AND oc.connection_id = $2 {lock}");
        let row = query_opt(self.0, &sql, &[&org.as_str(), &connection.as_str()]).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }
}

impl<C: GenericClient> EnabledConnectionsTx for Pg<'_, C> {
    async fn organization_exists(&self, org: &OrgId) -> DbResult<bool> {
        organizations::exists(self.0, org).await
    }

    /// Locks the organization's row until the transaction ends (`FOR UPDATE`): enables of one
    /// organization happen one at a time, so its count of enabled connections is not stale.
    async fn lock_organization(&self, org: &OrgId) -> DbResult<bool> {
        let sql = "SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE";
        Ok(query_opt(self.0, sql, &[&org.as_str()]).await?.is_some())
    }

    /// The row stays until the transaction ends (`FOR KEY SHARE`), so a concurrent delete
    /// waits, then removes what this transaction enabled.
    async fn connection_summary(&self, id: &ConnectionId) -> DbResult<Option<ConnectionSummary>> {
        let sql = "SELECT name, strategy FROM connections WHERE id = $1 FOR KEY SHARE";
        let Some(row) = query_opt(self.0, sql, &[&id.as_str()]).await? else {
            return Ok(None);
        };
        Ok(Some(ConnectionSummary {
            name: row.try_get(0)?,
            strategy: row.try_get(1)?,
        }))
    }

    async fn find_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> DbResult<Option<EnabledConnection>> {
        self.find(org, connection, "").await
    }

    async fn find_enabled_to_update(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> DbResult<Option<EnabledConnection>> {
        self.find(org, connection, "FOR NO KEY UPDATE OF oc").await
    }

    async fn count_enabled(&self, org: &OrgId) -> DbResult<u64> {
        let sql = "SELECT count(*) FROM organization_connections WHERE org_id = $1";
        count(self.0, sql, &[&org.as_str()]).await
    }

    async fn all_enabled(&self, org: &OrgId) -> DbResult<Option<Vec<(i64, EnabledConnection)>>> {
        let rows = query(self.0, ALL_ENABLED, &[&org.as_str()]).await?;
        // No row: a missing organization, or one with nothing enabled.
        if rows.is_empty() && !organizations::exists(self.0, org).await? {
            return Ok(None);
        }
        rows.iter()
            .map(|row| Ok((row.try_get::<_, i64>(6)?, from_row(row)?)))
            .collect::<DbResult<Vec<_>>>()
            .map(Some)
    }

    /// A unique violation here (the primary key) is a Conflict too, by its name.
    async fn insert_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        settings: Settings,
    ) -> DbResult<()> {
        let sql = "INSERT INTO organization_connections
                       (org_id, connection_id, assign_membership_on_login, show_as_button, is_signup_enabled)
                   VALUES ($1, $2, $3, $4, $5)";
        execute(
            self.0,
            sql,
            &[
                &org.as_str(),
                &connection.as_str(),
                &settings.assign_membership_on_login,
                &settings.show_as_button,
                &settings.is_signup_enabled,
            ],
        )
        .await?;
        Ok(())
    }

    async fn update_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        settings: Settings,
    ) -> DbResult<()> {
        let sql = "UPDATE organization_connections
                   SET assign_membership_on_login = $3, show_as_button = $4, is_signup_enabled = $5
                   WHERE org_id = $1 AND connection_id = $2";
        execute(
            self.0,
            sql,
            &[
                &org.as_str(),
                &connection.as_str(),
                &settings.assign_membership_on_login,
                &settings.show_as_button,
                &settings.is_signup_enabled,
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_enabled(&self, org: &OrgId, connection: &ConnectionId) -> DbResult<bool> {
        let sql = "DELETE FROM organization_connections WHERE org_id = $1 AND connection_id = $2";
        Ok(execute(self.0, sql, &[&org.as_str(), &connection.as_str()]).await? > 0)
    }
}

#[async_trait]
impl OrgConnectionStore for PostgresStore {
    async fn list_enabled_connections(
        &self,
        org: &OrgId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<EnabledConnection>> {
        let all = self
            .db
            .enabled_cache()
            .get_or_read(org, || async {
                let client = self.db.client().await?;
                Ok::<_, orgwarden_domain::Error>(enabled::in_order(&Pg(&client), org).await?)
            })
            .await?;
        Ok(enabled::page(all.as_deref(), page, per_page)?)
    }

    async fn get_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<EnabledConnection> {
        let client = self.db.client().await?;
        Ok(enabled::get(&Pg(&client), org, connection).await?)
    }

    async fn enable_connection(
        &self,
        org: &OrgId,
        new: NewEnabledConnection,
    ) -> Result<EnabledConnection> {
        self.db
            .write(|tx| {
                let (org, new) = (org.clone(), new.clone());
                Box::pin(async move { enabled::enable(&Pg(tx), &org, &new).await })
            })
            .await
    }

    async fn update_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        patch: SettingsPatch,
    ) -> Result<EnabledConnection> {
        self.db
            .write(|tx| {
                let (org, connection) = (org.clone(), connection.clone());
                Box::pin(async move { enabled::update(&Pg(tx), &org, &connection, patch).await })
            })
            .await
    }

    async fn disable_connection(&self, org: &OrgId, connection: &ConnectionId) -> Result<()> {
        self.db
            .write(|tx| {
                let (org, connection) = (org.clone(), connection.clone());
                Box::pin(async move { enabled::disable(&Pg(tx), &org, &connection).await })
            })
            .await
    }
}
