-- Where a run came from, and the conversation it belongs to (issue 13: importing `llm`'s logs.db).
--
-- `runs` (the short columns every list reads) gains the run's source (`promptline` for runs recorded
-- here, `llm` for turns imported from llm's logs.db, `jsonl` for a JSONL file that did not say), the
-- thread it belongs to (runs of one conversation share it; NULL for a run on its own) and the model
-- the provider reported having served (`gpt-4o-mini-2024-07-18` for `gpt-4o-mini`).
-- `run_texts` (the large columns, read when a run is opened) gains the system prompt and the
-- conversation before the run's own prompt: a JSON array of {"role", "text"} messages, oldest
-- first, exactly as the model was sent them. Search still covers only the run's own prompt and
-- response.

ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT 'promptline' CHECK (source <> '');
ALTER TABLE runs ADD COLUMN thread_id TEXT CHECK (thread_id IS NULL OR thread_id <> '');
ALTER TABLE runs ADD COLUMN resolved_model TEXT;

ALTER TABLE run_texts ADD COLUMN system_prompt TEXT;
ALTER TABLE run_texts ADD COLUMN context TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(context) AND json_type(context) = 'array');

-- The history filtered by source, and a run's thread (only runs in a thread are indexed).
CREATE INDEX runs_by_source ON runs (source);
CREATE INDEX runs_by_thread ON runs (thread_id) WHERE thread_id IS NOT NULL;

DROP VIEW run_history;
CREATE VIEW run_history AS
SELECT r.id, r.prompt_id, r.created_at, r.model, r.provider, r.status, r.tokens_used, r.input_tokens,
       r.output_tokens, r.execution_time_ms, r.ttft_ms, r.stop_reason, r.error_message, r.params,
       r.variables, t.prompt_text, t.response, r.source, r.thread_id, r.resolved_model,
       t.system_prompt, t.context
FROM runs r JOIN run_texts t ON t.seq = r.seq;
