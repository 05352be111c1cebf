-- Users of database connections. `profile` is the domain's JSON document of the profile;
-- `email` (lowercased) and `username` are beside it for uniqueness per connection and lookup.
-- Deleting the connection deletes its users (as Auth0). seq: the creation order.
CREATE TABLE users (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT    NOT NULL UNIQUE,
    connection_id       TEXT    NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    connection          TEXT    NOT NULL,
    email               TEXT,
    username            TEXT,
    password_hash       TEXT    NOT NULL,
    profile             TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    last_password_reset INTEGER
);

CREATE UNIQUE INDEX users_email_per_connection ON users (connection_id, email);
CREATE UNIQUE INDEX users_username_per_connection ON users (connection_id, lower(username));
CREATE INDEX users_by_email ON users (email);
