//! Organization client grants: which of a client's grants may give tokens for an organization.
//! The organization and the grant must exist, and the grant must allow organizations
//! (`organization_usage` `allow` or `require`); a grant is associated once.

use super::Tx;
use crate::client::ClientGrant;
use crate::ids::{GrantId, OrgId};
use crate::{Error, NotFound};

/// Writes of `organization_client_grants`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait OrganizationGrantsTx: Tx {
    /// Whether the organization exists; if it does, it stays until this transaction ends.
    async fn lock_organization(&self, org: &OrgId) -> Result<bool, Self::Error>;
    /// The grant; it is not changed or deleted until this transaction ends.
    async fn lock_grant(&self, id: &GrantId) -> Result<Option<ClientGrant>, Self::Error>;
    /// A second association of the pair is a Conflict ([`Error::organization_grant_exists`]).
    async fn insert_association(&self, org: &OrgId, grant: &GrantId) -> Result<(), Self::Error>;
    /// Whether there was such an association.
    async fn delete_association(&self, org: &OrgId, grant: &GrantId) -> Result<bool, Self::Error>;
}

pub async fn associate<T: OrganizationGrantsTx>(
    tx: &T,
    org: &OrgId,
    grant: &GrantId,
) -> Result<ClientGrant, T::Error> {
    if !tx.lock_organization(org).await? {
        return Err(Error::NotFound(NotFound::Organization).into());
    }
    let Some(found) = tx.lock_grant(grant).await? else {
        return Err(Error::NotFound(NotFound::ClientGrant).into());
    };
    if !found.usable_by_organizations() {
        return Err(Error::invalid_field(
            "grant_id",
            "The client grant's organization_usage must be 'allow' or 'require' to add it to an organization.",
        )
        .into());
    }
    tx.insert_association(org, grant).await?;
    Ok(found)
}

/// Removing an association that is not there is not an error (the organization must exist).
pub async fn dissociate<T: OrganizationGrantsTx>(
    tx: &T,
    org: &OrgId,
    grant: &GrantId,
) -> Result<(), T::Error> {
    if !tx.lock_organization(org).await? {
        return Err(Error::NotFound(NotFound::Organization).into());
    }
    tx.delete_association(org, grant).await?;
    Ok(())
}
