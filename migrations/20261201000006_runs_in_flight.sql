-- A run is recorded when it starts, as `running`, and its partial response is kept as it streams,
-- so a killed process, a machine that never wakes or a power cut loses no attempt. When the run
-- ends its row is completed in place (same id, same time). A run left `running` by a process that
-- no longer exists becomes `interrupted` at the next open of the database, with what had arrived.

-- Two more statuses. The CHECK constraint is part of the table's text: widening the set changes no
-- stored row, so the definition is edited in place (SQLite's documented procedure for changes that
-- leave the file's content as it is) instead of copying the whole history into a new table. The
-- CREATE TABLE below bumps the schema version, so every open connection reloads the definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (status IN (''success'', ''error'', ''timeout'', ''cancelled''))',
    'CHECK (status IN (''success'', ''error'', ''timeout'', ''cancelled'', ''running'', ''interrupted''))')
WHERE type = 'table' AND name = 'runs';
PRAGMA writable_schema = RESET;

-- The runs in flight: who runs each (a process instance, whose liveness is a lock it holds on a
-- file beside the database, and its pid for the message) and when its response was last written.
CREATE TABLE runs_in_flight (
    seq        INTEGER PRIMARY KEY REFERENCES runs (seq) ON DELETE CASCADE,
    owner      TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    written_at INTEGER NOT NULL
);

CREATE INDEX runs_in_flight_by_owner ON runs_in_flight (owner);

-- The response of a run in flight, in the pieces written as it streamed: each write appends what
-- arrived since the last, so a long answer costs its length once, not once per write. It goes to
-- `run_texts` in one piece when the run ends, so the search index is updated once per run.
CREATE TABLE run_pieces (
    seq   INTEGER NOT NULL REFERENCES runs_in_flight (seq) ON DELETE CASCADE,
    piece INTEGER NOT NULL,
    text  TEXT NOT NULL,
    PRIMARY KEY (seq, piece)
) WITHOUT ROWID;

-- Refuse to go on if the definition was not what this migration expected to widen.
CREATE TEMP TABLE widened (ok INTEGER NOT NULL CHECK (ok = 1));
INSERT INTO temp.widened
SELECT instr(sql, '''interrupted''') > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'runs';
DROP TABLE temp.widened;

-- A run completed in place changes its status: the prompt's last status follows when it is the
-- prompt's newest run.
CREATE TRIGGER runs_prompt_status_after_update AFTER UPDATE OF status ON runs
WHEN new.prompt_id IS NOT NULL AND new.status <> old.status BEGIN
    UPDATE prompts SET last_status = new.status
    WHERE id = new.prompt_id AND last_run_at = new.created_at;
END;
