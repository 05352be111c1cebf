-- The people of each organization. seq: the order of joining (member lists and checkpoints).
-- A membership goes with its organization or its user.
CREATE TABLE organization_members (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id  TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    UNIQUE (org_id, user_id)
);

CREATE INDEX organization_members_by_user ON organization_members (user_id);
