-- Roles, their permissions (scopes of resource servers, by identifier), and who holds them:
-- users in the tenant (user_roles) and users in one organization (member_roles). seq: the
-- order of creation or of giving. Everything goes with its role, user or organization.
CREATE TABLE roles (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT
);

CREATE TABLE role_permissions (
    seq                        INTEGER PRIMARY KEY AUTOINCREMENT,
    role_id                    TEXT    NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    resource_server_identifier TEXT    NOT NULL,
    permission_name            TEXT    NOT NULL,
    UNIQUE (role_id, resource_server_identifier, permission_name)
);

CREATE INDEX role_permissions_by_api ON role_permissions (resource_server_identifier);

CREATE TABLE user_roles (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT    NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    UNIQUE (user_id, role_id)
);

CREATE INDEX user_roles_by_role ON user_roles (role_id);

CREATE TABLE member_roles (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id  TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT    NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    UNIQUE (org_id, user_id, role_id)
);

CREATE INDEX member_roles_by_role ON member_roles (role_id);
CREATE INDEX member_roles_by_user ON member_roles (user_id);
