-- The first schema of orgwarden's PostgreSQL store (the same tables as SQLite's 0001_init.sql).
-- JSON values are `json`, which keeps the text as written (key order included); times are
-- timestamptz (to the microsecond, where SQLite's keep nanoseconds). Text that is sorted or compared is COLLATE "C": byte order, as SQLite and Rust
-- compare, whatever the database's locale.
-- Constraints are named: the store maps their violations to domain errors by these names
-- (src/errors.rs).

-- seq gives the creation order (the `created_at` sort) and the tie-break of the other sorts.
CREATE TABLE organizations (
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    id           text COLLATE "C" NOT NULL,
    name         text COLLATE "C" NOT NULL,
    display_name text COLLATE "C",
    branding     json,
    metadata     json,
    created_at   timestamptz NOT NULL,
    CONSTRAINT organizations_pkey PRIMARY KEY (id),
    CONSTRAINT organizations_seq_key UNIQUE (seq),
    CONSTRAINT organizations_name_key UNIQUE (name)
);

CREATE INDEX organizations_by_display_name ON organizations (coalesce(display_name, ''), seq);

CREATE TABLE connections (
    id                   text COLLATE "C" NOT NULL,
    name                 text COLLATE "C" NOT NULL,
    strategy             text COLLATE "C" NOT NULL,
    display_name         text,
    options              json    NOT NULL,
    realms               json    NOT NULL,
    is_domain_connection boolean NOT NULL,
    show_as_button       boolean,
    enabled_clients      json    NOT NULL,
    metadata             json,
    authentication       json,
    connected_accounts   json,
    CONSTRAINT connections_pkey PRIMARY KEY (id),
    CONSTRAINT connections_name_key UNIQUE (name)
);

CREATE INDEX connections_by_strategy ON connections (strategy, id);

-- seq: the order in which the connections were enabled (enables of one organization are
-- serialized by a lock on its row, so their seq values increase in that order).
CREATE TABLE organization_connections (
    org_id                     text COLLATE "C" NOT NULL,
    connection_id              text COLLATE "C" NOT NULL,
    seq                        bigint GENERATED ALWAYS AS IDENTITY,
    assign_membership_on_login boolean NOT NULL,
    show_as_button             boolean NOT NULL,
    is_signup_enabled          boolean NOT NULL,
    CONSTRAINT organization_connections_pkey PRIMARY KEY (org_id, connection_id),
    CONSTRAINT organization_connections_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT organization_connections_connection_id_fkey FOREIGN KEY (connection_id)
        REFERENCES connections (id) ON DELETE CASCADE
);

CREATE INDEX organization_connections_in_order ON organization_connections (org_id, seq);
CREATE INDEX organization_connections_by_connection ON organization_connections (connection_id);

-- seq: the creation order.
CREATE TABLE clients (
    client_id   text COLLATE "C" NOT NULL,
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    name        text NOT NULL,
    secret_hash text NOT NULL,
    attributes  json NOT NULL,
    CONSTRAINT clients_pkey PRIMARY KEY (client_id),
    CONSTRAINT clients_seq_key UNIQUE (seq)
);

CREATE TABLE client_grants (
    id         text COLLATE "C" NOT NULL,
    client_id  text COLLATE "C" NOT NULL,
    audience   text COLLATE "C" NOT NULL,
    scope      json NOT NULL,
    attributes json NOT NULL,
    CONSTRAINT client_grants_pkey PRIMARY KEY (id),
    CONSTRAINT client_grants_client_id_fkey FOREIGN KEY (client_id)
        REFERENCES clients (client_id) ON DELETE CASCADE,
    CONSTRAINT client_grants_client_id_audience_key UNIQUE (client_id, audience)
);

CREATE INDEX client_grants_by_audience ON client_grants (audience, id);

CREATE TABLE signing_keys (
    kid           text COLLATE "C" NOT NULL,
    private_pkcs8 bytea       NOT NULL,
    created_at    timestamptz NOT NULL,
    current       boolean     NOT NULL,
    revoked_at    timestamptz,
    CONSTRAINT signing_keys_pkey PRIMARY KEY (kid)
);

-- At most one current key.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (current) WHERE current;
