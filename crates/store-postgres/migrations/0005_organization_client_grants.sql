-- The client grants associated with an organization (`/organizations/{id}/client-grants`).
-- seq: the order of association.
CREATE TABLE organization_client_grants (
    seq      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id   text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    grant_id text COLLATE "C" NOT NULL REFERENCES client_grants (id) ON DELETE CASCADE,
    CONSTRAINT organization_client_grants_org_id_grant_id_key UNIQUE (org_id, grant_id)
);

CREATE INDEX organization_client_grants_by_grant ON organization_client_grants (grant_id);
