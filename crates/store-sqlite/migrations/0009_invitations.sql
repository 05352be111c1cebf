-- Invitations to join an organization. `document` holds the inviter, invitee, metadata, roles
-- and link; the ticket is unique. Everything goes with its organization, client or connection.
CREATE TABLE invitations (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT    NOT NULL UNIQUE,
    org_id        TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    client_id     TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    connection_id TEXT    REFERENCES connections (id) ON DELETE CASCADE,
    ticket_id     TEXT    NOT NULL UNIQUE,
    document      TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);

CREATE INDEX invitations_by_org ON invitations (org_id, expires_at);
