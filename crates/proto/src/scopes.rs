//! The Management API scopes this server knows (Auth0's names). The admin client gets all of them.

pub const MANAGEMENT_SCOPES: &[&str] = &[
    "read:organizations",
    "read:organizations_summary",
    "create:organizations",
    "update:organizations",
    "delete:organizations",
    "read:organization_connections",
    "create:organization_connections",
    "update:organization_connections",
    "delete:organization_connections",
    "read:organization_members",
    "create:organization_members",
    "delete:organization_members",
    "read:organization_member_roles",
    "create:organization_member_roles",
    "delete:organization_member_roles",
    "read:organization_invitations",
    "create:organization_invitations",
    "delete:organization_invitations",
    "read:organization_client_grants",
    "create:organization_client_grants",
    "delete:organization_client_grants",
    "read:connections",
    "create:connections",
    "update:connections",
    "delete:connections",
    "read:clients",
    "read:client_summary",
    "create:clients",
    "update:clients",
    "delete:clients",
    "read:client_keys",
    "update:client_keys",
    "read:client_credentials",
    "create:client_credentials",
    "update:client_credentials",
    "read:client_grants",
    "create:client_grants",
    "update:client_grants",
    "delete:client_grants",
    "read:resource_servers",
    "create:resource_servers",
    "update:resource_servers",
    "delete:resource_servers",
    "read:signing_keys",
    "create:signing_keys",
    "update:signing_keys",
    "read:users",
    "create:users",
    "update:users",
    "delete:users",
    "read:roles",
    "create:roles",
    "update:roles",
    "delete:roles",
    "read:actions",
    "create:actions",
    "read:directory_provisionings",
];

/// Properties of a client that Auth0 guards with a scope of their own, besides the scope of the
/// operation: changing a client's credentials is a different power from changing its settings.
pub struct GuardedField {
    pub property: &'static str,
    /// Any of these lets a create request set the property.
    pub on_create: &'static [&'static str],
    /// Any of these lets an update request set the property.
    pub on_update: &'static [&'static str],
}

pub const GUARDED_CLIENT_FIELDS: &[GuardedField] = &[
    GuardedField {
        property: "client_secret",
        on_create: &["create:clients"],
        on_update: &["update:client_keys"],
    },
    GuardedField {
        property: "signing_keys",
        on_create: &["create:clients"],
        on_update: &["update:client_keys"],
    },
    GuardedField {
        property: "encryption_key",
        on_create: &["create:clients"],
        on_update: &["update:client_keys"],
    },
    GuardedField {
        property: "client_authentication_methods",
        on_create: &["create:client_credentials"],
        on_update: &["update:client_credentials"],
    },
];
