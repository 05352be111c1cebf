//! Organizations: created together with their first enabled connections, all or nothing; a
//! name taken is a Conflict.

use super::enabled::{enable_for_locked, EnabledConnectionsTx};
use crate::enabled_connection::{limit_error, EnabledConnection, MAX_PER_ORGANIZATION};
use crate::ids::OrgId;
use crate::organization::{NewOrganization, Organization, OrganizationPatch};
use crate::{Error, NotFound};

/// Writes of `organizations`, in one transaction (which enables connections too).
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait OrganizationsTx: EnabledConnectionsTx {
    /// Adds the organization, made now. A name taken is a Conflict
    /// ([`Error::organization_name_taken`]).
    async fn insert_organization(&self, org: &Organization) -> Result<(), Self::Error>;
    /// The organization; no other transaction changes it until this one ends.
    async fn find_organization_to_update(
        &self,
        id: &OrgId,
    ) -> Result<Option<Organization>, Self::Error>;
    /// Stores every field. A name taken is a Conflict.
    async fn update_organization(&self, org: &Organization) -> Result<(), Self::Error>;
    /// Deletes it and its enabled connections; whether there was one.
    async fn delete_organization(&self, id: &OrgId) -> Result<bool, Self::Error>;
}

/// Creates the organization and enables the listed connections, in their order.
pub async fn create<T: OrganizationsTx>(
    tx: &T,
    id: OrgId,
    new: &NewOrganization,
) -> Result<(Organization, Vec<EnabledConnection>), T::Error> {
    if new.enabled_connections.len() > MAX_PER_ORGANIZATION {
        return Err(limit_error().into());
    }
    let org = Organization {
        id,
        name: new.name.clone(),
        display_name: new.display_name.clone(),
        branding: new.branding.clone(),
        metadata: new.metadata.clone(),
        attributes: new.attributes.clone(),
    };
    tx.insert_organization(&org).await?;
    let mut connections = Vec::with_capacity(new.enabled_connections.len());
    for c in &new.enabled_connections {
        connections.push(enable_for_locked(tx, &org.id, c).await?);
    }
    Ok((org, connections))
}

pub async fn update<T: OrganizationsTx>(
    tx: &T,
    id: &OrgId,
    patch: OrganizationPatch,
) -> Result<Organization, T::Error> {
    let Some(mut org) = tx.find_organization_to_update(id).await? else {
        return Err(Error::NotFound(NotFound::Organization).into());
    };
    patch.apply(&mut org);
    tx.update_organization(&org).await?;
    Ok(org)
}

pub async fn delete<T: OrganizationsTx>(tx: &T, id: &OrgId) -> Result<(), T::Error> {
    if tx.delete_organization(id).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::Organization).into())
    }
}
