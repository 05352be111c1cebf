-- The APIs clients get tokens for. `seq` keeps creation order for listing; `settings` is the
-- domain's JSON document of everything but the id, the identifier and the name. The system
-- resource server (the Management API) is not stored.
CREATE TABLE resource_servers (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    identifier TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    settings   TEXT NOT NULL
);
