-- The discovery domains of each organization; one domain per organization once. seq: the
-- creation order (checkpoint pages).
CREATE TABLE discovery_domains (
    seq                            INTEGER PRIMARY KEY AUTOINCREMENT,
    id                             TEXT    NOT NULL UNIQUE,
    org_id                         TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain                         TEXT    NOT NULL,
    verified                       INTEGER NOT NULL,
    verification_txt               TEXT    NOT NULL,
    use_for_organization_discovery INTEGER,
    UNIQUE (org_id, domain)
);
