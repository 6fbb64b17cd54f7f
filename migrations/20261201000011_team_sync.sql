-- Team sync (PostgreSQL, `promptline team connect` and `promptline sync`). This file stays the
-- working copy: these columns and tables only remember what the team server has already got.
--
-- `owner`: NULL for this user's own prompts and runs; a teammate's name for what was pulled from
-- the team. Only own rows are pushed, and only pulled rows are removed by the team's tombstones.
ALTER TABLE prompts ADD COLUMN owner TEXT CHECK (owner IS NULL OR owner <> '');
ALTER TABLE runs ADD COLUMN owner TEXT CHECK (owner IS NULL OR owner <> '');
-- Whether the team sees the prompt and its runs (`promptline prompt share`); private by default.
ALTER TABLE prompts ADD COLUMN shared INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1));
-- The `updated_at` of the version the server has; NULL when it has none. The prompt waits to be
-- pushed while the two differ.
ALTER TABLE prompts ADD COLUMN pushed_at INTEGER;
-- Whether the server has the run. Runs change no more once they ended, so one flag is enough.
ALTER TABLE runs ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0 CHECK (pushed IN (0, 1));

-- What the next push reads: the own runs the server does not have yet, in time order.
CREATE INDEX runs_to_push ON runs (seq) WHERE pushed = 0 AND owner IS NULL;
-- What the next push reads of the prompts: the own ones new or edited since they were pushed.
CREATE INDEX prompts_to_push ON prompts (updated_at, id)
WHERE owner IS NULL AND (pushed_at IS NULL OR pushed_at <> updated_at);
-- The Team filter: the pulled runs.
CREATE INDEX runs_by_owner ON runs (owner) WHERE owner IS NOT NULL;

-- The team server this database syncs with: at most one. The URL has no password (that is in the
-- OS keychain); `cursor` is the server's change number up to which everything has been pulled.
CREATE TABLE team_link (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    url          TEXT NOT NULL,
    user_name    TEXT NOT NULL,
    connected_at INTEGER NOT NULL,
    cursor       INTEGER NOT NULL DEFAULT 0,
    last_sync_at INTEGER,
    last_error   TEXT
);

-- Own prompts and runs deleted here that the server may have: their ids, until a push deletes
-- them there. Recorded only while a team is connected.
CREATE TABLE sync_tombstones (
    kind       TEXT NOT NULL CHECK (kind IN ('prompt', 'run')),
    id         TEXT NOT NULL,
    deleted_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

CREATE TRIGGER runs_tombstone_after_delete AFTER DELETE ON runs
WHEN old.owner IS NULL AND EXISTS (SELECT 1 FROM team_link) BEGIN
    INSERT OR REPLACE INTO sync_tombstones (kind, id, deleted_at)
    VALUES ('run', old.id, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
END;

CREATE TRIGGER prompts_tombstone_after_delete AFTER DELETE ON prompts
WHEN old.owner IS NULL AND EXISTS (SELECT 1 FROM team_link) BEGIN
    INSERT OR REPLACE INTO sync_tombstones (kind, id, deleted_at)
    VALUES ('prompt', old.id, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
END;

-- A row put back by an undone delete comes with its old sync state: its deletion, if not yet
-- pushed, is forgotten, and it is pushed again (a no-op where the server kept it).
CREATE TRIGGER runs_sync_after_insert AFTER INSERT ON runs WHEN new.owner IS NULL BEGIN
    DELETE FROM sync_tombstones WHERE kind = 'run' AND id = new.id;
    UPDATE runs SET pushed = 0 WHERE seq = new.seq AND new.pushed = 1;
END;

CREATE TRIGGER prompts_sync_after_insert AFTER INSERT ON prompts WHEN new.owner IS NULL BEGIN
    DELETE FROM sync_tombstones WHERE kind = 'prompt' AND id = new.id;
    UPDATE prompts SET pushed_at = NULL WHERE id = new.id AND new.pushed_at IS NOT NULL;
END;
