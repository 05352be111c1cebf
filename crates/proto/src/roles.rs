//! `/api/v2/roles`: named sets of permissions (scopes of resource servers) given to users,
//! in the tenant or in one organization.

use serde::{Deserialize, Serialize};

use crate::validate::{array, string, ObjectSchema, Schema};
use crate::Request;

/// At most this many roles or permissions in one request (bounded work).
pub const MAX_PER_REQUEST: usize = 100;

/// A role as shown (Auth0's key order: id, name, description).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `POST /roles`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateRole {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `PATCH /roles/{id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateRole {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn role_schema(create: bool) -> Schema {
    let o = ObjectSchema::new()
        .prop("name", "Name of the role.", string(1, 50))
        .prop("description", "Description of the role.", string(0, 140));
    if create {
        o.required(&["name"]).build()
    } else {
        o.min_props(1).build()
    }
}

impl Request for CreateRole {
    fn schema() -> Schema {
        role_schema(true)
    }
}

impl Request for UpdateRole {
    fn schema() -> Schema {
        role_schema(false)
    }
}

/// One permission: a scope (`permission_name`) of a resource server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PermissionRef {
    pub resource_server_identifier: String,
    pub permission_name: String,
}

/// `POST` and `DELETE /roles/{id}/permissions` and `/users/{id}/permissions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Permissions {
    pub permissions: Vec<PermissionRef>,
}

impl Request for Permissions {
    fn schema() -> Schema {
        let one = ObjectSchema::new()
            .prop(
                "resource_server_identifier",
                "Resource server (API) identifier that this permission is for.",
                string(1, 600),
            )
            .prop(
                "permission_name",
                "Name of this permission.",
                string(1, 280),
            )
            .required(&["resource_server_identifier", "permission_name"])
            .build();
        ObjectSchema::new()
            .prop(
                "permissions",
                "array of resource_server_identifier, permission_name pairs.",
                array(one, Some(MAX_PER_REQUEST), false),
            )
            .required(&["permissions"])
            .build()
    }

    fn check(&self) -> Result<(), crate::Invalid> {
        if self.permissions.is_empty() {
            return Err(crate::Invalid::on(
                "permissions",
                "Payload validation error: 'Array is too short (0), minimum 1' on property permissions (array of resource_server_identifier, permission_name pairs.).",
            ));
        }
        Ok(())
    }
}

/// A permission of a role as listed (Auth0's key order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolePermission {
    pub permission_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub resource_server_name: String,
    pub resource_server_identifier: String,
}

/// `POST`/`DELETE /users/{id}/roles` and `/organizations/{id}/members/{user_id}/roles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleIds {
    pub roles: Vec<String>,
}

impl Request for RoleIds {
    fn schema() -> Schema {
        ObjectSchema::new()
            .prop(
                "roles",
                "List of roles IDs.",
                array(string(1, 64), Some(MAX_PER_REQUEST), false),
            )
            .required(&["roles"])
            .build()
    }

    fn check(&self) -> Result<(), crate::Invalid> {
        if self.roles.is_empty() {
            return Err(crate::Invalid::on(
                "roles",
                "Payload validation error: 'Array is too short (0), minimum 1' on property roles (List of roles IDs.).",
            ));
        }
        Ok(())
    }
}

/// `POST /roles/{id}/users`: the users to give the role to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserIds {
    pub users: Vec<String>,
}

impl Request for UserIds {
    fn schema() -> Schema {
        ObjectSchema::new()
            .prop(
                "users",
                "user_id's of the users to assign the role to.",
                array(string(1, 128), Some(MAX_PER_REQUEST), false),
            )
            .required(&["users"])
            .build()
    }

    fn check(&self) -> Result<(), crate::Invalid> {
        if self.users.is_empty() {
            return Err(crate::Invalid::on(
                "users",
                "Payload validation error: 'Array is too short (0), minimum 1' on property users (user_id's of the users to assign the role to.).",
            ));
        }
        Ok(())
    }
}

/// Where a user's permission comes from (`GET /users/{id}/permissions`): given directly
/// (`DIRECT`, with empty id and name) or through a role (`ROLE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionSource {
    pub source_id: String,
    pub source_name: String,
    pub source_type: String,
}

/// A permission of a user as listed: a role permission's fields and its sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPermission {
    pub sources: Vec<PermissionSource>,
    pub permission_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub resource_server_name: String,
    pub resource_server_identifier: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_checked() {
        assert!(CreateRole::parse(&json!({"name": "admin", "description": "x"})).is_ok());
        assert!(CreateRole::parse(&json!({"description": "x"})).is_err());
        assert!(CreateRole::parse(&json!({"name": ""})).is_err());
        assert!(UpdateRole::parse(&json!({})).is_err());
        assert!(RoleIds::parse(&json!({"roles": []})).is_err());
        assert!(UserIds::parse(&json!({"users": ["auth0|1"]})).is_ok());
        assert!(UserIds::parse(&json!({"users": []})).is_err());
        assert!(UserIds::parse(&json!({"users": [1]})).is_err());
        assert!(Permissions::parse(&json!({"permissions": [{"permission_name": "x"}]})).is_err());
        assert!(Permissions::parse(&json!({"permissions": []})).is_err());
    }
}
