-- Deletes can be undone for a while. A delete made through the store's undoable calls copies the
-- rows it removes here first, each as a JSON object of its columns (so a column added by a later
-- migration comes back too), with the rows that depend on them: texts, and whatever else refers
-- to a run or a prompt. Undo puts them back under the same keys, and the triggers rebuild the
-- search entries, model counts and prompt activity. Kept rows are purged after a few minutes.
CREATE TABLE deletions (
    id         TEXT PRIMARY KEY NOT NULL,
    deleted_at INTEGER NOT NULL,
    runs       INTEGER NOT NULL CHECK (runs >= 0),
    prompts    INTEGER NOT NULL CHECK (prompts >= 0)
);

CREATE INDEX deletions_by_time ON deletions (deleted_at);

CREATE TABLE deleted_rows (
    deletion_id TEXT NOT NULL REFERENCES deletions (id) ON DELETE CASCADE,
    -- Restore order: a table's rows go back before the rows that refer to them.
    depth       INTEGER NOT NULL,
    table_name  TEXT NOT NULL,
    row         TEXT NOT NULL CHECK (json_valid(row))
);

CREATE INDEX deleted_rows_by_deletion ON deleted_rows (deletion_id, depth, table_name);
