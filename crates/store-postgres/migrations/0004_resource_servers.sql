-- The APIs clients get tokens for (the same table as SQLite's 0004). `seq` keeps creation
-- order for listing; `settings` is the domain's JSON document of everything but the id, the
-- identifier and the name. The system resource server (the Management API) is not stored.
CREATE TABLE resource_servers (
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    id         text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    name       text NOT NULL,
    settings   json NOT NULL,
    CONSTRAINT resource_servers_pkey PRIMARY KEY (id),
    CONSTRAINT resource_servers_seq_key UNIQUE (seq),
    CONSTRAINT resource_servers_identifier_key UNIQUE (identifier)
);
