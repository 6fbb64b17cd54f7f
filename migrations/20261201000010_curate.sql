-- Curating the history: ratings and notes, tags, and retention rules.
--
-- Annotations hang off a run's time key (`seq`, like `run_texts` and the search index) and go with
-- the run when it is deleted. Only runs someone annotated have rows here, so the history of
-- unannotated runs costs nothing.

-- A run's rating (1 up, -1 down) and note; a row exists while either is set.
CREATE TABLE run_annotations (
    seq        INTEGER PRIMARY KEY REFERENCES runs (seq) ON DELETE CASCADE,
    rating     INTEGER CHECK (rating IS NULL OR rating IN (-1, 1)),
    note       TEXT CHECK (note IS NULL OR note <> ''),
    updated_at INTEGER NOT NULL
);

-- The rating filter and the retention rules' protection read the rated runs only.
CREATE INDEX run_annotations_by_rating ON run_annotations (rating, seq) WHERE rating IS NOT NULL;

-- Free-form tags: one row per tag on a run.
CREATE TABLE run_tags (
    seq INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
    tag TEXT NOT NULL CHECK (tag <> '' AND length(tag) <= 64),
    PRIMARY KEY (seq, tag)
) WITHOUT ROWID;

-- The tag filter and the autocomplete (tags in use, with counts) walk this.
CREATE INDEX run_tags_by_tag ON run_tags (tag, seq);

-- Notes are searched with the history's full-text search: an index of their own, keyed like
-- `runs_fts` by the run's time key, so a search reads both in time order. External content: the
-- text lives once, in `run_annotations`.
CREATE VIRTUAL TABLE notes_fts USING fts5 (
    note,
    content = 'run_annotations',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER run_annotations_fts_after_insert AFTER INSERT ON run_annotations
WHEN new.note IS NOT NULL BEGIN
    INSERT INTO notes_fts (rowid, note) VALUES (new.seq, new.note);
END;

CREATE TRIGGER run_annotations_fts_after_delete AFTER DELETE ON run_annotations
WHEN old.note IS NOT NULL BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, note) VALUES ('delete', old.seq, old.note);
END;

CREATE TRIGGER run_annotations_fts_after_update AFTER UPDATE OF note ON run_annotations
WHEN old.note IS NOT new.note BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, note)
    SELECT 'delete', old.seq, old.note WHERE old.note IS NOT NULL;
    INSERT INTO notes_fts (rowid, note) SELECT new.seq, new.note WHERE new.note IS NOT NULL;
END;

-- Retention rules: each keeps one thing, for the whole history (prompt_id NULL) or one prompt.
-- Runs rated up or tagged `keep` are never removed by a rule.
CREATE TABLE retention_rules (
    id         INTEGER PRIMARY KEY,
    prompt_id  TEXT REFERENCES prompts (id) ON DELETE CASCADE,
    keep_days  INTEGER CHECK (keep_days IS NULL OR keep_days > 0),
    keep_runs  INTEGER CHECK (keep_runs IS NULL OR keep_runs > 0),
    max_mb     INTEGER CHECK (max_mb IS NULL OR max_mb > 0),
    created_at INTEGER NOT NULL,
    CHECK ((keep_days IS NOT NULL) + (keep_runs IS NOT NULL) + (max_mb IS NOT NULL) = 1)
);

-- One rule of each kind per scope: setting it again replaces it.
CREATE UNIQUE INDEX retention_rules_by_scope ON retention_rules (
    coalesce(prompt_id, ''),
    keep_days IS NOT NULL,
    keep_runs IS NOT NULL,
    max_mb IS NOT NULL
);
