-- Auth0's newer organization settings (token_quota, third_party_client_access, ...), as JSON.
ALTER TABLE organizations ADD COLUMN attributes json NOT NULL DEFAULT '{}';
