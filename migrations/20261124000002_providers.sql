-- Configured providers, shared by the CLI and the desktop app. A model address `NAME/MODEL` names
-- one of these. Keys are never stored here: only the name of the environment variable that may
-- hold one (the OS keychain holds the rest).

CREATE TABLE providers (
    name       TEXT PRIMARY KEY NOT NULL CHECK (name <> '' AND instr(name, '/') = 0),
    kind       TEXT NOT NULL CHECK (kind IN ('openai', 'anthropic', 'gemini', 'echo')),
    base_url   TEXT NOT NULL DEFAULT '' CHECK (kind = 'echo' OR base_url <> ''),
    key_env    TEXT CHECK (key_env IS NULL OR key_env <> ''),
    builtin    INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The built-in entries, stamped with the time of the migration (microseconds, like every time).
INSERT INTO providers (name, kind, base_url, key_env, builtin, created_at, updated_at)
SELECT p.name, p.kind, p.base_url, p.key_env, 1, t.now, t.now
FROM (SELECT CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) AS now) AS t,
     (SELECT 'openai' AS name, 'openai' AS kind, 'https://api.openai.com/v1' AS base_url, 'OPENAI_API_KEY' AS key_env
      UNION ALL SELECT 'anthropic', 'anthropic', 'https://api.anthropic.com', 'ANTHROPIC_API_KEY'
      UNION ALL SELECT 'gemini', 'gemini', 'https://generativelanguage.googleapis.com/v1beta', 'GEMINI_API_KEY'
      UNION ALL SELECT 'ollama', 'openai', 'http://localhost:11434/v1', NULL
      UNION ALL SELECT 'echo', 'echo', '', NULL) AS p;
