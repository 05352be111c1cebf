//! Resource servers: an identifier taken is a Conflict; deleting one deletes the client grants
//! on its identifier, in the same transaction (a grant on an API that is gone would come back
//! to life with an API of the same identifier).

use super::Tx;
use crate::resource_server::{ResourceServer, ResourceServerId, ResourceServerPatch};
use crate::{Error, NotFound};

/// Writes of `resource_servers`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait ResourceServersTx: Tx {
    /// An identifier taken is a Conflict ([`Error::resource_server_identifier_taken`]).
    async fn insert_resource_server(&self, rs: &ResourceServer) -> Result<(), Self::Error>;
    /// The resource server; no other transaction changes or deletes it until this one ends.
    async fn find_resource_server_to_update(
        &self,
        id: &ResourceServerId,
    ) -> Result<Option<ResourceServer>, Self::Error>;
    /// Stores the name and the settings; the identifier does not change.
    async fn update_resource_server(&self, rs: &ResourceServer) -> Result<(), Self::Error>;
    async fn delete_resource_server(&self, id: &ResourceServerId) -> Result<(), Self::Error>;
    /// Deletes every client grant on `audience`, and every role or user permission of that API.
    async fn delete_grants_on(&self, audience: &str) -> Result<(), Self::Error>;
}

pub async fn create<T: ResourceServersTx>(
    tx: &T,
    rs: ResourceServer,
) -> Result<ResourceServer, T::Error> {
    tx.insert_resource_server(&rs).await?;
    Ok(rs)
}

pub async fn update<T: ResourceServersTx>(
    tx: &T,
    id: &ResourceServerId,
    patch: ResourceServerPatch,
) -> Result<ResourceServer, T::Error> {
    let Some(mut rs) = tx.find_resource_server_to_update(id).await? else {
        return Err(Error::NotFound(NotFound::ResourceServer).into());
    };
    patch.apply(&mut rs);
    tx.update_resource_server(&rs).await?;
    Ok(rs)
}

/// Deletes it and the grants on its identifier; whether there was one.
pub async fn delete<T: ResourceServersTx>(tx: &T, id: &ResourceServerId) -> Result<bool, T::Error> {
    let Some(rs) = tx.find_resource_server_to_update(id).await? else {
        return Ok(false);
    };
    tx.delete_grants_on(&rs.identifier).await?;
    tx.delete_resource_server(id).await?;
    Ok(true)
}
