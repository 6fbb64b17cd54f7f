-- Analytics without reading every run: the runs of each UTC day, model and status (and of each
-- prompt's), with their tokens and cost, kept in step by triggers on every insert, delete and
-- change of a run (a run completed or interrupted in place changes its status; a restorable delete
-- removes the row and its undo inserts it again, so both go through the same triggers; a deleted
-- prompt's runs go by cascade, which fires them too). `Store::run_stats` reads these when a filter
-- is only prompt, model, status and time (and scans the runs of the partial days at the ends of a
-- time range, and of the hours a time zone moves across midnight); any other filter scans the runs.
--
-- `day` is the run's UTC day: days since 1970-01-01 of its time key (`seq >> 10` is microseconds).
-- `cost_nanos` is the sum of the priced runs' costs in billionths of a dollar, an integer so that
-- adding and taking away runs never drifts. Two tables: all runs by day, model and status (a few
-- rows a day, what the unfiltered view and the model, status and date filters read), and the same
-- per prompt (one prompt's rows are together, whatever the number of prompts; imported histories
-- have tens of thousands of one-run prompts, so the per-prompt table is as long as the runs).
CREATE TABLE run_rollups (
    day         INTEGER NOT NULL,
    provider    TEXT NOT NULL,
    model       TEXT NOT NULL,
    status      TEXT NOT NULL,
    runs        INTEGER NOT NULL CHECK (runs >= 0),
    tokens      INTEGER NOT NULL,
    cost_nanos  INTEGER NOT NULL,
    priced_runs INTEGER NOT NULL,
    PRIMARY KEY (day, provider, model, status)
) WITHOUT ROWID;

CREATE TABLE prompt_run_rollups (
    prompt_id   TEXT NOT NULL,
    day         INTEGER NOT NULL,
    provider    TEXT NOT NULL,
    model       TEXT NOT NULL,
    status      TEXT NOT NULL,
    runs        INTEGER NOT NULL CHECK (runs >= 0),
    tokens      INTEGER NOT NULL,
    cost_nanos  INTEGER NOT NULL,
    priced_runs INTEGER NOT NULL,
    PRIMARY KEY (prompt_id, day, provider, model, status)
) WITHOUT ROWID;

INSERT INTO run_rollups (day, provider, model, status, runs, tokens, cost_nanos, priced_runs)
SELECT (seq >> 10) / 86400000000, provider, model, status, count(*), coalesce(sum(tokens_used), 0),
       coalesce(sum(CAST(round(cost_usd * 1e9) AS INTEGER)), 0), count(cost_usd)
FROM runs GROUP BY 1, 2, 3, 4;

INSERT INTO prompt_run_rollups (prompt_id, day, provider, model, status, runs, tokens, cost_nanos, priced_runs)
SELECT prompt_id, (seq >> 10) / 86400000000, provider, model, status, count(*),
       coalesce(sum(tokens_used), 0), coalesce(sum(CAST(round(cost_usd * 1e9) AS INTEGER)), 0),
       count(cost_usd)
FROM runs WHERE prompt_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER runs_rollups_after_insert AFTER INSERT ON runs BEGIN
    INSERT INTO run_rollups (day, provider, model, status, runs, tokens, cost_nanos, priced_runs)
    SELECT (new.seq >> 10) / 86400000000, new.provider, new.model, new.status, 1,
           coalesce(new.tokens_used, 0), coalesce(CAST(round(new.cost_usd * 1e9) AS INTEGER), 0),
           new.cost_usd IS NOT NULL
    ON CONFLICT (day, provider, model, status) DO UPDATE SET
        runs = runs + 1, tokens = tokens + excluded.tokens,
        cost_nanos = cost_nanos + excluded.cost_nanos, priced_runs = priced_runs + excluded.priced_runs;
    INSERT INTO prompt_run_rollups (prompt_id, day, provider, model, status, runs, tokens, cost_nanos, priced_runs)
    SELECT new.prompt_id, (new.seq >> 10) / 86400000000, new.provider, new.model, new.status, 1,
           coalesce(new.tokens_used, 0), coalesce(CAST(round(new.cost_usd * 1e9) AS INTEGER), 0),
           new.cost_usd IS NOT NULL WHERE new.prompt_id IS NOT NULL
    ON CONFLICT (prompt_id, day, provider, model, status) DO UPDATE SET
        runs = runs + 1, tokens = tokens + excluded.tokens,
        cost_nanos = cost_nanos + excluded.cost_nanos, priced_runs = priced_runs + excluded.priced_runs;
END;

CREATE TRIGGER runs_rollups_after_delete AFTER DELETE ON runs BEGIN
    UPDATE run_rollups SET
        runs = runs - 1, tokens = tokens - coalesce(old.tokens_used, 0),
        cost_nanos = cost_nanos - coalesce(CAST(round(old.cost_usd * 1e9) AS INTEGER), 0),
        priced_runs = priced_runs - (old.cost_usd IS NOT NULL)
    WHERE day = (old.seq >> 10) / 86400000000 AND provider = old.provider
      AND model = old.model AND status = old.status;
    DELETE FROM run_rollups
    WHERE day = (old.seq >> 10) / 86400000000 AND provider = old.provider
      AND model = old.model AND status = old.status AND runs = 0;
    UPDATE prompt_run_rollups SET
        runs = runs - 1, tokens = tokens - coalesce(old.tokens_used, 0),
        cost_nanos = cost_nanos - coalesce(CAST(round(old.cost_usd * 1e9) AS INTEGER), 0),
        priced_runs = priced_runs - (old.cost_usd IS NOT NULL)
    WHERE prompt_id = old.prompt_id AND day = (old.seq >> 10) / 86400000000 AND provider = old.provider
      AND model = old.model AND status = old.status;
    DELETE FROM prompt_run_rollups
    WHERE prompt_id = old.prompt_id AND day = (old.seq >> 10) / 86400000000 AND provider = old.provider
      AND model = old.model AND status = old.status AND runs = 0;
END;

CREATE TRIGGER runs_rollups_after_update
AFTER UPDATE OF seq, prompt_id, provider, model, status, tokens_used, cost_usd ON runs
WHEN old.seq IS NOT new.seq OR old.prompt_id IS NOT new.prompt_id OR old.provider IS NOT new.provider
  OR old.model IS NOT new.model OR old.status IS NOT new.status
  OR old.tokens_used IS NOT new.tokens_used OR old.cost_usd IS NOT new.cost_usd BEGIN
    UPDATE run_rollups SET
        runs = runs - 1, tokens = tokens - coalesce(old.tokens_used, 0),
        cost_nanos = cost_nanos - coalesce(CAST(round(old.cost_usd * 1e9) AS INTEGER), 0),
        priced_runs = priced_runs - (old.cost_usd IS NOT NULL)
    WHERE day = (old.seq >> 10) / 86400000000 AND provider = old.provider
      AND model = old.model AND status = old.status;
    DELETE FROM run_rollups
    WHERE day = (old.seq >> 10) / 86400000000 AND provider = old.provider
      AND model = old.model AND status = old.status AND runs = 0;
    UPDATE prompt_run_rollups SET
        runs = runs - 1, tokens = tokens - coalesce(old.tokens_used, 0),
        cost_nanos = cost_nanos - coalesce(CAST(round(old.cost_usd * 1e9) AS INTEGER), 0),
        priced_runs = priced_runs - (old.cost_usd IS NOT NULL)
    WHERE prompt_id = old.prompt_id AND day = (old.seq >> 10) / 86400000000 AND provider = old.provider
      AND model = old.model AND status = old.status;
    DELETE FROM prompt_run_rollups
    WHERE prompt_id = old.prompt_id AND day = (old.seq >> 10) / 86400000000 AND provider = old.provider
      AND model = old.model AND status = old.status AND runs = 0;
    INSERT INTO run_rollups (day, provider, model, status, runs, tokens, cost_nanos, priced_runs)
    SELECT (new.seq >> 10) / 86400000000, new.provider, new.model, new.status, 1,
           coalesce(new.tokens_used, 0), coalesce(CAST(round(new.cost_usd * 1e9) AS INTEGER), 0),
           new.cost_usd IS NOT NULL
    ON CONFLICT (day, provider, model, status) DO UPDATE SET
        runs = runs + 1, tokens = tokens + excluded.tokens,
        cost_nanos = cost_nanos + excluded.cost_nanos, priced_runs = priced_runs + excluded.priced_runs;
    INSERT INTO prompt_run_rollups (prompt_id, day, provider, model, status, runs, tokens, cost_nanos, priced_runs)
    SELECT new.prompt_id, (new.seq >> 10) / 86400000000, new.provider, new.model, new.status, 1,
           coalesce(new.tokens_used, 0), coalesce(CAST(round(new.cost_usd * 1e9) AS INTEGER), 0),
           new.cost_usd IS NOT NULL WHERE new.prompt_id IS NOT NULL
    ON CONFLICT (prompt_id, day, provider, model, status) DO UPDATE SET
        runs = runs + 1, tokens = tokens + excluded.tokens,
        cost_nanos = cost_nanos + excluded.cost_nanos, priced_runs = priced_runs + excluded.priced_runs;
END;

-- Latency percentiles stay exact: each model's successful runs in order of execution time, so the
-- median and the 95th percentile are the runs at two ranks, read from this index alone (the prompt
-- and the time key, the rowid, are in it for the filters).
CREATE INDEX runs_success_latency ON runs (provider, model, execution_time_ms, prompt_id)
WHERE status = 'success';
