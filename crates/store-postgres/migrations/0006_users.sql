-- Users of database connections (the same table as SQLite's 0006). `profile` is the domain's
-- JSON document of the profile; `email` (lowercased) and `username` are beside it for
-- uniqueness per connection and lookup. Deleting the connection deletes its users.
CREATE TABLE users (
    seq                 bigint GENERATED ALWAYS AS IDENTITY,
    id                  text COLLATE "C" NOT NULL,
    connection_id       text COLLATE "C" NOT NULL,
    connection          text NOT NULL,
    email               text COLLATE "C",
    username            text,
    password_hash       text NOT NULL,
    profile             jsonb NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    last_password_reset timestamptz,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_seq_key UNIQUE (seq),
    CONSTRAINT users_email_key UNIQUE (connection_id, email),
    CONSTRAINT users_connection_id_fkey FOREIGN KEY (connection_id)
        REFERENCES connections (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX users_username_key ON users (connection_id, lower(username));
CREATE INDEX users_by_email ON users (email);
