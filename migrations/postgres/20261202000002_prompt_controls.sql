-- The run panel's controls travel with the team's history: a prompt's saved run parameters
-- (system prompt, temperature, max tokens, ... as a JSON object) and its current version number,
-- and for each run the version of its prompt it ran and the system prompt it was given.
--
-- Only a prompt's current version travels: its earlier versions stay on the machine where they
-- were written (a teammate sees the prompt as it is now, and each run says which version it ran).
-- The columns fall under the tables' grants and row-level policies as they are.
ALTER TABLE promptline.prompts ADD COLUMN params jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(params) = 'object');
ALTER TABLE promptline.prompts ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);

ALTER TABLE promptline.prompt_run_history ADD COLUMN prompt_version integer
    CHECK (prompt_version >= 1);
ALTER TABLE promptline.prompt_run_history ADD COLUMN system_prompt text;

-- The schema's version, which every client checks when it connects: one older than the client
-- knows is brought up to date by the admin (`promptline team init ADMIN_URL` applies what is
-- missing); a newer one asks the member to update Promptline. Each later migration replaces it.
CREATE FUNCTION promptline.schema_version() RETURNS integer
LANGUAGE sql IMMUTABLE
AS $$ SELECT 2 $$;
GRANT EXECUTE ON FUNCTION promptline.schema_version() TO promptline_member;
