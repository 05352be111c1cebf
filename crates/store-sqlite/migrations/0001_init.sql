-- The first schema of orgwarden's SQLite store.
-- JSON values are stored as text; times as integer nanoseconds since the UNIX epoch (UTC);
-- booleans as 0/1.

-- seq gives the creation order (the `created_at` sort) and the tie-break of the other sorts.
CREATE TABLE organizations (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL UNIQUE,
    display_name TEXT,
    branding     TEXT,
    metadata     TEXT,
    created_at   INTEGER NOT NULL
);

CREATE INDEX organizations_by_display_name ON organizations (coalesce(display_name, ''), seq);

CREATE TABLE connections (
    id                   TEXT    NOT NULL PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE,
    strategy             TEXT    NOT NULL,
    display_name         TEXT,
    options              TEXT    NOT NULL,
    realms               TEXT    NOT NULL,
    is_domain_connection INTEGER NOT NULL,
    show_as_button       INTEGER,
    enabled_clients      TEXT    NOT NULL,
    metadata             TEXT,
    authentication       TEXT,
    connected_accounts   TEXT
) WITHOUT ROWID;

CREATE INDEX connections_by_strategy ON connections (strategy, id);

-- seq: the order in which the connections were enabled, per organization.
CREATE TABLE organization_connections (
    org_id                     TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    connection_id              TEXT    NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    seq                        INTEGER NOT NULL,
    assign_membership_on_login INTEGER NOT NULL,
    show_as_button             INTEGER NOT NULL,
    is_signup_enabled          INTEGER NOT NULL,
    PRIMARY KEY (org_id, connection_id),
    UNIQUE (org_id, seq)
) WITHOUT ROWID;

CREATE INDEX organization_connections_by_connection ON organization_connections (connection_id);

-- seq: the creation order.
CREATE TABLE clients (
    client_id   TEXT    NOT NULL PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL,
    attributes  TEXT    NOT NULL
) WITHOUT ROWID;

CREATE TABLE client_grants (
    id         TEXT NOT NULL PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    audience   TEXT NOT NULL,
    scope      TEXT NOT NULL,
    attributes TEXT NOT NULL,
    UNIQUE (client_id, audience)
) WITHOUT ROWID;

CREATE INDEX client_grants_by_audience ON client_grants (audience, id);

CREATE TABLE signing_keys (
    kid           TEXT    NOT NULL PRIMARY KEY,
    private_pkcs8 BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    current       INTEGER NOT NULL,
    revoked_at    INTEGER
) WITHOUT ROWID;

-- At most one current key.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (current) WHERE current = 1;
