-- The client grants associated with an organization (`/organizations/{id}/client-grants`).
-- seq: the order of association.
CREATE TABLE organization_client_grants (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id   TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    grant_id TEXT    NOT NULL REFERENCES client_grants (id) ON DELETE CASCADE,
    UNIQUE (org_id, grant_id)
);

CREATE INDEX organization_client_grants_by_grant ON organization_client_grants (grant_id);
