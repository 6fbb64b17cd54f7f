-- Promptline's team server (PostgreSQL 14+), applied by `promptline team init ADMIN_URL` as the
-- admin, who owns every object here. Members are login roles in the group `promptline_member`
-- (`promptline team add-user`); each connects as themselves, and row-level security, enabled and
-- forced on every table, decides what they see:
--   * a member reads their own prompts and runs, and every prompt shared with the team and the runs
--     on it, of anyone;
--   * a member writes (inserts, updates, deletes) only rows of their own;
--   * the owner (the admin) reaches the rows only through the policies named after it below, which
--     the triggers need; the owner could switch the policies off anyway, as any table owner can.
-- Members own nothing, so they cannot alter a table or a policy, and hold no role but their own
-- and the group's, so they cannot become another member.
--
-- Sync: every row carries `sync_seq` from one sequence, stamped on every insert and update. Writers
-- take one transaction-scoped advisory lock first, so sequence numbers become visible in commit
-- order: a reader that has seen everything up to N can never later find a committed row below N.
-- That makes "everything after N, by sync_seq" a correct incremental cursor. Deletions leave
-- tombstones (ids only) in `tombstones`, stamped from the same sequence.

CREATE SCHEMA promptline;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'promptline_member') THEN
        CREATE ROLE promptline_member NOLOGIN NOINHERIT;
    END IF;
END
$$;

REVOKE ALL ON SCHEMA promptline FROM PUBLIC;
GRANT USAGE ON SCHEMA promptline TO promptline_member;

CREATE SEQUENCE promptline.change_seq AS bigint;

-- The team's members: one row per login role.
CREATE TABLE promptline.users (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL UNIQUE CHECK (name <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The member the current role is; NULL for any other role. Runs with the caller's rights, so it is
-- `current_user` of the query that asks (policies call it as `(SELECT ...)`: once per query).
CREATE FUNCTION promptline.current_user_id() RETURNS uuid
LANGUAGE sql STABLE
SET search_path = pg_catalog, promptline
AS $$ SELECT id FROM promptline.users WHERE name = current_user $$;

CREATE TABLE promptline.prompts (
    id            text PRIMARY KEY CHECK (id <> ''),
    user_id       uuid NOT NULL DEFAULT promptline.current_user_id()
                  REFERENCES promptline.users (id) ON DELETE CASCADE,
    name          text NOT NULL,
    template      text NOT NULL,
    default_model text,
    shared        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    sync_seq      bigint NOT NULL
);

CREATE INDEX prompts_by_sync ON promptline.prompts (sync_seq);
CREATE INDEX prompts_by_user ON promptline.prompts (user_id);

-- The spec's table, with what Promptline records beside its columns.
CREATE TABLE promptline.prompt_run_history (
    id                text PRIMARY KEY CHECK (id <> ''),
    prompt_id         text REFERENCES promptline.prompts (id) ON DELETE CASCADE,
    user_id           uuid NOT NULL DEFAULT promptline.current_user_id()
                      REFERENCES promptline.users (id) ON DELETE CASCADE,
    prompt_text       text NOT NULL,
    response          text NOT NULL,
    model             text NOT NULL,
    provider          text NOT NULL,
    tokens_used       bigint CHECK (tokens_used >= 0),
    input_tokens      bigint CHECK (input_tokens >= 0),
    output_tokens     bigint CHECK (output_tokens >= 0),
    execution_time_ms bigint CHECK (execution_time_ms >= 0),
    ttft_ms           bigint CHECK (ttft_ms >= 0),
    status            text NOT NULL DEFAULT 'success'
                      CHECK (status IN ('success', 'error', 'timeout', 'cancelled', 'interrupted')),
    error_message     text,
    stop_reason       text,
    params            jsonb NOT NULL DEFAULT '{}',
    variables         jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    sync_seq          bigint NOT NULL
);

-- A prompt's timeline, newest first (the team history page), and the sync cursor.
CREATE INDEX runs_by_prompt ON promptline.prompt_run_history (prompt_id, created_at DESC, id DESC);
CREATE INDEX runs_by_user ON promptline.prompt_run_history (user_id, created_at DESC);
CREATE INDEX runs_by_sync ON promptline.prompt_run_history (sync_seq);

-- What was deleted (and what stopped being shared), by id only: the row and its text are gone.
-- kind: 'prompt' (the prompt and its runs), 'run', or 'unshare' (the prompt's runs are private now).
CREATE TABLE promptline.tombstones (
    sync_seq     bigint PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('prompt', 'run', 'unshare')),
    id           text NOT NULL,
    user_id      uuid NOT NULL,
    team_visible boolean NOT NULL,
    deleted_at   timestamptz NOT NULL DEFAULT now()
);

-- Stamps a row with the next change number, after taking the team's write lock (see the top).
CREATE FUNCTION promptline.stamp_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, promptline
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7041914, 1);
    NEW.sync_seq := nextval('promptline.change_seq');
    RETURN NEW;
END
$$;

CREATE TRIGGER prompts_stamp BEFORE INSERT OR UPDATE ON promptline.prompts
FOR EACH ROW EXECUTE FUNCTION promptline.stamp_change();
CREATE TRIGGER runs_stamp BEFORE INSERT OR UPDATE ON promptline.prompt_run_history
FOR EACH ROW EXECUTE FUNCTION promptline.stamp_change();

-- Tombstones are written only here, with the owner's rights (members cannot insert one), so no
-- member can forge the deletion of another's rows.
CREATE FUNCTION promptline.bury_run() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, promptline
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7041914, 1);
    INSERT INTO promptline.tombstones (sync_seq, kind, id, user_id, team_visible)
    VALUES (nextval('promptline.change_seq'), 'run', OLD.id, OLD.user_id,
            EXISTS (SELECT FROM promptline.prompts p WHERE p.id = OLD.prompt_id AND p.shared));
    RETURN NULL;
END
$$;

CREATE FUNCTION promptline.bury_prompt() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, promptline
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7041914, 1);
    INSERT INTO promptline.tombstones (sync_seq, kind, id, user_id, team_visible)
    VALUES (nextval('promptline.change_seq'), 'prompt', OLD.id, OLD.user_id, OLD.shared);
    RETURN NULL;
END
$$;

-- Sharing changes who sees a prompt's runs: unsharing tells the team to drop them; sharing stamps
-- them again so the team's next pull brings them, however old they are.
CREATE FUNCTION promptline.reshare() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, promptline
AS $$
BEGIN
    IF OLD.shared AND NOT NEW.shared THEN
        INSERT INTO promptline.tombstones (sync_seq, kind, id, user_id, team_visible)
        VALUES (nextval('promptline.change_seq'), 'unshare', NEW.id, NEW.user_id, true);
    ELSIF NEW.shared AND NOT OLD.shared THEN
        UPDATE promptline.prompt_run_history SET sync_seq = 0 WHERE prompt_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER runs_bury AFTER DELETE ON promptline.prompt_run_history
FOR EACH ROW EXECUTE FUNCTION promptline.bury_run();
CREATE TRIGGER prompts_bury AFTER DELETE ON promptline.prompts
FOR EACH ROW EXECUTE FUNCTION promptline.bury_prompt();
CREATE TRIGGER prompts_reshare AFTER UPDATE OF shared ON promptline.prompts
FOR EACH ROW WHEN (OLD.shared IS DISTINCT FROM NEW.shared) EXECUTE FUNCTION promptline.reshare();

-- Row-level security on every table, forced so that it binds the owner too.
ALTER TABLE promptline.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE promptline.users FORCE ROW LEVEL SECURITY;
ALTER TABLE promptline.prompts ENABLE ROW LEVEL SECURITY;
ALTER TABLE promptline.prompts FORCE ROW LEVEL SECURITY;
ALTER TABLE promptline.prompt_run_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE promptline.prompt_run_history FORCE ROW LEVEL SECURITY;
ALTER TABLE promptline.tombstones ENABLE ROW LEVEL SECURITY;
ALTER TABLE promptline.tombstones FORCE ROW LEVEL SECURITY;

-- Members: the team list (names only) is theirs to read.
CREATE POLICY users_read ON promptline.users FOR SELECT TO promptline_member USING (true);

CREATE POLICY prompts_read ON promptline.prompts FOR SELECT TO promptline_member
    USING (user_id = (SELECT promptline.current_user_id()) OR shared);
CREATE POLICY prompts_insert ON promptline.prompts FOR INSERT TO promptline_member
    WITH CHECK (user_id = (SELECT promptline.current_user_id()));
CREATE POLICY prompts_update ON promptline.prompts FOR UPDATE TO promptline_member
    USING (user_id = (SELECT promptline.current_user_id()))
    WITH CHECK (user_id = (SELECT promptline.current_user_id()));
CREATE POLICY prompts_delete ON promptline.prompts FOR DELETE TO promptline_member
    USING (user_id = (SELECT promptline.current_user_id()));

-- A run is readable by its author and, when its prompt is shared, by the team. It may hang only
-- off a prompt its author can see (the subquery sees the prompts through their own policies).
CREATE POLICY runs_read ON promptline.prompt_run_history FOR SELECT TO promptline_member
    USING (user_id = (SELECT promptline.current_user_id())
           OR EXISTS (SELECT FROM promptline.prompts p WHERE p.id = prompt_id AND p.shared));
CREATE POLICY runs_insert ON promptline.prompt_run_history FOR INSERT TO promptline_member
    WITH CHECK (user_id = (SELECT promptline.current_user_id())
                AND (prompt_id IS NULL
                     OR EXISTS (SELECT FROM promptline.prompts p WHERE p.id = prompt_id)));
CREATE POLICY runs_update ON promptline.prompt_run_history FOR UPDATE TO promptline_member
    USING (user_id = (SELECT promptline.current_user_id()))
    WITH CHECK (user_id = (SELECT promptline.current_user_id())
                AND (prompt_id IS NULL
                     OR EXISTS (SELECT FROM promptline.prompts p WHERE p.id = prompt_id)));
CREATE POLICY runs_delete ON promptline.prompt_run_history FOR DELETE TO promptline_member
    USING (user_id = (SELECT promptline.current_user_id()));

-- A tombstone is news for whoever could see the row: its author, or the team if it was shared.
CREATE POLICY tombstones_read ON promptline.tombstones FOR SELECT TO promptline_member
    USING (user_id = (SELECT promptline.current_user_id()) OR team_visible);

-- The owner: managing members (team add-user / remove-user) and what the triggers above do with
-- its rights. Named after the role that applies this migration.
DO $$
BEGIN
    EXECUTE format('CREATE POLICY users_owner ON promptline.users TO %I USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY prompts_owner ON promptline.prompts TO %I USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY runs_owner ON promptline.prompt_run_history TO %I USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY tombstones_owner ON promptline.tombstones TO %I USING (true) WITH CHECK (true)', current_user);
END
$$;

-- Members get table rights through the group; tombstones only to read (the triggers write them).
GRANT SELECT ON promptline.users TO promptline_member;
GRANT SELECT, INSERT, UPDATE, DELETE ON promptline.prompts TO promptline_member;
GRANT SELECT, INSERT, UPDATE, DELETE ON promptline.prompt_run_history TO promptline_member;
GRANT SELECT ON promptline.tombstones TO promptline_member;
GRANT USAGE ON SEQUENCE promptline.change_seq TO promptline_member;
REVOKE ALL ON FUNCTION promptline.bury_run() FROM PUBLIC;
REVOKE ALL ON FUNCTION promptline.bury_prompt() FROM PUBLIC;
REVOKE ALL ON FUNCTION promptline.reshare() FROM PUBLIC;
