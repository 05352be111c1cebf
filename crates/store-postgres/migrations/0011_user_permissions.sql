-- Permissions given to a user directly (the same table as SQLite's 0011).
CREATE TABLE user_permissions (
    seq                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    resource_server_identifier text COLLATE "C" NOT NULL,
    permission_name            text COLLATE "C" NOT NULL,
    CONSTRAINT user_permissions_key UNIQUE (user_id, resource_server_identifier, permission_name)
);

CREATE INDEX user_permissions_by_api ON user_permissions (resource_server_identifier);
