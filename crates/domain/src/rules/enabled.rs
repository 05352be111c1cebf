//! The connections enabled for an organization: the limit of 10, the sign-up rule on the merged
//! settings, the order of the checks of `enable`, and telling a missing organization apart from
//! a connection that is not enabled for it.

use super::Tx;
use crate::connection::ConnectionSummary;
use crate::enabled_connection::{
    limit_error, EnabledConnection, NewEnabledConnection, Settings, SettingsPatch,
    MAX_PER_ORGANIZATION,
};
use crate::ids::{ConnectionId, OrgId};
use crate::paging::{page_of_slice, Listing};
use crate::{Error, NotFound};

/// Reads and writes of `organization_connections`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait EnabledConnectionsTx: Tx {
    /// Whether the organization exists.
    async fn organization_exists(&self, org: &OrgId) -> Result<bool, Self::Error>;
    /// Whether the organization exists; if it does, no other transaction enables a connection
    /// for it until this one ends (so its count of enabled connections stays true).
    async fn lock_organization(&self, org: &OrgId) -> Result<bool, Self::Error>;
    /// The connection's name and strategy; the connection is not deleted until this
    /// transaction ends (a concurrent delete waits, then removes what this one enabled).
    async fn connection_summary(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<ConnectionSummary>, Self::Error>;
    async fn find_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<Option<EnabledConnection>, Self::Error>;
    /// Like `find_enabled`, and no other transaction changes the row until this one ends.
    async fn find_enabled_to_update(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<Option<EnabledConnection>, Self::Error>;
    async fn count_enabled(&self, org: &OrgId) -> Result<u64, Self::Error>;
    /// Every connection the organization has enabled (at most [`MAX_PER_ORGANIZATION`]), each
    /// with its `seq` (the order they were enabled in), in any order: the guide's call, read in
    /// one statement when there are any. `None` if the organization does not exist.
    async fn all_enabled(
        &self,
        org: &OrgId,
    ) -> Result<Option<Vec<(i64, EnabledConnection)>>, Self::Error>;
    /// Adds the row, after the organization's others. Enabling it twice is a Conflict
    /// ([`Error::connection_already_enabled`]), whatever the backend's constraint says.
    async fn insert_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        settings: Settings,
    ) -> Result<(), Self::Error>;
    async fn update_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        settings: Settings,
    ) -> Result<(), Self::Error>;
    /// Whether there was such a row.
    async fn delete_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<bool, Self::Error>;
}

/// Sign-up is stored only for database connections.
fn as_stored(settings: Settings, connection: &ConnectionSummary) -> Settings {
    Settings {
        is_signup_enabled: settings.is_signup_enabled && connection.is_database(),
        ..settings
    }
}

/// NotFound(Organization) if the organization is missing.
async fn organization_must_exist<T: EnabledConnectionsTx>(
    tx: &T,
    org: &OrgId,
) -> Result<(), T::Error> {
    if tx.organization_exists(org).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::Organization).into())
    }
}

/// The organization is missing, or the connection is not enabled for it: which one.
async fn not_found<T: EnabledConnectionsTx, V>(tx: &T, org: &OrgId) -> Result<V, T::Error> {
    organization_must_exist(tx, org).await?;
    Err(Error::NotFound(NotFound::EnabledConnection).into())
}

/// Every connection the organization has enabled, in the order they were enabled (the guide's
/// call reads them all, at most ten, and [`page`] cuts its page); `None` if the organization
/// does not exist.
pub async fn in_order<T: EnabledConnectionsTx>(
    tx: &T,
    org: &OrgId,
) -> Result<Option<Vec<EnabledConnection>>, T::Error> {
    // A few rows, ordered here: in SQL the order would read a second index.
    let Some(mut all) = tx.all_enabled(org).await? else {
        return Ok(None);
    };
    all.sort_unstable_by_key(|(seq, _)| *seq);
    Ok(Some(all.into_iter().map(|(_, enabled)| enabled).collect()))
}

/// One page of an organization's enabled connections ([`in_order`]), with their total;
/// NotFound(Organization) if it does not exist.
pub fn page(
    all: Option<&[EnabledConnection]>,
    page: u32,
    per_page: u32,
) -> Result<Listing<EnabledConnection>, Error> {
    match all {
        Some(all) => Ok(page_of_slice(all, page, per_page)),
        None => Err(Error::NotFound(NotFound::Organization)),
    }
}

pub async fn get<T: EnabledConnectionsTx>(
    tx: &T,
    org: &OrgId,
    connection: &ConnectionId,
) -> Result<EnabledConnection, T::Error> {
    match tx.find_enabled(org, connection).await? {
        Some(found) => Ok(found),
        None => not_found(tx, org).await,
    }
}

/// Enables a connection for an organization, locking the organization first.
pub async fn enable<T: EnabledConnectionsTx>(
    tx: &T,
    org: &OrgId,
    new: &NewEnabledConnection,
) -> Result<EnabledConnection, T::Error> {
    if !tx.lock_organization(org).await? {
        return Err(Error::NotFound(NotFound::Organization).into());
    }
    enable_for_locked(tx, org, new).await
}

/// Enables a connection for an organization that exists and that this transaction has locked
/// (or made). Checked in this order: the connection exists, the sign-up rule, not already
/// enabled, the limit.
pub(crate) async fn enable_for_locked<T: EnabledConnectionsTx>(
    tx: &T,
    org: &OrgId,
    new: &NewEnabledConnection,
) -> Result<EnabledConnection, T::Error> {
    let Some(connection) = tx.connection_summary(&new.connection_id).await? else {
        return Err(Error::NotFound(NotFound::Connection).into());
    };
    let settings = as_stored(new.settings_for(&connection)?, &connection);
    if tx.find_enabled(org, &new.connection_id).await?.is_some() {
        return Err(Error::connection_already_enabled().into());
    }
    let enabled = tx.count_enabled(org).await?;
    if enabled >= MAX_PER_ORGANIZATION as u64 {
        return Err(limit_error().into());
    }
    tx.insert_enabled(org, &new.connection_id, settings).await?;
    Ok(EnabledConnection {
        connection_id: new.connection_id.clone(),
        settings,
        connection,
    })
}

/// Changes the settings; the sign-up rule is checked on the merged result.
pub async fn update<T: EnabledConnectionsTx>(
    tx: &T,
    org: &OrgId,
    connection: &ConnectionId,
    patch: SettingsPatch,
) -> Result<EnabledConnection, T::Error> {
    let Some(current) = tx.find_enabled_to_update(org, connection).await? else {
        return not_found(tx, org).await;
    };
    let settings = as_stored(
        patch.merge(current.settings, &current.connection)?,
        &current.connection,
    );
    tx.update_enabled(org, connection, settings).await?;
    Ok(EnabledConnection {
        settings,
        ..current
    })
}

pub async fn disable<T: EnabledConnectionsTx>(
    tx: &T,
    org: &OrgId,
    connection: &ConnectionId,
) -> Result<(), T::Error> {
    if tx.delete_enabled(org, connection).await? {
        Ok(())
    } else {
        not_found(tx, org).await
    }
}
