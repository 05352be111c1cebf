//! The people of a tenant: `/users` (+ `/users-by-email`, a user's roles, permissions and
//! organizations), `/roles` (+ permissions and users), an organization's members, member roles, invitations, client
//! grants and discovery domains. Every body is a proto type, as the server reads it.

use orgwarden_proto::discovery_domains::{
    CreateDiscoveryDomain, DiscoveryDomain, UpdateDiscoveryDomain,
};
use orgwarden_proto::grants::{
    AssociateOrganizationClientGrant, ClientGrant, OrganizationClientGrant,
};
use orgwarden_proto::invitations::{CreateInvitation, Invitation};
use orgwarden_proto::members::{Member, Members};
use orgwarden_proto::organizations::Organization;
use orgwarden_proto::roles::{
    CreateRole, PermissionRef, Permissions, Role, RoleIds, RolePermission, UpdateRole, UserIds,
    UserPermission,
};
use orgwarden_proto::users::{CreateUser, UpdateUser, User};
use reqwest::Method;

use crate::error::Result;
use crate::{Client, Items, Query};

pub struct Users<'a> {
    pub(crate) client: &'a Client,
}

impl Users<'_> {
    /// Every user matching `q` (the search subset in docs/behaviour.md; `None`: everyone), by
    /// offset paging (Auth0 answers the first 1000).
    pub fn search(&self, q: Option<&str>, per_page: u32) -> Items<User> {
        let mut query = Query::new();
        if let Some(q) = q {
            query.push(("q".into(), q.into()));
            query.push(("search_engine".into(), "v3".into()));
        }
        self.client
            .offset_items(self.client.api(&["users"]), query, per_page)
    }

    pub async fn by_email(&self, email: &str) -> Result<Vec<User>> {
        let query = vec![("email".to_owned(), email.to_owned())];
        self.client
            .get(self.client.api(&["users-by-email"]), &query)
            .await
    }

    pub async fn get(&self, id: &str) -> Result<User> {
        self.client.get(self.client.api(&["users", id]), &[]).await
    }

    pub async fn create(&self, body: &CreateUser) -> Result<User> {
        let url = self.client.api(&["users"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn update(&self, id: &str, body: &UpdateUser) -> Result<User> {
        let url = self.client.api(&["users", id]);
        self.client.call(Method::PATCH, url, &[], Some(body)).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        self.client
            .call_empty(Method::DELETE, self.client.api(&["users", id]))
            .await
    }

    pub fn roles(&self, id: &str, per_page: u32) -> Items<Role> {
        let url = self.client.api(&["users", id, "roles"]);
        self.client.offset_items(url, Query::new(), per_page)
    }

    pub async fn give_roles(&self, id: &str, roles: &RoleIds) -> Result<()> {
        let url = self.client.api(&["users", id, "roles"]);
        self.client.call_no_content(Method::POST, url, roles).await
    }

    pub async fn take_roles(&self, id: &str, roles: &RoleIds) -> Result<()> {
        let url = self.client.api(&["users", id, "roles"]);
        self.client
            .call_no_content(Method::DELETE, url, roles)
            .await
    }

    pub fn organizations(&self, id: &str, per_page: u32) -> Items<Organization> {
        let url = self.client.api(&["users", id, "organizations"]);
        self.client.offset_items(url, Query::new(), per_page)
    }

    /// The user's permissions, direct and through tenant roles, each with its sources.
    pub fn permissions(&self, id: &str, per_page: u32) -> Items<UserPermission> {
        let url = self.client.api(&["users", id, "permissions"]);
        self.client.offset_items(url, Query::new(), per_page)
    }

    pub async fn give_permissions(&self, id: &str, permissions: Vec<PermissionRef>) -> Result<()> {
        let url = self.client.api(&["users", id, "permissions"]);
        let _: serde_json::Value = self
            .client
            .call(Method::POST, url, &[], Some(&Permissions { permissions }))
            .await?;
        Ok(())
    }

    pub async fn take_permissions(&self, id: &str, permissions: Vec<PermissionRef>) -> Result<()> {
        let url = self.client.api(&["users", id, "permissions"]);
        self.client
            .call_no_content(Method::DELETE, url, &Permissions { permissions })
            .await
    }
}

pub struct Roles<'a> {
    pub(crate) client: &'a Client,
}

impl Roles<'_> {
    pub fn all(&self, per_page: u32) -> Items<Role> {
        self.client
            .offset_items(self.client.api(&["roles"]), Query::new(), per_page)
    }

    /// Every role whose name contains `name_filter` (case-insensitive, Auth0's
    /// `name_filter`), by offset paging.
    pub fn named(&self, name_filter: &str, per_page: u32) -> Items<Role> {
        let query = vec![("name_filter".to_owned(), name_filter.to_owned())];
        self.client
            .offset_items(self.client.api(&["roles"]), query, per_page)
    }

    pub async fn get(&self, id: &str) -> Result<Role> {
        self.client.get(self.client.api(&["roles", id]), &[]).await
    }

    pub async fn create(&self, body: &CreateRole) -> Result<Role> {
        let url = self.client.api(&["roles"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn update(&self, id: &str, body: &UpdateRole) -> Result<Role> {
        let url = self.client.api(&["roles", id]);
        self.client.call(Method::PATCH, url, &[], Some(body)).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        let url = self.client.api(&["roles", id]);
        let _: serde_json::Value = self
            .client
            .call(Method::DELETE, url, &[], None::<&()>)
            .await?;
        Ok(())
    }

    pub fn permissions(&self, id: &str, per_page: u32) -> Items<RolePermission> {
        let url = self.client.api(&["roles", id, "permissions"]);
        self.client.offset_items(url, Query::new(), per_page)
    }

    pub async fn add_permissions(&self, id: &str, permissions: Vec<PermissionRef>) -> Result<()> {
        let url = self.client.api(&["roles", id, "permissions"]);
        let _: serde_json::Value = self
            .client
            .call(Method::POST, url, &[], Some(&Permissions { permissions }))
            .await?;
        Ok(())
    }

    pub async fn remove_permissions(
        &self,
        id: &str,
        permissions: Vec<PermissionRef>,
    ) -> Result<()> {
        let url = self.client.api(&["roles", id, "permissions"]);
        self.client
            .call_no_content(Method::DELETE, url, &Permissions { permissions })
            .await
    }

    /// The users holding the role in the tenant, by checkpoint paging.
    pub fn users(&self, id: &str, take: u32) -> Items<Member> {
        let url = self.client.api(&["roles", id, "users"]);
        self.client.checkpoint_items(url, Query::new(), take)
    }

    /// Gives the role to every user, or to none.
    pub async fn give_to_users(&self, id: &str, users: &[&str]) -> Result<()> {
        let url = self.client.api(&["roles", id, "users"]);
        let body = UserIds {
            users: users.iter().map(|u| (*u).to_owned()).collect(),
        };
        let _: serde_json::Value = self
            .client
            .call(Method::POST, url, &[], Some(&body))
            .await?;
        Ok(())
    }
}

/// What belongs to one organization beside its connections.
pub struct OrganizationPeople<'a> {
    pub(crate) client: &'a Client,
    pub(crate) org_id: &'a str,
}

impl OrganizationPeople<'_> {
    /// Every member, by checkpoint paging.
    pub fn members(&self, take: u32) -> Items<Member> {
        let url = self.client.api(&["organizations", self.org_id, "members"]);
        self.client.checkpoint_items(url, Query::new(), take)
    }

    pub async fn add_members(&self, user_ids: &[&str]) -> Result<()> {
        let url = self.client.api(&["organizations", self.org_id, "members"]);
        let body = Members {
            members: user_ids.iter().map(|s| s.to_string()).collect(),
        };
        self.client.call_no_content(Method::POST, url, &body).await
    }

    pub async fn remove_members(&self, user_ids: &[&str]) -> Result<()> {
        let url = self.client.api(&["organizations", self.org_id, "members"]);
        let body = Members {
            members: user_ids.iter().map(|s| s.to_string()).collect(),
        };
        self.client
            .call_no_content(Method::DELETE, url, &body)
            .await
    }

    pub fn member_roles(&self, user_id: &str, per_page: u32) -> Items<Role> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "members", user_id, "roles"]);
        self.client.offset_items(url, Query::new(), per_page)
    }

    pub async fn give_member_roles(&self, user_id: &str, roles: &RoleIds) -> Result<()> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "members", user_id, "roles"]);
        self.client.call_no_content(Method::POST, url, roles).await
    }

    pub async fn take_member_roles(&self, user_id: &str, roles: &RoleIds) -> Result<()> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "members", user_id, "roles"]);
        self.client
            .call_no_content(Method::DELETE, url, roles)
            .await
    }

    /// Page `page` (from 0) of the invitations that have not expired, `per_page` of them; a
    /// short page is the last.
    pub async fn invitations_page(&self, page: u32, per_page: u32) -> Result<Vec<Invitation>> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "invitations"]);
        let query = vec![
            ("page".to_owned(), page.to_string()),
            ("per_page".to_owned(), per_page.to_string()),
        ];
        self.client.get(url, &query).await
    }

    /// The first `per_page` invitations that have not expired (Auth0's invitation pages carry
    /// no total, so there is no stream).
    pub async fn invitations(&self, per_page: u32) -> Result<Vec<Invitation>> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "invitations"]);
        let query = vec![("per_page".to_owned(), per_page.to_string())];
        self.client.get(url, &query).await
    }

    pub async fn invitation(&self, id: &str) -> Result<Invitation> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "invitations", id]);
        self.client.get(url, &[]).await
    }

    pub async fn invite(&self, body: &CreateInvitation) -> Result<Invitation> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "invitations"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn revoke_invitation(&self, id: &str) -> Result<()> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "invitations", id]);
        self.client.call_empty(Method::DELETE, url).await
    }

    pub fn client_grants(&self, per_page: u32) -> Items<ClientGrant> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "client-grants"]);
        self.client.offset_items(url, Query::new(), per_page)
    }

    pub async fn associate_client_grant(&self, grant_id: &str) -> Result<OrganizationClientGrant> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "client-grants"]);
        let body = AssociateOrganizationClientGrant {
            grant_id: grant_id.to_owned(),
        };
        self.client.call(Method::POST, url, &[], Some(&body)).await
    }

    pub fn discovery_domains(&self, take: u32) -> Items<DiscoveryDomain> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "discovery-domains"]);
        self.client.checkpoint_items(url, Query::new(), take)
    }

    pub async fn add_discovery_domain(
        &self,
        body: &CreateDiscoveryDomain,
    ) -> Result<DiscoveryDomain> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "discovery-domains"]);
        self.client.call(Method::POST, url, &[], Some(body)).await
    }

    pub async fn update_discovery_domain(
        &self,
        id: &str,
        body: &UpdateDiscoveryDomain,
    ) -> Result<DiscoveryDomain> {
        let url = self
            .client
            .api(&["organizations", self.org_id, "discovery-domains", id]);
        self.client.call(Method::PATCH, url, &[], Some(body)).await
    }
}
