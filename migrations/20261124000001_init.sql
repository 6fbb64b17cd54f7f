-- Promptline's history store. Times are INTEGER microseconds since the Unix epoch, UTC: compact keys
-- that sort and compare without parsing. Ids are opaque text (UUIDv7 for new rows; imported rows keep
-- theirs).

CREATE TABLE prompts (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    template      TEXT NOT NULL,
    default_model TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE INDEX prompts_by_updated ON prompts (updated_at, id);

-- The spec's prompt_run_history, in two tables: `runs` holds the short columns every list, filter and
-- sort reads (a few hundred bytes a row, so index lookups stay in a small, hot table), `run_texts`
-- the prompt as run and the full response, read only when a run is opened or exported. The view
-- `run_history` shows them as the one record they are. `seq` is the explicit integer key that
-- joins them and that the search index points at.
CREATE TABLE runs (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    prompt_id         TEXT REFERENCES prompts (id) ON DELETE CASCADE,
    created_at        INTEGER NOT NULL,
    model             TEXT NOT NULL,
    provider          TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('success', 'error', 'timeout', 'cancelled')),
    tokens_used       INTEGER CHECK (tokens_used IS NULL OR tokens_used >= 0),
    input_tokens      INTEGER CHECK (input_tokens IS NULL OR input_tokens >= 0),
    output_tokens     INTEGER CHECK (output_tokens IS NULL OR output_tokens >= 0),
    execution_time_ms INTEGER CHECK (execution_time_ms IS NULL OR execution_time_ms >= 0),
    ttft_ms           INTEGER CHECK (ttft_ms IS NULL OR ttft_ms >= 0),
    stop_reason       TEXT,
    error_message     TEXT,
    params            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    variables         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(variables)),
    response_chars    INTEGER NOT NULL DEFAULT 0,
    preview           TEXT NOT NULL DEFAULT ''
);

CREATE TABLE run_texts (
    seq         INTEGER PRIMARY KEY REFERENCES runs (seq) ON DELETE CASCADE,
    prompt_text TEXT NOT NULL,
    response    TEXT NOT NULL
);

-- Keyset pagination walks these newest-first: the global timeline, one prompt's timeline, and the
-- model and status filters.
CREATE INDEX runs_by_time   ON runs (created_at, id);
CREATE INDEX runs_by_prompt ON runs (prompt_id, created_at, id);
CREATE INDEX runs_by_model  ON runs (model, created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at, id);

CREATE VIEW run_history AS
SELECT r.id, r.prompt_id, r.created_at, r.model, r.provider, r.status, r.tokens_used, r.input_tokens,
       r.output_tokens, r.execution_time_ms, r.ttft_ms, r.stop_reason, r.error_message, r.params,
       r.variables, t.prompt_text, t.response
FROM runs r JOIN run_texts t ON t.seq = r.seq;

-- Full-text search over what was sent and what came back. External content: the text lives once, in
-- `run_texts`; triggers keep the index in step, including deletes cascaded from prompts and runs.
CREATE VIRTUAL TABLE runs_fts USING fts5 (
    prompt_text,
    response,
    content = 'run_texts',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Buffer up to 16 MiB of new index entries in memory before writing a segment (the default, 1 MiB,
-- makes bulk imports spend most of their time merging small segments).
INSERT INTO runs_fts (runs_fts, rank) VALUES ('hashsize', 16777216);

CREATE TRIGGER run_texts_fts_after_insert AFTER INSERT ON run_texts BEGIN
    INSERT INTO runs_fts (rowid, prompt_text, response) VALUES (new.seq, new.prompt_text, new.response);
END;

CREATE TRIGGER run_texts_fts_after_delete AFTER DELETE ON run_texts BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt_text, response)
    VALUES ('delete', old.seq, old.prompt_text, old.response);
END;

CREATE TRIGGER run_texts_fts_after_update AFTER UPDATE ON run_texts BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt_text, response)
    VALUES ('delete', old.seq, old.prompt_text, old.response);
    INSERT INTO runs_fts (rowid, prompt_text, response) VALUES (new.seq, new.prompt_text, new.response);
END;
