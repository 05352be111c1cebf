-- The client grants associated with an organization (`/organizations/{id}/client-grants`).
-- seq: the order of association.
CREATE TABLE organization_client_grants (
    seq      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id   text COLLATE "C" NOT NULL,
    grant_id text COLLATE "C" NOT NULL,
    CONSTRAINT organization_client_grants_org_id_grant_id_key UNIQUE (org_id, grant_id),
    CONSTRAINT organization_client_grants_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT organization_client_grants_grant_id_fkey FOREIGN KEY (grant_id)
        REFERENCES client_grants (id) ON DELETE CASCADE
);

CREATE INDEX organization_client_grants_by_grant ON organization_client_grants (grant_id);
