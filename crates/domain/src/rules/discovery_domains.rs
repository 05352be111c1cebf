//! Discovery domains: the organization must exist; a domain is registered once per
//! organization. They go with their organization (the backends' cascades).

use orgwarden_proto::discovery_domains::UpdateDiscoveryDomain;

use super::Tx;
use crate::discovery_domain::DiscoveryDomain;
use crate::ids::{DiscoveryDomainId, OrgId};
use crate::{Error, NotFound};

/// Writes of discovery domains, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait DiscoveryDomainsTx: Tx {
    /// Whether the organization exists; if so, it stays until the transaction ends.
    async fn lock_organization(&self, org: &OrgId) -> Result<bool, Self::Error>;
    /// The same domain twice in an organization is a Conflict
    /// ([`Error::discovery_domain_taken`]).
    async fn insert_domain(&self, d: &DiscoveryDomain) -> Result<(), Self::Error>;
    async fn find_domain_to_update(
        &self,
        org: &OrgId,
        id: &DiscoveryDomainId,
    ) -> Result<Option<DiscoveryDomain>, Self::Error>;
    async fn update_domain(&self, d: &DiscoveryDomain) -> Result<(), Self::Error>;
    async fn delete_domain(&self, org: &OrgId, id: &DiscoveryDomainId) -> Result<(), Self::Error>;
}

pub async fn create<T: DiscoveryDomainsTx>(
    tx: &T,
    d: DiscoveryDomain,
) -> Result<DiscoveryDomain, T::Error> {
    if !tx.lock_organization(&d.organization_id).await? {
        return Err(Error::NotFound(NotFound::Organization).into());
    }
    tx.insert_domain(&d).await?;
    Ok(d)
}

pub async fn update<T: DiscoveryDomainsTx>(
    tx: &T,
    org: &OrgId,
    id: &DiscoveryDomainId,
    patch: UpdateDiscoveryDomain,
) -> Result<DiscoveryDomain, T::Error> {
    let Some(mut d) = tx.find_domain_to_update(org, id).await? else {
        return Err(Error::NotFound(NotFound::DiscoveryDomain).into());
    };
    d.apply(patch);
    tx.update_domain(&d).await?;
    Ok(d)
}

/// Deleting one that is not there is not an error (recorded: 204 again).
pub async fn delete<T: DiscoveryDomainsTx>(
    tx: &T,
    org: &OrgId,
    id: &DiscoveryDomainId,
) -> Result<(), T::Error> {
    tx.delete_domain(org, id).await
}
