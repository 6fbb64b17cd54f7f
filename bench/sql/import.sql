-- The "limit" for `promptline import`: the same JSONL loaded into Promptline's schema by the sqlite3
-- CLI alone, the way crates/core/src/store/transfer.rs does it: one transaction, the same pragmas,
-- the FTS insert trigger set aside and the search index filled in one bulk insert at the end.
-- run.sh's driver `.import`s the file's lines into the temp table `lines` (one JSON text a row),
-- saves the trigger's SQL, reads this file, then re-creates the trigger and commits.
-- Previews are approximated with substr(); everything else is what Promptline stores.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -262144;
BEGIN;
DROP TRIGGER run_texts_fts_after_insert;
INSERT OR IGNORE INTO prompts (id, name, template, default_model, created_at, updated_at)
SELECT j ->> 'prompt_id', substr(j ->> 'prompt_text', 1, 60), j ->> 'prompt_text', NULL, us, us
FROM (SELECT j, unixepoch(substr(j ->> 'created_at', 1, 19)) * 1000000
                + CAST(substr(j ->> 'created_at', 21, 6) AS INTEGER) AS us
      FROM temp.lines)
WHERE j ->> 'prompt_id' IS NOT NULL
ORDER BY us;
-- Time keys (store/time_key.rs): microseconds x 1024 + a slot per run of the same microsecond. The
-- benchmark imports into an empty database, so the slots count from 0.
INSERT INTO runs (seq, id, prompt_id, created_at, model, provider, status, tokens_used, input_tokens,
                  output_tokens, execution_time_ms, ttft_ms, stop_reason, error_message, params,
                  variables, response_chars, preview, source, thread_id, resolved_model)
SELECT us * 1024 + row_number() OVER (PARTITION BY us ORDER BY line) - 1, j ->> 'id', j ->> 'prompt_id', us,
       j ->> 'model', 'unknown', j ->> 'status', j ->> 'tokens_used', j ->> 'input_tokens',
       j ->> 'output_tokens', j ->> 'execution_time_ms', NULL, NULL, j ->> 'error_message',
       coalesce(j -> 'options', '{}'), '{}',
       length(coalesce(j ->> 'response', '')),
       substr(coalesce(nullif(j ->> 'response', ''), j ->> 'error_message', ''), 1, 160),
       'jsonl', j ->> 'thread_id', j ->> 'resolved_model'
FROM (SELECT rowid AS line, j, unixepoch(substr(j ->> 'created_at', 1, 19)) * 1000000
                + CAST(substr(j ->> 'created_at', 21, 6) AS INTEGER) AS us
      FROM temp.lines)
ORDER BY line
ON CONFLICT (id) DO NOTHING;
INSERT INTO run_texts (seq, prompt_text, response, system_prompt)
SELECT r.seq, l.j ->> 'prompt_text', coalesce(l.j ->> 'response', ''), l.j ->> 'system'
FROM temp.lines l JOIN runs r ON r.id = l.j ->> 'id'
WHERE NOT EXISTS (SELECT 1 FROM run_texts t WHERE t.seq = r.seq)
ORDER BY r.seq;
INSERT INTO runs_fts (rowid, prompt_text, response)
SELECT seq, prompt_text, response FROM run_texts ORDER BY seq;
