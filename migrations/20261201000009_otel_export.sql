-- OpenTelemetry export (issue 16): runs sent as OTLP spans to the tools teams already watch.
--
-- What is kept here is never secret: the endpoint and the content switch. Header values (API keys,
-- basic auth) live in the OS keychain under `keychain_account`, a name made when headers are first
-- set, so two databases on one machine keep their own.

CREATE TABLE otel_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    -- The OTLP/HTTP traces URL, e.g. http://localhost:4318/v1/traces; NULL: live export is off.
    endpoint         TEXT CHECK (endpoint IS NULL OR endpoint <> ''),
    -- 1: prompts, responses, system instructions and variable values go into the spans.
    capture_content  INTEGER NOT NULL DEFAULT 0 CHECK (capture_content IN (0, 1)),
    keychain_account TEXT,
    -- What the last attempt to send said, for `otel show` and Settings > Integrations (microseconds).
    last_sent_at     INTEGER,
    last_error       TEXT,
    last_error_at    INTEGER,
    updated_at       INTEGER NOT NULL
);

-- The outbox: finished runs recorded while live export was on and not yet acknowledged by the
-- collector. A row is written in the transaction that records the run, so no run is delayed by
-- the network and none is forgotten if the process ends before it was sent. `not_before` is both
-- the lease of a batch in flight (so the app and a CLI command never send one run twice) and the
-- backoff after a failure.
CREATE TABLE otel_outbox (
    seq        INTEGER PRIMARY KEY REFERENCES runs (seq) ON DELETE CASCADE,
    not_before INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0
);

-- Which runs which endpoint has acknowledged: live export and backfill skip them, so a second
-- `promptline export --format otlp` sends only what the first did not get through.
CREATE TABLE otel_acked (
    endpoint TEXT NOT NULL,
    seq      INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
    PRIMARY KEY (endpoint, seq)
) WITHOUT ROWID;

-- Deleting a run finds its acknowledgements through this instead of scanning every endpoint's.
CREATE INDEX otel_acked_by_seq ON otel_acked (seq);
