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

-- The spec's prompt_run_history. `seq` is the explicit integer key the search index points at.
-- The large text columns come last, so reading the short ones never walks their overflow pages, and
-- list views read `preview` instead of them.
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
    preview           TEXT NOT NULL DEFAULT '',
    prompt_text       TEXT NOT NULL,
    response          TEXT NOT NULL
);

-- Keyset pagination walks these newest-first: the global timeline, one prompt's timeline, and the
-- model and status filters.
CREATE INDEX runs_by_time   ON runs (created_at, id);
CREATE INDEX runs_by_prompt ON runs (prompt_id, created_at, id);
CREATE INDEX runs_by_model  ON runs (model, created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at, id);

-- Full-text search over what was sent and what came back. External content: the text lives once, in
-- `runs`; triggers keep the index in step, including cascaded deletes.
CREATE VIRTUAL TABLE runs_fts USING fts5 (
    prompt_text,
    response,
    content = 'runs',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER runs_fts_after_insert AFTER INSERT ON runs BEGIN
    INSERT INTO runs_fts (rowid, prompt_text, response) VALUES (new.seq, new.prompt_text, new.response);
END;

CREATE TRIGGER runs_fts_after_delete AFTER DELETE ON runs BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt_text, response)
    VALUES ('delete', old.seq, old.prompt_text, old.response);
END;

CREATE TRIGGER runs_fts_after_update AFTER UPDATE OF prompt_text, response ON runs BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt_text, response)
    VALUES ('delete', old.seq, old.prompt_text, old.response);
    INSERT INTO runs_fts (rowid, prompt_text, response) VALUES (new.seq, new.prompt_text, new.response);
END;
