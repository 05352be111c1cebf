-- What the login flow keeps between requests: authorization codes and login sessions, each
-- under the SHA-256 of its secret. Rows past expires_at are swept when new ones are stored.
CREATE TABLE login_artifacts (
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER,
    PRIMARY KEY (kind, key)
);
CREATE INDEX login_artifacts_expiry ON login_artifacts (expires_at);
