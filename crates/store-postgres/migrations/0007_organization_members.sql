-- The people of each organization (the same table as SQLite's 0007). seq: the order of
-- joining. A membership goes with its organization or its user.
CREATE TABLE organization_members (
    seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id  text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    CONSTRAINT organization_members_org_id_user_id_key UNIQUE (org_id, user_id),
    CONSTRAINT organization_members_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT organization_members_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX organization_members_by_user ON organization_members (user_id);
