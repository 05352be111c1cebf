-- Invitations to join an organization (the same table as SQLite's 0009).
CREATE TABLE invitations (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            text COLLATE "C" NOT NULL,
    org_id        text COLLATE "C" NOT NULL,
    client_id     text COLLATE "C" NOT NULL,
    connection_id text COLLATE "C",
    ticket_id     text COLLATE "C" NOT NULL,
    document      jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    CONSTRAINT invitations_id_key UNIQUE (id),
    CONSTRAINT invitations_ticket_id_key UNIQUE (ticket_id),
    CONSTRAINT invitations_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT invitations_client_id_fkey FOREIGN KEY (client_id)
        REFERENCES clients (client_id) ON DELETE CASCADE,
    CONSTRAINT invitations_connection_id_fkey FOREIGN KEY (connection_id)
        REFERENCES connections (id) ON DELETE CASCADE
);

CREATE INDEX invitations_by_org ON invitations (org_id, expires_at);
