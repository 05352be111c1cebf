//! The connections enabled for each organization, with their settings.

use async_trait::async_trait;
use orgwarden_domain::connection::ConnectionSummary;
use orgwarden_domain::enabled_connection::{
    self, EnabledConnection, NewEnabledConnection, Settings, SettingsPatch,
};
use orgwarden_domain::ids::{ConnectionId, OrgId};
use orgwarden_domain::paging::Listing;
use orgwarden_domain::store::OrgConnectionStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::columns::unique_violation;
use crate::db::{DbError, DbResult};
use crate::paging::limit_offset;
use crate::{organizations, SqliteStore};

const SELECT: &str = "SELECT oc.connection_id, oc.assign_membership_on_login, oc.show_as_button,
                             oc.is_signup_enabled, c.name, c.strategy
                      FROM organization_connections oc JOIN connections c ON c.id = oc.connection_id";

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

/// Sign-up is stored only for database connections.
fn as_stored(settings: Settings, connection: &ConnectionSummary) -> Settings {
    Settings {
        is_signup_enabled: settings.is_signup_enabled && connection.is_database(),
        ..settings
    }
}

fn org_must_exist(conn: &Connection, org: &OrgId) -> DbResult<()> {
    if organizations::exists(conn, org)? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::Organization).into())
    }
}

fn summary(conn: &Connection, id: &ConnectionId) -> DbResult<Option<ConnectionSummary>> {
    let sql = "SELECT name, strategy FROM connections WHERE id = ?1";
    let row = conn.prepare_cached(sql)?.query_row([id.as_str()], |r| {
        Ok(ConnectionSummary {
            name: r.get(0)?,
            strategy: r.get(1)?,
        })
    });
    Ok(row.optional()?)
}

fn find(
    conn: &Connection,
    org: &OrgId,
    connection: &ConnectionId,
) -> DbResult<Option<EnabledConnection>> {
    let sql = format!("{SELECT} WHERE oc.org_id = ?1 AND oc.connection_id = ?2");
    let row = conn
        .prepare_cached(&sql)?
        .query_row([org.as_str(), connection.as_str()], from_row);
    Ok(row.optional()?)
}

/// The enabled connection, or which of the organization and the enabled connection is missing.
fn get(conn: &Connection, org: &OrgId, connection: &ConnectionId) -> DbResult<EnabledConnection> {
    match find(conn, org, connection)? {
        Some(found) => Ok(found),
        None => {
            org_must_exist(conn, org)?;
            Err(Error::NotFound(NotFound::EnabledConnection).into())
        }
    }
}

/// Enables a connection for an organization known to exist. Checked in this order: the
/// connection exists, the sign-up rule, not already enabled, the limit.
pub(crate) fn enable(
    conn: &Connection,
    org: &OrgId,
    new: &NewEnabledConnection,
) -> DbResult<EnabledConnection> {
    let connection =
        summary(conn, &new.connection_id)?.ok_or(DbError(Error::NotFound(NotFound::Connection)))?;
    let settings = as_stored(new.settings_for(&connection)?, &connection);
    if find(conn, org, &new.connection_id)?.is_some() {
        return Err(Error::connection_already_enabled().into());
    }
    let sql = "SELECT count(*) FROM organization_connections WHERE org_id = ?1";
    let enabled: usize = conn
        .prepare_cached(sql)?
        .query_row([org.as_str()], |r| r.get(0))?;
    if enabled >= enabled_connection::MAX_PER_ORGANIZATION {
        return Err(enabled_connection::limit_error().into());
    }
    let sql = "INSERT INTO organization_connections
                   (org_id, connection_id, seq, assign_membership_on_login, show_as_button, is_signup_enabled)
               VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM organization_connections WHERE org_id = ?1),
                       ?3, ?4, ?5)";
    conn.prepare_cached(sql)?
        .execute(params![
            org.as_str(),
            new.connection_id.as_str(),
            settings.assign_membership_on_login,
            settings.show_as_button,
            settings.is_signup_enabled,
        ])
        .map_err(|e| match unique_violation(&e) {
            Some(_) => Error::connection_already_enabled().into(),
            None => DbError::from(e),
        })?;
    Ok(EnabledConnection {
        connection_id: new.connection_id.clone(),
        settings,
        connection,
    })
}

fn list(
    conn: &Connection,
    org: &OrgId,
    page: u32,
    per_page: u32,
) -> DbResult<Listing<EnabledConnection>> {
    let tx = conn.unchecked_transaction()?;
    org_must_exist(&tx, org)?;
    let sql = "SELECT count(*) FROM organization_connections WHERE org_id = ?1";
    let total = tx
        .prepare_cached(sql)?
        .query_row([org.as_str()], |r| r.get(0))?;
    let (limit, offset) = limit_offset(page, per_page);
    let sql = format!("{SELECT} WHERE oc.org_id = ?1 ORDER BY oc.seq LIMIT ?2 OFFSET ?3");
    let items = tx
        .prepare_cached(&sql)?
        .query_map(params![org.as_str(), limit, offset], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Listing {
        items,
        total,
        next: None,
    })
}

fn update(
    conn: &Connection,
    org: &OrgId,
    connection: &ConnectionId,
    patch: SettingsPatch,
) -> DbResult<EnabledConnection> {
    let current = get(conn, org, connection)?;
    let settings = as_stored(
        patch.merge(current.settings, &current.connection)?,
        &current.connection,
    );
    let sql = "UPDATE organization_connections
               SET assign_membership_on_login = ?3, show_as_button = ?4, is_signup_enabled = ?5
               WHERE org_id = ?1 AND connection_id = ?2";
    conn.prepare_cached(sql)?.execute(params![
        org.as_str(),
        connection.as_str(),
        settings.assign_membership_on_login,
        settings.show_as_button,
        settings.is_signup_enabled,
    ])?;
    Ok(EnabledConnection {
        settings,
        ..current
    })
}

fn disable(conn: &Connection, org: &OrgId, connection: &ConnectionId) -> DbResult<()> {
    let sql = "DELETE FROM organization_connections WHERE org_id = ?1 AND connection_id = ?2";
    if conn
        .prepare_cached(sql)?
        .execute([org.as_str(), connection.as_str()])?
        == 0
    {
        org_must_exist(conn, org)?;
        return Err(Error::NotFound(NotFound::EnabledConnection).into());
    }
    Ok(())
}

#[async_trait]
impl OrgConnectionStore for SqliteStore {
    async fn list_enabled_connections(
        &self,
        org: &OrgId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<EnabledConnection>> {
        let org = org.clone();
        self.db
            .read(move |conn| list(conn, &org, page, per_page))
            .await
    }

    async fn get_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<EnabledConnection> {
        let (org, connection) = (org.clone(), connection.clone());
        self.db.read(move |conn| get(conn, &org, &connection)).await
    }

    async fn enable_connection(
        &self,
        org: &OrgId,
        new: NewEnabledConnection,
    ) -> Result<EnabledConnection> {
        let org = org.clone();
        self.db
            .write(move |tx| {
                org_must_exist(tx, &org)?;
                enable(tx, &org, &new)
            })
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
            .write(move |tx| update(tx, &org, &connection, patch))
            .await
    }

    async fn disable_connection(&self, org: &OrgId, connection: &ConnectionId) -> Result<()> {
        let (org, connection) = (org.clone(), connection.clone());
        self.db
            .write(move |tx| disable(tx, &org, &connection))
            .await
    }
}
