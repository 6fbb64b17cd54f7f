-- The models the history has used, with their run counts, kept in step by triggers: the app asks
-- for them at launch and after every run (the model picker and the filter), and counting them from
-- `runs` read the whole table each time (31 MB at 100,000 runs, and the page cache it filled stayed
-- in the app's memory).

CREATE TABLE run_models (
    provider TEXT NOT NULL,
    model    TEXT NOT NULL,
    runs     INTEGER NOT NULL CHECK (runs > 0),
    PRIMARY KEY (provider, model)
) WITHOUT ROWID;

INSERT INTO run_models (provider, model, runs)
SELECT provider, model, count(*) FROM runs GROUP BY provider, model;

CREATE TRIGGER runs_models_after_insert AFTER INSERT ON runs BEGIN
    INSERT INTO run_models (provider, model, runs) VALUES (new.provider, new.model, 1)
    ON CONFLICT (provider, model) DO UPDATE SET runs = runs + 1;
END;

CREATE TRIGGER runs_models_after_delete AFTER DELETE ON runs BEGIN
    DELETE FROM run_models WHERE provider = old.provider AND model = old.model AND runs = 1;
    UPDATE run_models SET runs = runs - 1 WHERE provider = old.provider AND model = old.model;
END;

CREATE TRIGGER runs_models_after_update AFTER UPDATE OF provider, model ON runs
WHEN old.provider IS NOT new.provider OR old.model IS NOT new.model BEGIN
    DELETE FROM run_models WHERE provider = old.provider AND model = old.model AND runs = 1;
    UPDATE run_models SET runs = runs - 1 WHERE provider = old.provider AND model = old.model;
    INSERT INTO run_models (provider, model, runs) VALUES (new.provider, new.model, 1)
    ON CONFLICT (provider, model) DO UPDATE SET runs = runs + 1;
END;
