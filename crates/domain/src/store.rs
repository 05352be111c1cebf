//! Storage, described as traits. Each backend (SQLite, PostgreSQL) implements all of them and
//! passes the one conformance suite in [`crate::conformance`]. Rules that need atomicity
//! (unique names, the 10-connection limit, the sign-up rule on the merged settings) are the
//! operations of [`crate::rules`], which each backend runs inside its own transaction.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::client::{Client, ClientGrant, ClientGrantPatch, ClientPatch, GrantFilter};
use crate::connection::{Connection, ConnectionFilter, ConnectionPatch};
use crate::discovery_domain::DiscoveryDomain;
use crate::enabled_connection::{EnabledConnection, NewEnabledConnection, SettingsPatch};
use crate::ids::{ClientId, ConnectionId, GrantId, OrgId};
use crate::ids::{DiscoveryDomainId, InvitationId, RoleId};
use crate::invitation::{Invitation, NewInvitation};
use crate::keys::{Revocation, SigningKey};
use crate::login::{Artifact, ArtifactKind};
use crate::organization::{NewOrganization, Organization, OrganizationPatch, Sort};
use crate::paging::{Listing, PageRequest};
use crate::password::PasswordHash;
use crate::resource_server::{ResourceServer, ResourceServerId, ResourceServerPatch};
use crate::role::{Holder, Role, RolePatch, RolePermission, UserPermission};
use crate::user::{User, UserId, UserPatch};
use crate::user_search::{Query, Sort as UserSort};
use crate::Result;
use orgwarden_proto::discovery_domains::UpdateDiscoveryDomain;
use orgwarden_proto::roles::PermissionRef;

#[async_trait]
pub trait OrganizationStore: Send + Sync {
    /// Creates the organization and enables the listed connections, all or nothing.
    /// Errors: name taken (Conflict), a listed connection missing (NotFound), sign-up rule.
    async fn create_organization(
        &self,
        id: OrgId,
        new: NewOrganization,
    ) -> Result<(Organization, Vec<EnabledConnection>)>;
    async fn get_organization(&self, id: &OrgId) -> Result<Organization>;
    async fn get_organization_by_name(&self, name: &str) -> Result<Organization>;
    async fn update_organization(
        &self,
        id: &OrgId,
        patch: OrganizationPatch,
    ) -> Result<Organization>;
    /// Deletes the organization and its enabled connections.
    async fn delete_organization(&self, id: &OrgId) -> Result<()>;
    async fn list_organizations(
        &self,
        sort: Sort,
        page: PageRequest,
    ) -> Result<Listing<Organization>>;
    /// The organizations whose name or display name contains `query`, ignoring case (`%`, `_`
    /// and `\` match themselves), in creation order, with the cursors of `list_organizations`.
    async fn search_organizations(
        &self,
        query: &str,
        page: PageRequest,
    ) -> Result<Listing<Organization>>;
}

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    async fn create_connection(&self, connection: Connection) -> Result<Connection>;
    async fn get_connection(&self, id: &ConnectionId) -> Result<Connection>;
    /// Ordered by id.
    async fn list_connections(
        &self,
        filter: &ConnectionFilter,
        page: PageRequest,
    ) -> Result<Listing<Connection>>;
    async fn update_connection(
        &self,
        id: &ConnectionId,
        patch: ConnectionPatch,
    ) -> Result<Connection>;
    /// The first `limit` organizations that have the connection enabled, in creation order.
    async fn organizations_using(&self, id: &ConnectionId, limit: u32)
        -> Result<Vec<Organization>>;
    /// Deletes the connection and removes it from every organization. Returns when it was
    /// deleted, or `None` if there was no such connection.
    async fn delete_connection(
        &self,
        id: &ConnectionId,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>>;
}

#[async_trait]
pub trait OrgConnectionStore: Send + Sync {
    /// In the order they were enabled. NotFound(Organization) if the organization is missing.
    async fn list_enabled_connections(
        &self,
        org: &OrgId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<EnabledConnection>>;
    async fn get_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
    ) -> Result<EnabledConnection>;
    /// Conflict if already enabled; LimitReached past the limit; NotFound if either is missing.
    async fn enable_connection(
        &self,
        org: &OrgId,
        new: NewEnabledConnection,
    ) -> Result<EnabledConnection>;
    async fn update_enabled_connection(
        &self,
        org: &OrgId,
        connection: &ConnectionId,
        patch: SettingsPatch,
    ) -> Result<EnabledConnection>;
    async fn disable_connection(&self, org: &OrgId, connection: &ConnectionId) -> Result<()>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn create_client(&self, client: Client) -> Result<Client>;
    async fn get_client(&self, id: &ClientId) -> Result<Client>;
    async fn list_clients(&self, page: PageRequest) -> Result<Listing<Client>>;
    async fn update_client(&self, id: &ClientId, patch: ClientPatch) -> Result<Client>;
    /// Deletes the client and its grants.
    async fn delete_client(&self, id: &ClientId) -> Result<()>;
}

#[async_trait]
pub trait GrantStore: Send + Sync {
    /// NotFound(Client) if the client is missing; Conflict if it has a grant for the audience.
    async fn create_grant(&self, grant: ClientGrant) -> Result<ClientGrant>;
    async fn get_grant(&self, id: &GrantId) -> Result<ClientGrant>;
    async fn find_grant(&self, client: &ClientId, audience: &str) -> Result<Option<ClientGrant>>;
    async fn list_grants(
        &self,
        filter: &GrantFilter,
        page: PageRequest,
    ) -> Result<Listing<ClientGrant>>;
    async fn update_grant(&self, id: &GrantId, patch: ClientGrantPatch) -> Result<ClientGrant>;
    async fn delete_grant(&self, id: &GrantId) -> Result<()>;
    /// Associates the grant with the organization (`rules::organization_grants::associate`).
    async fn associate_organization_grant(
        &self,
        org: &OrgId,
        grant: &GrantId,
    ) -> Result<ClientGrant>;
    /// Ends the association (`rules::organization_grants::dissociate`).
    async fn dissociate_organization_grant(&self, org: &OrgId, grant: &GrantId) -> Result<()>;
    /// Every association, for copying a tenant: (organization, grant), oldest first.
    async fn organization_grant_pairs(&self) -> Result<Vec<(OrgId, GrantId)>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// NotFound(Connection) if the connection is gone, or not a database one for a user with
    /// a password (`hash`), or not of the federated user's strategy (who has no hash);
    /// Conflict if the email or username is taken on it.
    async fn create_user(&self, user: User, hash: Option<PasswordHash>) -> Result<User>;
    async fn get_user(&self, id: &UserId) -> Result<User>;
    /// An offset page of the users matching the query, in the order asked, with the total.
    async fn list_users(
        &self,
        query: &Query,
        sort: UserSort,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<User>>;
    /// Users with this (lowercased) email, on every connection, oldest first.
    async fn users_by_email(&self, email: &str) -> Result<Vec<User>>;
    async fn update_user(
        &self,
        id: &UserId,
        patch: UserPatch,
        hash: Option<PasswordHash>,
        now: OffsetDateTime,
    ) -> Result<User>;
    async fn delete_user(&self, id: &UserId) -> Result<()>;
    /// The stored hash, for checking a password (sign-in) and for copying a tenant; `None` for
    /// a federated user (and one that does not exist).
    async fn password_hash(&self, id: &UserId) -> Result<Option<PasswordHash>>;
}

#[async_trait]
pub trait MemberStore: Send + Sync {
    /// NotFound(Organization); Invalid naming the first user that does not exist.
    async fn add_members(&self, org: &OrgId, users: &[UserId]) -> Result<()>;
    async fn remove_members(&self, org: &OrgId, users: &[UserId]) -> Result<()>;
    /// The organization's members (as users) in the order they were added; NotFound if the
    /// organization does not exist. Checkpoint pages carry the last membership's position.
    async fn list_members(&self, org: &OrgId, page: PageRequest) -> Result<Listing<User>>;
    /// The organizations the user is a member of, in the order joined, with the total.
    async fn user_organizations(
        &self,
        user: &UserId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Organization>>;
    /// Every membership, for copying a tenant: (organization, user), oldest first.
    async fn member_pairs(&self) -> Result<Vec<(OrgId, UserId)>>;
}

#[async_trait]
pub trait RoleStore: Send + Sync {
    async fn create_role(&self, role: Role) -> Result<Role>;
    async fn get_role(&self, id: &RoleId) -> Result<Role>;
    /// Roles whose name contains `name_filter` (case-insensitively), in creation order.
    async fn list_roles(
        &self,
        name_filter: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Role>>;
    async fn update_role(&self, id: &RoleId, patch: RolePatch) -> Result<Role>;
    async fn delete_role(&self, id: &RoleId) -> Result<()>;
    async fn add_role_permissions(&self, role: &RoleId, p: &[PermissionRef]) -> Result<()>;
    async fn remove_role_permissions(&self, role: &RoleId, p: &[PermissionRef]) -> Result<()>;
    /// NotFound(Role) if the role does not exist.
    async fn list_role_permissions(
        &self,
        role: &RoleId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<RolePermission>>;
    /// Gives roles to a user or a member (`rules::roles::give`).
    async fn give_roles(&self, holder: &Holder, roles: &[RoleId]) -> Result<()>;
    async fn take_roles(&self, holder: &Holder, roles: &[RoleId]) -> Result<()>;
    /// The roles held, in the order given; NotFound(User) if the user does not exist.
    async fn roles_of(&self, holder: &Holder, page: u32, per_page: u32) -> Result<Listing<Role>>;
    /// Every role holding, for copying a tenant, oldest first.
    async fn role_holdings(&self) -> Result<Vec<(Holder, RoleId)>>;
    /// Every permission of every role, for copying a tenant.
    async fn role_permission_pairs(&self) -> Result<Vec<(RoleId, PermissionRef)>>;
    /// The users holding the role in the tenant, in the order given (`rules::roles::give`);
    /// NotFound(Role) if the role does not exist.
    async fn role_users(&self, role: &RoleId, page: PageRequest) -> Result<Listing<User>>;
    /// `rules::roles::give_to_users`.
    async fn give_role_to_users(&self, role: &RoleId, users: &[UserId]) -> Result<()>;
    /// `rules::roles::give_user_permissions`.
    async fn add_user_permissions(&self, user: &UserId, p: &[PermissionRef]) -> Result<()>;
    /// `rules::roles::take_user_permissions`.
    async fn remove_user_permissions(&self, user: &UserId, p: &[PermissionRef]) -> Result<()>;
    /// The user's permissions, direct and through tenant roles (`role::user_permissions`);
    /// NotFound(User) if the user does not exist.
    async fn user_permissions(
        &self,
        user: &UserId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<UserPermission>>;
    /// Every permission given directly to a user, for copying a tenant, oldest first.
    async fn user_permission_pairs(&self) -> Result<Vec<(UserId, PermissionRef)>>;
}

#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// The rules of `rules::invitations::create`.
    async fn create_invitation(
        &self,
        org: &OrgId,
        new: NewInvitation,
        now: OffsetDateTime,
    ) -> Result<Invitation>;
    /// NotFound(Invitation) if there is none, or it has expired at `now`.
    async fn get_invitation(
        &self,
        org: &OrgId,
        id: &InvitationId,
        now: OffsetDateTime,
    ) -> Result<Invitation>;
    /// The organization's invitations not expired at `now`, oldest first (`descending`:
    /// newest first); NotFound(Organization) if it does not exist.
    async fn list_invitations(
        &self,
        org: &OrgId,
        now: OffsetDateTime,
        descending: bool,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Invitation>>;
    async fn delete_invitation(&self, org: &OrgId, id: &InvitationId) -> Result<()>;
    /// Every invitation, expired or not, oldest first (for copying a tenant).
    async fn all_invitations(&self) -> Result<Vec<Invitation>>;
    /// Stores an invitation as it was (id, ticket, times): for copying a tenant only.
    async fn import_invitation(&self, invitation: Invitation) -> Result<()>;
}

#[async_trait]
pub trait DiscoveryDomainStore: Send + Sync {
    async fn create_discovery_domain(&self, d: DiscoveryDomain) -> Result<DiscoveryDomain>;
    /// By id, or by domain name (`by_name`); NotFound(DiscoveryDomain) if there is none.
    async fn get_discovery_domain(
        &self,
        org: &OrgId,
        key: &str,
        by_name: bool,
    ) -> Result<DiscoveryDomain>;
    /// A checkpoint page in creation order; NotFound(Organization) if it does not exist.
    async fn list_discovery_domains(
        &self,
        org: &OrgId,
        from: Option<String>,
        take: u32,
    ) -> Result<Listing<DiscoveryDomain>>;
    async fn update_discovery_domain(
        &self,
        org: &OrgId,
        id: &DiscoveryDomainId,
        patch: UpdateDiscoveryDomain,
    ) -> Result<DiscoveryDomain>;
    async fn delete_discovery_domain(&self, org: &OrgId, id: &DiscoveryDomainId) -> Result<()>;
    /// Every discovery domain, for copying a tenant.
    async fn all_discovery_domains(&self) -> Result<Vec<DiscoveryDomain>>;
}

#[async_trait]
pub trait ResourceServerStore: Send + Sync {
    /// Conflict if the identifier is taken.
    async fn create_resource_server(&self, rs: ResourceServer) -> Result<ResourceServer>;
    /// By id or by identifier (Auth0's paths accept both). NotFound(ResourceServer).
    async fn get_resource_server(&self, id_or_identifier: &str) -> Result<ResourceServer>;
    /// In creation order: `limit` of them after the first `offset`, and how many there are.
    async fn list_resource_servers(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<Listing<ResourceServer>>;
    async fn update_resource_server(
        &self,
        id: &ResourceServerId,
        patch: ResourceServerPatch,
    ) -> Result<ResourceServer>;
    /// Deletes it and the client grants on its identifier; whether there was one.
    async fn delete_resource_server(&self, id: &ResourceServerId) -> Result<bool>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Every key, the current one first, then the newest first.
    async fn signing_keys(&self) -> Result<Vec<SigningKey>>;
    /// Adds a key as given; if it is current, the previous current key stops being current and
    /// is rotated out at `now`.
    async fn add_signing_key(&self, key: SigningKey, now: OffsetDateTime) -> Result<()>;
    /// Revokes a key that is not current, at `now`. NotFound(SigningKey) if there is no such key.
    async fn revoke_signing_key(&self, kid: &str, now: OffsetDateTime) -> Result<Revocation>;
    /// Replaces a key's stored private key with `new`, if it still is `old` (false otherwise:
    /// another instance changed it first, or there is no such key). Afterwards `old` is no
    /// longer in the files the backend keeps, as far as the backend can see to that.
    async fn replace_private_key(&self, kid: &str, old: &[u8], new: Vec<u8>) -> Result<bool>;
}

/// What the login flow keeps between requests ([`crate::login::artifact`]).
#[async_trait]
pub trait LoginStore: Send + Sync {
    /// Stores a new artifact (its key is fresh: a collision is an internal error). Artifacts
    /// expired before `now` are removed on the way, so the table stays bounded.
    async fn put_artifact(&self, artifact: Artifact, now: OffsetDateTime) -> Result<()>;
    /// The artifact as it is, if it has not expired at `now`.
    async fn get_artifact(
        &self,
        kind: ArtifactKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Artifact>>;
    /// Marks the artifact used at `now` and returns it as it was before (so the caller sees
    /// whether it had been used already); `None` if there is none or it has expired. Two
    /// concurrent calls never both see it unused.
    async fn consume_artifact(
        &self,
        kind: ArtifactKind,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Artifact>>;
    /// Removes it; whether there was one.
    async fn delete_artifact(&self, kind: ArtifactKind, key: &str) -> Result<bool>;
    /// Every artifact that has not expired at `now`, as stored, for copying an installation
    /// (so sessions, refresh tokens and password links outlive a move between backends).
    async fn live_artifacts(&self, now: OffsetDateTime) -> Result<Vec<Artifact>>;
}

/// Everything a server needs from storage.
pub trait Store:
    OrganizationStore
    + ConnectionStore
    + OrgConnectionStore
    + ClientStore
    + GrantStore
    + ResourceServerStore
    + UserStore
    + MemberStore
    + RoleStore
    + InvitationStore
    + DiscoveryDomainStore
    + KeyStore
    + LoginStore
{
}

impl<T> Store for T where
    T: OrganizationStore
        + ConnectionStore
        + OrgConnectionStore
        + ClientStore
        + GrantStore
        + ResourceServerStore
        + UserStore
        + MemberStore
        + RoleStore
        + InvitationStore
        + DiscoveryDomainStore
        + KeyStore
        + LoginStore
{
}

pub type DynStore = Arc<dyn Store>;
