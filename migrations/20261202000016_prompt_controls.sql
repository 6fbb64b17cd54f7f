-- The controls of the run panel.
--
-- A prompt keeps its run parameters (system prompt, temperature, max tokens, top_p, stop
-- sequences, ... as a JSON object) and the number of its current version. Every version of its
-- template and parameters is kept in `prompt_versions`; a run records the version it ran
-- (NULL for ad-hoc and imported runs, and for runs recorded before versions existed).
ALTER TABLE prompts ADD COLUMN params TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params));
ALTER TABLE prompts ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);

CREATE TABLE prompt_versions (
    prompt_id  TEXT NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL CHECK (version >= 1),
    template   TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (prompt_id, version)
) WITHOUT ROWID;

-- Every prompt there is has one version so far: the template it has now.
INSERT INTO prompt_versions (prompt_id, version, template, params, created_at)
SELECT id, 1, template, '{}', updated_at FROM prompts;

ALTER TABLE runs ADD COLUMN prompt_version INTEGER CHECK (prompt_version IS NULL OR prompt_version >= 1);

-- A prompt's history filtered by version reads its runs newest first from here.
CREATE INDEX runs_by_prompt_version ON runs (prompt_id, prompt_version)
    WHERE prompt_version IS NOT NULL;

-- What the run panel remembers per prompt across launches: the variable values typed, the models
-- picked, the model chips added, and the timeout. Not part of the prompt (no version, no sync).
CREATE TABLE prompt_memory (
    prompt_id    TEXT PRIMARY KEY NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    variables    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(variables)),
    models       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(models)),
    extra_models TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(extra_models)),
    timeout_secs INTEGER CHECK (timeout_secs IS NULL OR timeout_secs > 0),
    updated_at   INTEGER NOT NULL
);

-- Settings beyond providers: one row. The default model and timeout are used by the app and
-- the CLI when neither a flag nor the prompt says otherwise; the theme is the app's.
CREATE TABLE user_settings (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    default_model        TEXT CHECK (default_model IS NULL OR trim(default_model) <> ''),
    default_timeout_secs INTEGER CHECK (default_timeout_secs IS NULL OR default_timeout_secs > 0),
    theme                TEXT NOT NULL DEFAULT 'system' CHECK (theme IN ('system', 'light', 'dark'))
);

INSERT INTO user_settings (id) VALUES (1);
