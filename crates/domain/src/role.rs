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

/// Where a user's permission comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionSource {
    /// Given to the user (`/users/{id}/permissions`).
    Direct,
    /// Through a role the user holds in the tenant (not member roles: those hold in one
    /// organization only).
    Role(RoleId, String),
}

/// A permission of a user, with each of its sources.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPermission {
    pub permission: RolePermission,
    pub sources: Vec<PermissionSource>,
}

impl UserPermission {
    pub fn to_wire(&self) -> wire::UserPermission {
        let p = self.permission.to_wire();
        wire::UserPermission {
            sources: self
                .sources
                .iter()
                .map(|s| match s {
                    PermissionSource::Direct => wire::PermissionSource {
                        source_id: String::new(),
                        source_name: String::new(),
                        source_type: "DIRECT".into(),
                    },
                    PermissionSource::Role(id, name) => wire::PermissionSource {
                        source_id: id.as_str().to_owned(),
                        source_name: name.clone(),
                        source_type: "ROLE".into(),
                    },
                })
                .collect(),
            permission_name: p.permission_name,
            description: p.description,
            resource_server_name: p.resource_server_name,
            resource_server_identifier: p.resource_server_identifier,
        }
    }
}

/// A user's permissions from the stored rows: each permission once, with its sources (direct
/// first, then roles in the order given), ordered by API and name. `api` names an API and
/// describes its scopes; a permission whose API or scope is gone is left out, as for roles.
pub fn user_permissions(
    rows: Vec<(PermissionRef, PermissionSource)>,
    api: impl Fn(&str) -> Option<(String, crate::resource_server::Settings)>,
) -> Vec<UserPermission> {
    use std::collections::BTreeMap;
    let mut by_ref: BTreeMap<PermissionRef, Vec<PermissionSource>> = BTreeMap::new();
    for (p, source) in rows {
        let sources = by_ref.entry(p).or_default();
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    let mut apis = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (p, mut sources) in by_ref {
        let described = apis
            .entry(p.resource_server_identifier.clone())
            .or_insert_with(|| api(&p.resource_server_identifier));
        let Some((rs_name, settings)) = described else {
            continue;
        };
        let Some(scope) = settings
            .scopes
            .iter()
            .find(|s| s.value == p.permission_name)
        else {
            continue;
        };
        sources.sort_by_key(|s| !matches!(s, PermissionSource::Direct));
        out.push(UserPermission {
            permission: RolePermission {
                description: scope.description.clone(),
                resource_server_name: rs_name.clone(),
                permission: p,
            },
            sources,
        });
    }
    out
}
