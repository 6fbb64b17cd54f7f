-- What each run cost. The price comes from a maintained table (the genai-prices data) or from a
-- price the user set; the store keeps the result, the prices module (crates/core/src/prices) works
-- it out. Adding columns is instant at any size: existing runs start with `cost_source` NULL
-- ("not priced yet") and are priced in batches after the database opens, so the app's start never
-- waits for a walk of the history.

-- Token counts some providers report beyond input and output. Each is a part of the count it
-- belongs to: cache reads and writes of `input_tokens`, reasoning of `output_tokens`.
ALTER TABLE runs ADD COLUMN cached_tokens INTEGER CHECK (cached_tokens IS NULL OR cached_tokens >= 0);
ALTER TABLE runs ADD COLUMN cache_write_tokens INTEGER
    CHECK (cache_write_tokens IS NULL OR cache_write_tokens >= 0);
ALTER TABLE runs ADD COLUMN reasoning_tokens INTEGER
    CHECK (reasoning_tokens IS NULL OR reasoning_tokens >= 0);

-- The cost in US dollars; NULL when it is not known (a model without a price, missing token
-- counts), never a guessed 0.
ALTER TABLE runs ADD COLUMN cost_usd REAL CHECK (cost_usd IS NULL OR cost_usd >= 0);
-- Where the cost came from: `table` (genai-prices), `user` (a price the user set), `free` (the
-- offline echo provider), `imported` (the cost an imported file carried), or why there is none:
-- `unknown` (no price for the provider or model), `local` (a self-hosted server), `no_tokens`.
-- NULL: not priced yet.
ALTER TABLE runs ADD COLUMN cost_source TEXT CHECK (cost_source IS NULL OR cost_source IN
    ('table', 'user', 'free', 'imported', 'unknown', 'local', 'no_tokens'));
-- The entry that priced it, e.g. `openai/gpt-4o-mini` (the table's provider and model ids).
ALTER TABLE runs ADD COLUMN priced_as TEXT;

-- The runs still to price: small once the backlog is done, and found without a scan.
CREATE INDEX runs_unpriced ON runs (seq) WHERE cost_source IS NULL;

-- A prompt's cost so far and how many of its runs have a cost, kept in step like its run count.
ALTER TABLE prompts ADD COLUMN cost_usd REAL NOT NULL DEFAULT 0;
ALTER TABLE prompts ADD COLUMN priced_runs INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER runs_prompt_cost_after_insert AFTER INSERT ON runs
WHEN new.prompt_id IS NOT NULL AND new.cost_usd IS NOT NULL BEGIN
    UPDATE prompts SET cost_usd = cost_usd + new.cost_usd, priced_runs = priced_runs + 1
    WHERE id = new.prompt_id;
END;

CREATE TRIGGER runs_prompt_cost_after_delete AFTER DELETE ON runs
WHEN old.prompt_id IS NOT NULL AND old.cost_usd IS NOT NULL BEGIN
    UPDATE prompts SET cost_usd = max(cost_usd - old.cost_usd, 0), priced_runs = priced_runs - 1
    WHERE id = old.prompt_id;
END;

CREATE TRIGGER runs_prompt_cost_after_update AFTER UPDATE OF cost_usd ON runs
WHEN new.prompt_id IS NOT NULL AND old.cost_usd IS NOT new.cost_usd BEGIN
    UPDATE prompts SET
        cost_usd = max(cost_usd - coalesce(old.cost_usd, 0) + coalesce(new.cost_usd, 0), 0),
        priced_runs = priced_runs - (old.cost_usd IS NOT NULL) + (new.cost_usd IS NOT NULL)
    WHERE id = new.prompt_id;
END;

-- Prices the user set, in US dollars per million tokens; they win over the table. An empty
-- provider means any provider serving a model of that name.
CREATE TABLE user_prices (
    provider          TEXT NOT NULL DEFAULT '',
    model             TEXT NOT NULL CHECK (model <> ''),
    input_per_mtok    REAL NOT NULL CHECK (input_per_mtok >= 0),
    output_per_mtok   REAL NOT NULL CHECK (output_per_mtok >= 0),
    -- Cache reads; NULL: at the input price.
    cached_per_mtok   REAL CHECK (cached_per_mtok IS NULL OR cached_per_mtok >= 0),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (provider, model)
) WITHOUT ROWID;

-- Price settings, one row: the optional monthly budget, and the price data file `prices update`
-- downloaded (NULL: the data bundled with this release).
CREATE TABLE price_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    monthly_budget_usd REAL CHECK (monthly_budget_usd IS NULL OR monthly_budget_usd > 0),
    data_json          TEXT,
    data_url           TEXT,
    data_fetched_at    INTEGER
);
INSERT INTO price_settings (id) VALUES (1);
