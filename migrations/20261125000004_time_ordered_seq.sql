-- `seq` becomes the run's place in time: created_at (microseconds) × 1024 + a slot for runs
-- recorded in the same microsecond, so `seq >> 10 = created_at` always holds. The history is then
-- in time order in every structure keyed by `seq`: the `runs` table itself (newest first is a walk
-- of its B-tree from the end), `run_texts`, and the search index, whose hit lists are kept in rowid
-- order. A search can then read its hits newest first and stop after a page, instead of collecting
-- every hit and sorting, so searching stays as fast at a million runs as at ten thousand. The
-- time indexes on (…, created_at, id) give way to indexes on the filter column alone: SQLite ends
-- every index with the rowid, which is `seq` and so already the time order.
--
-- Until now `seq` counted up in insertion order. Here every run gets its time key, in the order the
-- history showed them (created_at, then id); texts follow, and the search index is rebuilt.

-- `run_texts.seq` references `runs.seq`: both change in this transaction, so the check waits for
-- the commit.
PRAGMA defer_foreign_keys = ON;

-- Renumbering moves every text: the search index is rebuilt once at the end instead of being
-- updated row by row.
DROP TRIGGER run_texts_fts_after_update;
DROP TRIGGER run_texts_fts_after_delete;

CREATE TEMP TABLE renumbered AS
SELECT seq AS old_seq,
       created_at * 1024 + row_number() OVER (PARTITION BY created_at ORDER BY id) - 1 AS new_seq
FROM runs;
CREATE UNIQUE INDEX temp.renumbered_by_old ON renumbered (old_seq);

UPDATE runs SET seq = (SELECT new_seq FROM temp.renumbered WHERE old_seq = runs.seq);
UPDATE run_texts SET seq = (SELECT new_seq FROM temp.renumbered WHERE old_seq = run_texts.seq);
-- More than 1024 runs in one microsecond (only a hand-made import could do it) spill into the next
-- microsecond's slots; their time follows, so `seq >> 10 = created_at` holds for every run.
UPDATE runs SET created_at = seq >> 10 WHERE created_at <> seq >> 10;
DROP TABLE temp.renumbered;

INSERT INTO runs_fts (runs_fts) VALUES ('rebuild');

CREATE TRIGGER run_texts_fts_after_delete AFTER DELETE ON run_texts BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt_text, response)
    VALUES ('delete', old.seq, old.prompt_text, old.response);
END;

CREATE TRIGGER run_texts_fts_after_update AFTER UPDATE ON run_texts BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt_text, response)
    VALUES ('delete', old.seq, old.prompt_text, old.response);
    INSERT INTO runs_fts (rowid, prompt_text, response) VALUES (new.seq, new.prompt_text, new.response);
END;

DROP INDEX runs_by_time;
DROP INDEX runs_by_prompt;
DROP INDEX runs_by_model;
DROP INDEX runs_by_status;
CREATE INDEX runs_by_prompt ON runs (prompt_id);
CREATE INDEX runs_by_model ON runs (model);
CREATE INDEX runs_by_status ON runs (status);

-- A prompt's last run is its run with the largest `seq`: one step down its index.
DROP TRIGGER runs_prompt_stats_after_delete;
CREATE TRIGGER runs_prompt_stats_after_delete AFTER DELETE ON runs WHEN old.prompt_id IS NOT NULL BEGIN
    UPDATE prompts SET
        run_count = run_count - 1,
        last_run_at = (SELECT r.created_at FROM runs r WHERE r.prompt_id = old.prompt_id
                       ORDER BY r.seq DESC LIMIT 1),
        last_status = (SELECT r.status FROM runs r WHERE r.prompt_id = old.prompt_id
                       ORDER BY r.seq DESC LIMIT 1),
        active_at = max(updated_at, coalesce((SELECT r.created_at FROM runs r
                                              WHERE r.prompt_id = old.prompt_id
                                              ORDER BY r.seq DESC LIMIT 1), 0))
    WHERE id = old.prompt_id;
END;

-- The insert trigger compared times; with equal times the larger `seq` is the later run.
DROP TRIGGER runs_prompt_stats_after_insert;
CREATE TRIGGER runs_prompt_stats_after_insert AFTER INSERT ON runs WHEN new.prompt_id IS NOT NULL BEGIN
    UPDATE prompts SET
        run_count = run_count + 1,
        last_status = CASE WHEN new.seq = (SELECT max(r.seq) FROM runs r WHERE r.prompt_id = new.prompt_id)
                           THEN new.status ELSE last_status END,
        last_run_at = max(coalesce(last_run_at, new.created_at), new.created_at),
        active_at = max(active_at, new.created_at)
    WHERE id = new.prompt_id;
END;
