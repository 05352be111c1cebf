-- Permissions given to a user directly (`/users/{id}/permissions`), beside those of their
-- roles. They go with their user, and with their API (resource_servers' delete).
CREATE TABLE user_permissions (
    seq                        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    resource_server_identifier TEXT    NOT NULL,
    permission_name            TEXT    NOT NULL,
    UNIQUE (user_id, resource_server_identifier, permission_name)
);

CREATE INDEX user_permissions_by_api ON user_permissions (resource_server_identifier);
