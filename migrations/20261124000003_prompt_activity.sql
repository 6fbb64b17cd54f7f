-- The prompt list shows each prompt's run count and last run, most recently active first. Computing
-- that from `runs` for every prompt before taking a page costs a walk of the whole history (about
-- 0.2 s at 78,000 prompts); keeping it on the prompt, in step through triggers, makes a page of the
-- list an index walk.

ALTER TABLE prompts ADD COLUMN run_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prompts ADD COLUMN last_run_at INTEGER;
ALTER TABLE prompts ADD COLUMN last_status TEXT;
-- max(updated_at, last_run_at): when the prompt was last edited or run.
ALTER TABLE prompts ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;

UPDATE prompts SET
    run_count = (SELECT count(*) FROM runs r WHERE r.prompt_id = prompts.id),
    last_run_at = (SELECT max(r.created_at) FROM runs r WHERE r.prompt_id = prompts.id),
    last_status = (SELECT r.status FROM runs r WHERE r.prompt_id = prompts.id
                   ORDER BY r.created_at DESC, r.id DESC LIMIT 1);
UPDATE prompts SET active_at = max(updated_at, coalesce(last_run_at, 0));

DROP INDEX prompts_by_updated;
CREATE INDEX prompts_by_activity ON prompts (active_at, id);

-- In an UPDATE every expression sees the row as it was, so the CASEs compare with the old last run.
CREATE TRIGGER runs_prompt_stats_after_insert AFTER INSERT ON runs WHEN new.prompt_id IS NOT NULL BEGIN
    UPDATE prompts SET
        run_count = run_count + 1,
        last_status = CASE WHEN last_run_at IS NULL OR new.created_at >= last_run_at
                           THEN new.status ELSE last_status END,
        last_run_at = CASE WHEN last_run_at IS NULL OR new.created_at >= last_run_at
                           THEN new.created_at ELSE last_run_at END,
        active_at = max(active_at, new.created_at)
    WHERE id = new.prompt_id;
END;

CREATE TRIGGER runs_prompt_stats_after_delete AFTER DELETE ON runs WHEN old.prompt_id IS NOT NULL BEGIN
    UPDATE prompts SET
        run_count = run_count - 1,
        last_run_at = (SELECT max(r.created_at) FROM runs r WHERE r.prompt_id = old.prompt_id),
        last_status = (SELECT r.status FROM runs r WHERE r.prompt_id = old.prompt_id
                       ORDER BY r.created_at DESC, r.id DESC LIMIT 1),
        active_at = max(updated_at, coalesce((SELECT max(r.created_at) FROM runs r
                                              WHERE r.prompt_id = old.prompt_id), 0))
    WHERE id = old.prompt_id;
END;
