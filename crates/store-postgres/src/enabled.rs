//! The connections enabled for each organization, with their settings.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use orgwarden_domain::connection::ConnectionSummary;
use orgwarden_domain::enabled_connection::{
    self, EnabledConnection, NewEnabledConnection, Settings, SettingsPatch,
};
use orgwarden_domain::ids::{ConnectionId, OrgId};
use orgwarden_domain::paging::Listing;
use orgwarden_domain::store::OrgConnectionStore;
use orgwarden_domain::{Error, NotFound, Result};
use tokio_postgres::Row;

use crate::columns::count;
use crate::db::{execute, query, query_opt};
use crate::errors::DbResult;
use crate::paging::limit_offset;
use crate::{organizations, PostgresStore};

const SELECT: &str = "SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button,
                             oc.is_signup_enabled, c.name, c.strategy
                      FROM organization_connections oc JOIN connections c ON c.id = oc.connection_id";

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

/// Sign-up is stored only for database connections.
fn as_stored(settings: Settings, connection: &ConnectionSummary) -> Settings {
    Settings {
        is_signup_enabled: settings.is_signup_enabled && connection.is_database(),
        ..settings
    }
}

async fn org_must_exist(c: &impl GenericClient, org: &OrgId) -> DbResult<()> {
    if organizations::exists(c, org).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::Organization).into())
    }
}

/// The connection's name and strategy. Its row stays until the transaction ends (`FOR KEY
/// SHARE`), so a concurrent delete waits, then removes what this transaction enabled.
async fn summary(tx: &Transaction<'_>, id: &ConnectionId) -> DbResult<Option<ConnectionSummary>> {
    let sql = "SELECT name, strategy FROM connections WHERE id = $1 FOR KEY SHARE";
    let Some(row) = query_opt(tx, sql, &[&id.as_str()]).await? else {
        return Ok(None);
    };
    Ok(Some(ConnectionSummary {
        name: row.try_get(0)?,
        strategy: row.try_get(1)?,
    }))
}

async fn find(
    c: &impl GenericClient,
    org: &OrgId,
    connection: &ConnectionId,
    lock: &str,
) -> DbResult<Option<EnabledConnection>> {
    let sql = format!("{SELECT} WHERE oc.org_id = $1 AND oc.connection_id = $2 {lock}");
    let row = query_opt(c, &sql, &[&org.as_str(), &connection.as_str()]).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The enabled connection, or which of the organization and the enabled connection is missing.
async fn get(
    c: &impl GenericClient,
    org: &OrgId,
    connection: &ConnectionId,
    lock: &str,
) -> DbResult<EnabledConnection> {
    match find(c, org, connection, lock).await? {
        Some(found) => Ok(found),
        None => {
            org_must_exist(c, org).await?;
            Err(Error::NotFound(NotFound::EnabledConnection).into())
        }
    }
}

/// Enables a connection for an organization that exists and that this transaction has
/// locked (or made). Checked in this order: the connection exists, the sign-up rule, not
/// already enabled, the limit.
pub(crate) async fn enable(
    tx: &Transaction<'_>,
    org: &OrgId,
    new: &NewEnabledConnection,
) -> DbResult<EnabledConnection> {
    let connection = summary(tx, &new.connection_id)
        .await?
        .ok_or(Error::NotFound(NotFound::Connection))?;
    let settings = as_stored(new.settings_for(&connection)?, &connection);
    if find(tx, org, &new.connection_id, "").await?.is_some() {
        return Err(Error::connection_already_enabled().into());
    }
    let sql = "SELECT count(*) FROM organization_connections WHERE org_id = $1";
    let enabled = count(tx, sql, &[&org.as_str()]).await?;
    if enabled >= enabled_connection::MAX_PER_ORGANIZATION as u64 {
        return Err(enabled_connection::limit_error().into());
    }
    // A unique violation here (the primary key) is a Conflict too, by its name.
    let sql = "INSERT INTO organization_connections
                   (org_id, connection_id, assign_membership_on_login, show_as_button, is_signup_enabled)
               VALUES ($1, $2, $3, $4, $5)";
    execute(
        tx,
        sql,
        &[
            &org.as_str(),
            &new.connection_id.as_str(),
            &settings.assign_membership_on_login,
            &settings.show_as_button,
            &settings.is_signup_enabled,
        ],
    )
    .await?;
    Ok(EnabledConnection {
        connection_id: new.connection_id.clone(),
        settings,
        connection,
    })
}

async fn enable_locked(
    tx: &Transaction<'_>,
    org: OrgId,
    new: NewEnabledConnection,
) -> DbResult<EnabledConnection> {
    organizations::lock(tx, &org).await?;
    enable(tx, &org, &new).await
}

async fn list(
    tx: &Transaction<'_>,
    org: OrgId,
    page: u32,
    per_page: u32,
) -> DbResult<Listing<EnabledConnection>> {
    org_must_exist(tx, &org).await?;
    let sql = "SELECT count(*) FROM organization_connections WHERE org_id = $1";
    let total = count(tx, sql, &[&org.as_str()]).await?;
    let (limit, offset) = limit_offset(page, per_page);
    let sql = format!("{SELECT} WHERE oc.org_id = $1 ORDER BY oc.seq LIMIT $2 OFFSET $3");
    let items = query(tx, &sql, &[&org.as_str(), &limit, &offset])
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Listing {
        items,
        total,
        next: None,
    })
}

async fn update(
    tx: &Transaction<'_>,
    org: OrgId,
    connection: ConnectionId,
    patch: SettingsPatch,
) -> DbResult<EnabledConnection> {
    let current = get(tx, &org, &connection, "FOR NO KEY UPDATE OF oc").await?;
    let settings = as_stored(
        patch.merge(current.settings, &current.connection)?,
        &current.connection,
    );
    let sql = "UPDATE organization_connections
               SET assign_membership_on_login = $3, show_as_button = $4, is_signup_enabled = $5
               WHERE org_id = $1 AND connection_id = $2";
    execute(
        tx,
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
    Ok(EnabledConnection {
        settings,
        ..current
    })
}

async fn disable(tx: &Transaction<'_>, org: OrgId, connection: ConnectionId) -> DbResult<()> {
    let sql = "DELETE FROM organization_connections WHERE org_id = $1 AND connection_id = $2";
    if execute(tx, sql, &[&org.as_str(), &connection.as_str()]).await? == 0 {
        org_must_exist(tx, &org).await?;
        return Err(Error::NotFound(NotFound::EnabledConnection).into());
    }
    Ok(())
}

#[async_trait]
impl OrgConnectionStore for PostgresStore {
    async fn list_enabled_connections(
        &self,
        org: &OrgId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<EnabledConnection>> {
        self.db
            .snapshot(|tx| Box::pin(list(tx, org.clone(), page, per_page)))
            .await
    }

    async fn get_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<EnabledConnection> {
        let client = self.db.client().await?;
        Ok(get(&client, org, connection, "").await?)
    }

    async fn enable_connection(
        &self,
        org: &OrgId,
        new: NewEnabledConnection,
    ) -> Result<EnabledConnection> {
        self.db
            .write(|tx| Box::pin(enable_locked(tx, org.clone(), new.clone())))
            .await
    }

    async fn update_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        patch: SettingsPatch,
    ) -> Result<EnabledConnection> {
        self.db
            .write(|tx| Box::pin(update(tx, org.clone(), connection.clone(), patch)))
            .await
    }

    async fn disable_connection(&self, org: &OrgId, connection: &ConnectionId) -> Result<()> {
        self.db
            .write(|tx| Box::pin(disable(tx, org.clone(), connection.clone())))
            .await
    }
}
