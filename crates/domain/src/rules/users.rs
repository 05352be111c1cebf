//! Users: the connection must exist, and be a database connection for a user with a password
//! or the user's own provider's for a federated one (who has none); one user per email (and
//! per username) on a connection; deleting a user removes everything that names it (the
//! backends' cascades do, in the same transaction).

use time::OffsetDateTime;

use super::Tx;
use crate::ids::ConnectionId;
use crate::password::PasswordHash;
use crate::user::{User, UserId, UserPatch};
use crate::{Error, NotFound};

/// Writes of `users`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait UsersTx: Tx {
    /// The connection's strategy, if it exists; if so, it stays until this transaction ends.
    async fn lock_connection(&self, id: &ConnectionId) -> Result<Option<String>, Self::Error>;
    /// A second user with the email or username on the connection is a Conflict
    /// ([`Error::user_exists`]). Without a hash, the user has no password.
    async fn insert_user(
        &self,
        user: &User,
        hash: Option<&PasswordHash>,
    ) -> Result<(), Self::Error>;
    /// The user; no other transaction changes it until this one ends.
    async fn find_user_to_update(&self, id: &UserId) -> Result<Option<User>, Self::Error>;
    /// Stores the profile and times, and the new hash if there is one. A taken email or
    /// username is a Conflict.
    async fn update_user(
        &self,
        user: &User,
        hash: Option<&PasswordHash>,
    ) -> Result<(), Self::Error>;
    /// Whether there was such a user.
    async fn delete_user(&self, id: &UserId) -> Result<bool, Self::Error>;
}

/// A database user needs a password hash and a database connection; a federated user
/// (`oidc|…`, `samlp|…`) a connection of its provider's strategy, and no hash.
pub async fn create<T: UsersTx>(
    tx: &T,
    user: User,
    hash: Option<&PasswordHash>,
) -> Result<User, T::Error> {
    let strategy = tx.lock_connection(&user.connection_id).await?;
    let fits = match (&strategy, user.id.is_federated()) {
        (Some(s), false) => s == crate::connection::DATABASE_STRATEGY && hash.is_some(),
        (Some(s), true) => s == user.id.provider() && hash.is_none(),
        (None, _) => false,
    };
    if !fits {
        return Err(Error::NotFound(NotFound::Connection).into());
    }
    tx.insert_user(&user, hash).await?;
    Ok(user)
}

pub async fn update<T: UsersTx>(
    tx: &T,
    id: &UserId,
    patch: UserPatch,
    hash: Option<&PasswordHash>,
    now: OffsetDateTime,
) -> Result<User, T::Error> {
    let Some(mut user) = tx.find_user_to_update(id).await? else {
        return Err(Error::NotFound(NotFound::User).into());
    };
    if user.id.is_federated() && (hash.is_some() || patch.password_changed) {
        return Err(crate::user::no_password_here().into());
    }
    patch.apply(&mut user, now)?;
    tx.update_user(&user, hash).await?;
    Ok(user)
}

pub async fn delete<T: UsersTx>(tx: &T, id: &UserId) -> Result<(), T::Error> {
    if tx.delete_user(id).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::User).into())
    }
}
