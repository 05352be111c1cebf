-- The discovery domains of each organization (the same table as SQLite's 0010).
CREATE TABLE discovery_domains (
    seq                            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                             text COLLATE "C" NOT NULL,
    org_id                         text COLLATE "C" NOT NULL,
    domain                         text COLLATE "C" NOT NULL,
    verified                       boolean NOT NULL,
    verification_txt               text NOT NULL,
    use_for_organization_discovery boolean,
    CONSTRAINT discovery_domains_id_key UNIQUE (id),
    CONSTRAINT discovery_domains_org_id_domain_key UNIQUE (org_id, domain),
    CONSTRAINT discovery_domains_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);
