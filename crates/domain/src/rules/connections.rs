//! Connections: a name taken is a Conflict; deleting one removes it from every organization
//! (the backends' cascade does, in the same transaction).

use time::OffsetDateTime;

use super::Tx;
use crate::connection::{Connection, ConnectionPatch};
use crate::ids::ConnectionId;
use crate::{Error, NotFound};

/// Writes of `connections`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait ConnectionsTx: Tx {
    /// A name taken is a Conflict ([`Error::connection_name_taken`]).
    async fn insert_connection(&self, connection: &Connection) -> Result<(), Self::Error>;
    /// The connection; no other transaction changes it until this one ends.
    async fn find_connection_to_update(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<Connection>, Self::Error>;
    /// Stores every field but the name and the strategy, which do not change.
    async fn update_connection(&self, connection: &Connection) -> Result<(), Self::Error>;
    /// Deletes it and removes it from every organization; whether there was one.
    async fn delete_connection(&self, id: &ConnectionId) -> Result<bool, Self::Error>;
}

pub async fn create<T: ConnectionsTx>(
    tx: &T,
    connection: Connection,
) -> Result<Connection, T::Error> {
    tx.insert_connection(&connection).await?;
    Ok(connection)
}

pub async fn update<T: ConnectionsTx>(
    tx: &T,
    id: &ConnectionId,
    patch: ConnectionPatch,
) -> Result<Connection, T::Error> {
    let Some(mut connection) = tx.find_connection_to_update(id).await? else {
        return Err(Error::NotFound(NotFound::Connection).into());
    };
    patch.apply(&mut connection)?;
    tx.update_connection(&connection).await?;
    Ok(connection)
}

/// When it was deleted (`now`), or `None` if there was no such connection.
pub async fn delete<T: ConnectionsTx>(
    tx: &T,
    id: &ConnectionId,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, T::Error> {
    Ok(tx.delete_connection(id).await?.then_some(now))
}
