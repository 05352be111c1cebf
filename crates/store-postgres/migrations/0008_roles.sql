-- Roles, their permissions and who holds them (the same tables as SQLite's 0008).
CREATE TABLE roles (
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    id          text COLLATE "C" NOT NULL,
    name        text NOT NULL,
    description text,
    CONSTRAINT roles_pkey PRIMARY KEY (id),
    CONSTRAINT roles_seq_key UNIQUE (seq)
);

CREATE TABLE role_permissions (
    seq                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_id                    text COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    resource_server_identifier text COLLATE "C" NOT NULL,
    permission_name            text COLLATE "C" NOT NULL,
    CONSTRAINT role_permissions_key UNIQUE (role_id, resource_server_identifier, permission_name)
);

CREATE INDEX role_permissions_by_api ON role_permissions (resource_server_identifier);

CREATE TABLE user_roles (
    seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id text COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    CONSTRAINT user_roles_key UNIQUE (user_id, role_id)
);

CREATE INDEX user_roles_by_role ON user_roles (role_id);

CREATE TABLE member_roles (
    seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id  text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id text COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    CONSTRAINT member_roles_key UNIQUE (org_id, user_id, role_id)
);

CREATE INDEX member_roles_by_role ON member_roles (role_id);
CREATE INDEX member_roles_by_user ON member_roles (user_id);
