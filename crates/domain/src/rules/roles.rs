//! Roles: a role's (or a user's own) permissions must be scopes of existing APIs; roles given
//! must exist, to a user (and organization) that exists. Deleting a role takes it from everyone (the backends'
//! cascades); deleting an API takes its permissions from every role.

use orgwarden_proto::roles::PermissionRef;

use super::Tx;
use crate::ids::RoleId;
use crate::role::{Holder, Role, RolePatch};
use crate::user::UserId;
use crate::{Error, NotFound};

/// Writes of roles, their permissions and who holds them, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait RolesTx: Tx {
    async fn insert_role(&self, role: &Role) -> Result<(), Self::Error>;
    /// The role; no other transaction changes it until this one ends.
    async fn find_role_to_update(&self, id: &RoleId) -> Result<Option<Role>, Self::Error>;
    async fn update_role(&self, role: &Role) -> Result<(), Self::Error>;
    async fn delete_role(&self, id: &RoleId) -> Result<bool, Self::Error>;
    /// Whether the API exists and has the scope; the API stays until the transaction ends.
    async fn scope_exists(&self, permission: &PermissionRef) -> Result<bool, Self::Error>;
    /// Adds those the role does not have yet.
    async fn insert_permissions(
        &self,
        role: &RoleId,
        p: &[PermissionRef],
    ) -> Result<(), Self::Error>;
    async fn delete_permissions(
        &self,
        role: &RoleId,
        p: &[PermissionRef],
    ) -> Result<(), Self::Error>;
    /// Whether the user (and, for a member, the organization) exists; they stay until the
    /// transaction ends.
    async fn lock_holder(&self, holder: &Holder) -> Result<bool, Self::Error>;
    /// The first role that does not exist; the others stay until the transaction ends.
    async fn first_missing_role(&self, roles: &[RoleId]) -> Result<Option<RoleId>, Self::Error>;
    /// Gives those not yet held.
    async fn insert_holdings(&self, holder: &Holder, roles: &[RoleId]) -> Result<(), Self::Error>;
    async fn delete_holdings(&self, holder: &Holder, roles: &[RoleId]) -> Result<(), Self::Error>;
    /// The first user that does not exist; the others stay until the transaction ends.
    async fn first_missing_user(&self, users: &[UserId]) -> Result<Option<UserId>, Self::Error>;
    /// Gives the user those permissions it does not have yet.
    async fn insert_user_permissions(
        &self,
        user: &UserId,
        p: &[PermissionRef],
    ) -> Result<(), Self::Error>;
    async fn delete_user_permissions(
        &self,
        user: &UserId,
        p: &[PermissionRef],
    ) -> Result<(), Self::Error>;
}

pub async fn update<T: RolesTx>(tx: &T, id: &RoleId, patch: RolePatch) -> Result<Role, T::Error> {
    let Some(mut role) = tx.find_role_to_update(id).await? else {
        return Err(Error::NotFound(NotFound::Role).into());
    };
    patch.apply(&mut role);
    tx.update_role(&role).await?;
    Ok(role)
}

pub async fn delete<T: RolesTx>(tx: &T, id: &RoleId) -> Result<(), T::Error> {
    if tx.delete_role(id).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::Role).into())
    }
}

pub async fn add_permissions<T: RolesTx>(
    tx: &T,
    role: &RoleId,
    permissions: &[PermissionRef],
) -> Result<(), T::Error> {
    if tx.find_role_to_update(role).await?.is_none() {
        return Err(Error::NotFound(NotFound::Role).into());
    }
    scopes_exist(tx, permissions).await?;
    tx.insert_permissions(role, permissions).await
}

/// Every permission must be a scope of an existing API.
async fn scopes_exist<T: RolesTx>(tx: &T, permissions: &[PermissionRef]) -> Result<(), T::Error> {
    for p in permissions {
        if !tx.scope_exists(p).await? {
            return Err(Error::invalid_field(
                "permissions",
                format!(
                    "Permission {} of resource server {} does not exist.",
                    p.permission_name, p.resource_server_identifier
                ),
            )
            .into());
        }
    }
    Ok(())
}

pub async fn remove_permissions<T: RolesTx>(
    tx: &T,
    role: &RoleId,
    permissions: &[PermissionRef],
) -> Result<(), T::Error> {
    if tx.find_role_to_update(role).await?.is_none() {
        return Err(Error::NotFound(NotFound::Role).into());
    }
    tx.delete_permissions(role, permissions).await
}

async fn holder_and_roles<T: RolesTx>(
    tx: &T,
    holder: &Holder,
    roles: &[RoleId],
) -> Result<(), T::Error> {
    if !tx.lock_holder(holder).await? {
        return Err(Error::NotFound(match holder {
            Holder::Member(..) => NotFound::Organization,
            Holder::User(_) => NotFound::User,
        })
        .into());
    }
    if let Some(missing) = tx.first_missing_role(roles).await? {
        return Err(
            Error::invalid_field("roles", format!("The role {missing} does not exist.")).into(),
        );
    }
    Ok(())
}

pub async fn give<T: RolesTx>(tx: &T, holder: &Holder, roles: &[RoleId]) -> Result<(), T::Error> {
    holder_and_roles(tx, holder, roles).await?;
    tx.insert_holdings(holder, roles).await
}

pub async fn take<T: RolesTx>(tx: &T, holder: &Holder, roles: &[RoleId]) -> Result<(), T::Error> {
    if !tx.lock_holder(holder).await? {
        return Err(Error::NotFound(match holder {
            Holder::Member(..) => NotFound::Organization,
            Holder::User(_) => NotFound::User,
        })
        .into());
    }
    tx.delete_holdings(holder, roles).await
}

/// `POST /roles/{id}/users`: the role to each user, all or none.
pub async fn give_to_users<T: RolesTx>(
    tx: &T,
    role: &RoleId,
    users: &[UserId],
) -> Result<(), T::Error> {
    if tx
        .first_missing_role(std::slice::from_ref(role))
        .await?
        .is_some()
    {
        return Err(Error::NotFound(NotFound::Role).into());
    }
    if let Some(missing) = tx.first_missing_user(users).await? {
        return Err(
            Error::invalid_field("users", format!("The user {missing} does not exist.")).into(),
        );
    }
    for user in users {
        tx.insert_holdings(&Holder::User(user.clone()), std::slice::from_ref(role))
            .await?;
    }
    Ok(())
}

async fn user_exists<T: RolesTx>(tx: &T, user: &UserId) -> Result<(), T::Error> {
    if tx.lock_holder(&Holder::User(user.clone())).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::User).into())
    }
}

/// `POST /users/{id}/permissions`.
pub async fn give_user_permissions<T: RolesTx>(
    tx: &T,
    user: &UserId,
    permissions: &[PermissionRef],
) -> Result<(), T::Error> {
    user_exists(tx, user).await?;
    scopes_exist(tx, permissions).await?;
    tx.insert_user_permissions(user, permissions).await
}

/// `DELETE /users/{id}/permissions`: those the user does not have are ignored.
pub async fn take_user_permissions<T: RolesTx>(
    tx: &T,
    user: &UserId,
    permissions: &[PermissionRef],
) -> Result<(), T::Error> {
    user_exists(tx, user).await?;
    tx.delete_user_permissions(user, permissions).await
}
