//! Machine clients: deleting one deletes its grants (the backends' cascade does, in the same
//! transaction).

use super::Tx;
use crate::client::{Client, ClientPatch};
use crate::ids::ClientId;
use crate::{Error, NotFound};

/// Writes of `clients`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait ClientsTx: Tx {
    /// Adds the client after the others (clients list in creation order).
    async fn insert_client(&self, client: &Client) -> Result<(), Self::Error>;
    /// The client; no other transaction changes it until this one ends.
    async fn find_client_to_update(&self, id: &ClientId) -> Result<Option<Client>, Self::Error>;
    async fn update_client(&self, client: &Client) -> Result<(), Self::Error>;
    /// Deletes it and its grants; whether there was one.
    async fn delete_client(&self, id: &ClientId) -> Result<bool, Self::Error>;
}

pub async fn create<T: ClientsTx>(tx: &T, client: Client) -> Result<Client, T::Error> {
    tx.insert_client(&client).await?;
    Ok(client)
}

pub async fn update<T: ClientsTx>(
    tx: &T,
    id: &ClientId,
    patch: ClientPatch,
) -> Result<Client, T::Error> {
    let Some(mut client) = tx.find_client_to_update(id).await? else {
        return Err(Error::NotFound(NotFound::Client).into());
    };
    patch.apply(&mut client);
    tx.update_client(&client).await?;
    Ok(client)
}

pub async fn delete<T: ClientsTx>(tx: &T, id: &ClientId) -> Result<(), T::Error> {
    if tx.delete_client(id).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::Client).into())
    }
}
