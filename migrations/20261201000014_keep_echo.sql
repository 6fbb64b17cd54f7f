-- The offline `echo` provider is what a new user runs first, and it can no longer be removed.
-- Databases where it was removed get it back.
INSERT OR IGNORE INTO providers (name, kind, base_url, key_env, builtin, created_at, updated_at)
VALUES ('echo', 'echo', '', NULL, 1, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER),
        CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
