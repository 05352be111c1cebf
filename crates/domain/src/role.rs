//! Roles: named sets of permissions (scopes of the tenant's APIs), given to users in the
//! tenant (`/users/{id}/roles`) or in one organization (member roles).

/// A permission named by its API and scope (the wire type: it has no rules of its own).
pub use orgwarden_proto::roles::PermissionRef;
use orgwarden_proto::roles::{self as wire, CreateRole, UpdateRole};

use crate::ids::RoleId;

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
    pub description: Option<String>,
}

impl Role {
    pub fn new(body: CreateRole) -> Role {
        Role {
            id: RoleId::generate(),
            name: body.name,
            description: body.description,
        }
    }

    pub fn to_wire(&self) -> wire::Role {
        wire::Role {
            id: self.id.as_str().to_owned(),
            name: self.name.clone(),
            description: self.description.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RolePatch {
    pub name: Option<String>,
    pub description: Option<String>,
}

impl From<UpdateRole> for RolePatch {
    fn from(b: UpdateRole) -> Self {
        RolePatch {
            name: b.name,
            description: b.description,
        }
    }
}

impl RolePatch {
    pub fn apply(self, r: &mut Role) {
        if let Some(n) = self.name {
            r.name = n;
        }
        if let Some(d) = self.description {
            r.description = Some(d);
        }
    }
}

/// A permission of a role, with what its API says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct RolePermission {
    pub permission: PermissionRef,
    pub description: Option<String>,
    pub resource_server_name: String,
}

impl RolePermission {
    pub fn to_wire(&self) -> wire::RolePermission {
        wire::RolePermission {
            permission_name: self.permission.permission_name.clone(),
            description: self.description.clone(),
            resource_server_name: self.resource_server_name.clone(),
            resource_server_identifier: self.permission.resource_server_identifier.clone(),
        }
    }
}

/// Who holds a role: a user in the tenant, or a user in one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    User(crate::user::UserId),
    Member(crate::ids::OrgId, crate::user::UserId),
}
