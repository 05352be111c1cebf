//! Organization members: the organization and every user must exist; adding a member twice
//! or removing one that is not there changes nothing. Deleting a user or an organization
//! removes the memberships (the backends' cascades).

use super::Tx;
use crate::ids::OrgId;
use crate::user::UserId;
use crate::{Error, NotFound};

/// Writes of `organization_members`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait MembersTx: Tx {
    /// Whether the organization exists; if so, it stays until this transaction ends.
    async fn lock_organization(&self, org: &OrgId) -> Result<bool, Self::Error>;
    /// The first of `users` that does not exist; the others stay until the transaction ends.
    async fn first_missing_user(&self, users: &[UserId]) -> Result<Option<UserId>, Self::Error>;
    /// Adds those not yet members.
    async fn insert_members(&self, org: &OrgId, users: &[UserId]) -> Result<(), Self::Error>;
    async fn delete_members(&self, org: &OrgId, users: &[UserId]) -> Result<(), Self::Error>;
}

pub async fn add<T: MembersTx>(tx: &T, org: &OrgId, users: &[UserId]) -> Result<(), T::Error> {
    if !tx.lock_organization(org).await? {
        return Err(Error::NotFound(NotFound::Organization).into());
    }
    if let Some(missing) = tx.first_missing_user(users).await? {
        return Err(
            Error::invalid_field("members", format!("The user {missing} does not exist.")).into(),
        );
    }
    tx.insert_members(org, users).await
}

pub async fn remove<T: MembersTx>(tx: &T, org: &OrgId, users: &[UserId]) -> Result<(), T::Error> {
    if !tx.lock_organization(org).await? {
        return Err(Error::NotFound(NotFound::Organization).into());
    }
    tx.delete_members(org, users).await
}
