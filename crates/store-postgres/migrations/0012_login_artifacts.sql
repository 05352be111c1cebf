-- What the login flow keeps between requests (the same table as SQLite's 0012).
CREATE TABLE login_artifacts (
    kind        text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    payload     jsonb NOT NULL,
    expires_at  timestamptz NOT NULL,
    consumed_at timestamptz,
    PRIMARY KEY (kind, key)
);

CREATE INDEX login_artifacts_expiry ON login_artifacts (expires_at);
