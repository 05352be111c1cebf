-- Rotated out (no longer current, still verifying the tokens it signed until they expire) and
-- revoked (verifying nothing) were one column, revoked_at, set by every rotation so far: it
-- becomes rotated_at, and revoked_at now means revoked. The private key column may hold a key
-- sealed with the master key as well as plain PKCS#8, hence its new name.
ALTER TABLE signing_keys RENAME COLUMN private_pkcs8 TO private_key;
ALTER TABLE signing_keys ADD COLUMN rotated_at INTEGER;
UPDATE signing_keys SET rotated_at = revoked_at, revoked_at = NULL;
