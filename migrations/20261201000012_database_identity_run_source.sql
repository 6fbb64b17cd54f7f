-- A stable identity for this database, made the first time it is opened. Secrets in the OS keychain
-- are bound to it (crates/core/src/secrets), so two databases on one machine never send each other's
-- keys; a copy of the file is the same database and keeps them. Never a secret itself.
CREATE TABLE database_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO database_meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));
