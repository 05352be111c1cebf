//! Client grants: the client must exist; one grant per client and audience.

use super::Tx;
use crate::client::{ClientGrant, ClientGrantPatch};
use crate::ids::{ClientId, GrantId};
use crate::{Error, NotFound};

/// Writes of `client_grants`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait GrantsTx: Tx {
    /// Whether the client exists; if it does, it is not deleted until this transaction ends.
    async fn lock_client(&self, id: &ClientId) -> Result<bool, Self::Error>;
    /// A second grant for the client and audience is a Conflict
    /// ([`Error::client_grant_exists`]).
    async fn insert_grant(&self, grant: &ClientGrant) -> Result<(), Self::Error>;
    /// The grant; no other transaction changes it until this one ends.
    async fn find_grant_to_update(&self, id: &GrantId) -> Result<Option<ClientGrant>, Self::Error>;
    async fn update_grant(&self, grant: &ClientGrant) -> Result<(), Self::Error>;
    /// Whether there was such a grant.
    async fn delete_grant(&self, id: &GrantId) -> Result<bool, Self::Error>;
}

pub async fn create<T: GrantsTx>(tx: &T, grant: ClientGrant) -> Result<ClientGrant, T::Error> {
    if !tx.lock_client(&grant.client_id).await? {
        return Err(Error::NotFound(NotFound::Client).into());
    }
    tx.insert_grant(&grant).await?;
    Ok(grant)
}

pub async fn update<T: GrantsTx>(
    tx: &T,
    id: &GrantId,
    patch: ClientGrantPatch,
) -> Result<ClientGrant, T::Error> {
    let Some(mut grant) = tx.find_grant_to_update(id).await? else {
        return Err(Error::NotFound(NotFound::ClientGrant).into());
    };
    patch.apply(&mut grant);
    tx.update_grant(&grant).await?;
    Ok(grant)
}

pub async fn delete<T: GrantsTx>(tx: &T, id: &GrantId) -> Result<(), T::Error> {
    if tx.delete_grant(id).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::ClientGrant).into())
    }
}
