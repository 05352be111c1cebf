//! Invitations: the organization and the client must exist, the client must say where to
//! start a login (`initiate_login_uri`), a connection given must be enabled for the
//! organization, and roles given must exist. Deleting the organization, the client or the
//! connection deletes its invitations (the backends' cascades).

use time::OffsetDateTime;

use super::Tx;
use crate::ids::{ClientId, ConnectionId, InvitationId, OrgId, RoleId};
use crate::invitation::{Invitation, NewInvitation};
use crate::{Error, NotFound};

/// Writes of `invitations`, in one transaction.
#[allow(async_fn_in_trait)] // used through generics only: see the module `rules`
pub trait InvitationsTx: Tx {
    /// The organization's name, if it exists; it stays until the transaction ends.
    async fn lock_organization_name(&self, org: &OrgId) -> Result<Option<String>, Self::Error>;
    /// `Some(initiate_login_uri)` if the client exists; it stays until the transaction ends.
    async fn client_login_uri(
        &self,
        client: &ClientId,
    ) -> Result<Option<Option<String>>, Self::Error>;
    /// Whether the connection is enabled for the organization (and stays so).
    async fn connection_enabled(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<bool, Self::Error>;
    /// The first role that does not exist; the others stay until the transaction ends.
    async fn first_missing_role(&self, roles: &[RoleId]) -> Result<Option<RoleId>, Self::Error>;
    async fn insert_invitation(&self, invitation: &Invitation) -> Result<(), Self::Error>;
    /// Whether there was such an invitation in the organization.
    async fn delete_invitation(&self, org: &OrgId, id: &InvitationId) -> Result<bool, Self::Error>;
}

pub async fn create<T: InvitationsTx>(
    tx: &T,
    org: &OrgId,
    new: NewInvitation,
    now: OffsetDateTime,
) -> Result<Invitation, T::Error> {
    let Some(org_name) = tx.lock_organization_name(org).await? else {
        return Err(Error::NotFound(NotFound::Organization).into());
    };
    let Some(login_uri) = tx.client_login_uri(&new.client_id).await? else {
        return Err(Error::NotFound(NotFound::Client).into());
    };
    if let Some(c) = &new.connection_id {
        if !tx.connection_enabled(org, c).await? {
            return Err(Error::invalid_field(
                "connection_id",
                "The connection is not enabled for the organization.",
            )
            .into());
        }
    }
    if let Some(missing) = tx.first_missing_role(&new.roles).await? {
        return Err(
            Error::invalid_field("roles", format!("The role {missing} does not exist.")).into(),
        );
    }
    let invitation = new.into_invitation(org, &org_name, login_uri.as_deref(), now)?;
    tx.insert_invitation(&invitation).await?;
    Ok(invitation)
}

pub async fn delete<T: InvitationsTx>(
    tx: &T,
    org: &OrgId,
    id: &InvitationId,
) -> Result<(), T::Error> {
    if tx.delete_invitation(org, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound(NotFound::Invitation).into())
    }
}
