//! Team history on a real PostgreSQL server (a throw-away cluster): the story of an admin, alice
//! and bob, and bob's attempts, in plain SQL, to read, change or delete what is alice's.

mod common;

use common::{file_store, new_run, saved_prompt};
use promptline_core::keys::ApiKey;
use promptline_core::store::team::SyncBacklog;
use promptline_core::sync::url::TeamUrl;
use promptline_core::sync::{admin, Team};
use promptline_core::{RunFilter, RunStatus, Store, Whose};
use promptline_pgtest::TempCluster;
use tempfile::TempDir;

const ADMIN_PASSWORD: &str = "admin-pw-1";

/// A cluster with a non-superuser admin (CREATEROLE, owner of database `team`), as a hosted
/// server gives one, and the team schema applied through `team init`.
async fn team_server() -> (TempCluster, String) {
    let cluster = TempCluster::start();
    cluster.superuser_sql(
        "postgres",
        &format!("CREATE ROLE team_admin LOGIN CREATEROLE PASSWORD '{ADMIN_PASSWORD}'"),
    );
    cluster.superuser_sql("postgres", "CREATE DATABASE team OWNER team_admin");
    let admin_url = cluster.url("team_admin", ADMIN_PASSWORD, "team");
    assert_eq!(admin::init(&admin_url).await.unwrap(), 2);
    assert_eq!(
        admin::init(&admin_url).await.unwrap(),
        0,
        "init twice applies nothing"
    );
    (cluster, admin_url)
}

struct Member {
    name: &'static str,
    password: String,
    store: Store,
    _dir: TempDir,
    team: Team,
}

async fn member(cluster: &TempCluster, admin_url: &str, name: &'static str) -> Member {
    let password = format!("{name}-secret-pw");
    admin::add_user(admin_url, name, &ApiKey::new(password.clone()).unwrap())
        .await
        .unwrap();
    let (store, dir) = file_store().await;
    let url = TeamUrl::parse(&cluster.url(name, &password, "team")).unwrap();
    store.link_team(&url.url, name).await.unwrap();
    let team = Team::connect(&url, url.password.as_ref()).await.unwrap();
    Member {
        name,
        password,
        store,
        _dir: dir,
        team,
    }
}

impl Member {
    async fn sync(&self) -> promptline_core::sync::SyncReport {
        self.team
            .sync_and_record(&self.store)
            .await
            .unwrap_or_else(|e| panic!("{}'s sync failed: {e}", self.name))
    }

    fn sql(&self, cluster: &TempCluster, sql: &str) -> Result<String, String> {
        cluster.psql(self.name, &self.password, "team", sql)
    }

    async fn run_ids(&self, whose: Option<Whose>) -> Vec<String> {
        let filter = RunFilter {
            whose,
            ..RunFilter::default()
        };
        let mut ids: Vec<String> = self
            .store
            .runs_page(&filter, None, 1000)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|r| r.id.0)
            .collect();
        ids.sort();
        ids
    }
}

/// Records many runs at once, through the store's JSONL import.
async fn import(store: &Store, runs: &[promptline_core::NewRun]) {
    let lines: String = runs
        .iter()
        .map(|run| serde_json::to_string(run).unwrap() + "\n")
        .collect();
    let report = store
        .import_jsonl("runs.jsonl", lines.as_bytes(), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.runs_added, runs.len() as u64);
}

fn superuser_count(cluster: &TempCluster, sql: &str) -> i64 {
    cluster.superuser_sql("team", sql).parse().unwrap()
}

#[tokio::test]
async fn alice_shares_bob_sees_exactly_the_shared_runs_and_cannot_touch_the_rest() {
    let (cluster, admin_url) = team_server().await;
    let alice = member(&cluster, &admin_url, "alice").await;
    let bob = member(&cluster, &admin_url, "bob").await;

    // Alice: a private prompt with two runs, a shared one with three, one ad-hoc run.
    let private = saved_prompt(&alice.store, "Private notes", "secret {{x}}").await;
    let shared = saved_prompt(&alice.store, "Team summary", "summarize {{x}}").await;
    let mut private_ids = Vec::new();
    let mut shared_ids = Vec::new();
    for i in 0..2 {
        let run = new_run(
            Some(&private.id),
            i,
            "echo",
            RunStatus::Success,
            "PRIVATE-RESPONSE",
        );
        private_ids.push(alice.store.insert_run(&run).await.unwrap().summary.id.0);
    }
    for i in 0..3 {
        let status = if i == 1 {
            RunStatus::Error
        } else {
            RunStatus::Success
        };
        let run = new_run(Some(&shared.id), 10 + i, "echo", status, "shared answer");
        shared_ids.push(alice.store.insert_run(&run).await.unwrap().summary.id.0);
    }
    let adhoc = new_run(None, 20, "echo", RunStatus::Success, "PRIVATE-ADHOC");
    private_ids.push(alice.store.insert_run(&adhoc).await.unwrap().summary.id.0);
    alice
        .store
        .set_prompt_shared(&shared.id, true)
        .await
        .unwrap();
    shared_ids.sort();

    let pushed = alice.sync().await;
    assert_eq!((pushed.pushed_prompts, pushed.pushed_runs), (2, 6));
    assert_eq!(
        alice.store.sync_backlog().await.unwrap(),
        SyncBacklog::default()
    );
    let again = alice.sync().await;
    assert_eq!(again, Default::default(), "a second sync has nothing to do");
    // Her own changes moved her pull cursor past them: the next pull does not walk them again.
    let link = alice.store.team_link().await.unwrap().unwrap();
    let newest: i64 = cluster
        .superuser_sql(
            "team",
            "SELECT max(sync_seq) FROM promptline.prompt_run_history",
        )
        .parse()
        .unwrap();
    assert_eq!(link.cursor, newest);
    assert_eq!(
        superuser_count(
            &cluster,
            "SELECT count(*) FROM promptline.prompt_run_history"
        ),
        6
    );

    // Bob sees exactly the shared runs, marked as alice's, and the shared prompt only.
    let pulled = bob.sync().await;
    assert_eq!((pulled.pulled_prompts, pulled.pulled_runs), (1, 3));
    assert_eq!(bob.run_ids(None).await, shared_ids);
    assert_eq!(bob.run_ids(Some(Whose::Team)).await, shared_ids);
    assert!(bob.run_ids(Some(Whose::Mine)).await.is_empty());
    let first = bob.store.run(&shared_ids[0].as_str().into()).await.unwrap();
    assert_eq!(first.summary.owner.as_deref(), Some("alice"));
    assert_eq!(first.response, "shared answer");
    assert!(bob.store.prompt(&private.id).await.is_err());
    let bobs_copy = bob.store.prompt(&shared.id).await.unwrap();
    assert_eq!(
        (bobs_copy.owner.as_deref(), bobs_copy.shared),
        (Some("alice"), true)
    );

    // Plain SQL as bob (who has one run of his own there): alice's private rows stay out of reach.
    let bobs_own = new_run(None, 30, "echo", RunStatus::Success, "bob's own");
    bob.store.insert_run(&bobs_own).await.unwrap();
    assert_eq!(bob.sync().await.pushed_runs, 1);
    let private_list = private_ids
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(",");
    let visible = bob
        .sql(
            &cluster,
            "SELECT count(*) FROM promptline.prompt_run_history",
        )
        .unwrap();
    assert_eq!(visible, "4");
    let leaked = bob
        .sql(
            &cluster,
            &format!("SELECT count(*) FROM promptline.prompt_run_history WHERE id IN ({private_list}) OR response LIKE 'PRIVATE%'"),
        )
        .unwrap();
    assert_eq!(leaked, "0");
    assert_eq!(
        bob.sql(&cluster, "SELECT count(*) FROM promptline.prompts")
            .unwrap(),
        "1"
    );
    let touch = [
        format!("UPDATE promptline.prompt_run_history SET response = 'pwned' WHERE id IN ({private_list})"),
        format!("UPDATE promptline.prompt_run_history SET response = 'pwned' WHERE id = '{}'", shared_ids[0]),
        format!("DELETE FROM promptline.prompt_run_history WHERE id IN ({private_list})"),
        format!("DELETE FROM promptline.prompt_run_history WHERE id = '{}'", shared_ids[0]),
        format!("UPDATE promptline.prompts SET shared = true WHERE id = '{}'", private.id),
        format!("DELETE FROM promptline.prompts WHERE id = '{}'", shared.id),
    ];
    for sql in &touch {
        // Row-level security hides the rows: the statement succeeds and changes nothing.
        bob.sql(&cluster, sql).unwrap();
    }
    assert_eq!(
        superuser_count(
            &cluster,
            "SELECT count(*) FROM promptline.prompt_run_history WHERE response = 'pwned'"
        ),
        0
    );
    assert_eq!(
        superuser_count(
            &cluster,
            "SELECT count(*) FROM promptline.prompt_run_history"
        ),
        7
    );
    assert_eq!(
        superuser_count(
            &cluster,
            "SELECT count(*) FROM promptline.prompts WHERE shared"
        ),
        1
    );

    let refused = [
        // Writing as alice, becoming alice or the admin.
        "INSERT INTO promptline.prompt_run_history (id, user_id, prompt_text, response, model, provider) \
         SELECT 'forged', id, 'x', 'y', 'm', 'p' FROM promptline.users WHERE name = 'alice'".to_owned(),
        format!("INSERT INTO promptline.prompt_run_history (id, prompt_id, prompt_text, response, model, provider) \
         VALUES ('hang-off-private', '{}', 'x', 'y', 'm', 'p')", private.id),
        "UPDATE promptline.prompt_run_history SET user_id = (SELECT id FROM promptline.users WHERE name = 'alice')".to_owned(),
        "INSERT INTO promptline.tombstones (sync_seq, kind, id, user_id, team_visible) \
         SELECT 1, 'run', 'x', id, true FROM promptline.users WHERE name = 'alice'".to_owned(),
        "UPDATE promptline.users SET name = 'mallory' WHERE name = 'alice'".to_owned(),
        "SET ROLE alice".to_owned(),
        "SET ROLE team_admin".to_owned(),
        "SET SESSION AUTHORIZATION alice".to_owned(),
        // Changing the rules.
        "ALTER TABLE promptline.prompt_run_history DISABLE ROW LEVEL SECURITY".to_owned(),
        "ALTER TABLE promptline.prompt_run_history NO FORCE ROW LEVEL SECURITY".to_owned(),
        "DROP POLICY runs_read ON promptline.prompt_run_history".to_owned(),
        "CREATE POLICY mine_too ON promptline.prompt_run_history FOR SELECT USING (true)".to_owned(),
        "ALTER POLICY runs_read ON promptline.prompt_run_history USING (true)".to_owned(),
        "GRANT promptline_member TO alice".to_owned(),
        "ALTER ROLE bob BYPASSRLS".to_owned(),
        "CREATE OR REPLACE FUNCTION promptline.current_user_id() RETURNS uuid LANGUAGE sql AS \
         'SELECT id FROM promptline.users WHERE name = ''alice'''".to_owned(),
        // Going around the policies.
        "SET row_security = off; SELECT count(*) FROM promptline.prompt_run_history".to_owned(),
        "SELECT pg_read_file(pg_relation_filepath('promptline.prompt_run_history'))".to_owned(),
        "SELECT pg_read_binary_file(pg_relation_filepath('promptline.prompt_run_history'))".to_owned(),
        "SELECT pg_ls_dir('.')".to_owned(),
        "COPY promptline.prompt_run_history TO '/tmp/promptline-stolen.csv'".to_owned(),
        "SELECT lo_import('/etc/passwd')".to_owned(),
    ];
    for sql in &refused {
        let outcome = bob.sql(&cluster, sql);
        assert!(outcome.is_err(), "bob could run: {sql}\n{outcome:?}");
    }
    // What COPY and the statistics views show bob is still only what he may see.
    let copied = bob
        .sql(
            &cluster,
            "COPY promptline.prompt_run_history (id, response) TO STDOUT",
        )
        .unwrap();
    assert_eq!(copied.lines().count(), 4, "{copied}");
    assert!(!copied.contains("PRIVATE"));
    cluster.superuser_sql("team", "ANALYZE promptline.prompt_run_history");
    let stats = bob
        .sql(&cluster, "SELECT coalesce(string_agg(most_common_vals::text, ' '), '') FROM pg_stats WHERE tablename = 'prompt_run_history'")
        .unwrap();
    assert!(!stats.contains("PRIVATE"), "{stats}");
    // A function that leaks every value it sees sees only the visible rows: the policy runs first.
    let leak = bob.sql(
        &cluster,
        "CREATE FUNCTION pg_temp.peek(t text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS \
             $$ BEGIN RAISE NOTICE 'saw %', t; RETURN true; END $$; \
             SELECT count(*) FROM promptline.prompt_run_history WHERE pg_temp.peek(response)",
    );
    if let Ok(out) = &leak {
        assert!(!out.contains("PRIVATE"), "{out}");
    }
    if let Err(out) = &leak {
        assert!(!out.contains("PRIVATE"), "{out}");
    }

    // Alice deletes the shared prompt: bob's copy goes at his next sync.
    alice.store.delete_prompt(&shared.id).await.unwrap();
    assert_eq!(alice.store.sync_backlog().await.unwrap().deletions, 4);
    let deleted = alice.sync().await;
    assert_eq!(deleted.pushed_deletions, 4);
    assert_eq!(
        superuser_count(
            &cluster,
            &format!(
                "SELECT count(*) FROM promptline.prompts WHERE id = '{}'",
                shared.id
            )
        ),
        0
    );
    let gone = bob.sync().await;
    assert!(gone.removed >= 1, "{gone:?}");
    assert!(bob.run_ids(Some(Whose::Team)).await.is_empty());
    assert_eq!(bob.run_ids(None).await, vec![bobs_own.id.0.clone()]);
    assert!(bob.store.prompt(&shared.id).await.is_err());
    // The server keeps ids only: no text of a deleted run is left.
    assert_eq!(
        superuser_count(
            &cluster,
            "SELECT count(*) FROM promptline.prompt_run_history WHERE response = 'shared answer'"
        ),
        0
    );
    drop(alice);
    drop(bob);
}

#[tokio::test]
async fn edits_sharing_and_unsharing_reach_the_team_and_last_writer_wins() {
    let (cluster, admin_url) = team_server().await;
    let alice = member(&cluster, &admin_url, "alice").await;
    let bob = member(&cluster, &admin_url, "bob").await;
    let prompt = saved_prompt(&alice.store, "Draft", "v1 {{x}}").await;
    let run = new_run(Some(&prompt.id), 1, "echo", RunStatus::Success, "old run");
    alice.store.insert_run(&run).await.unwrap();
    alice.sync().await;
    bob.sync().await;
    assert!(bob.run_ids(None).await.is_empty(), "private until shared");

    // Sharing later brings the old runs too.
    alice
        .store
        .set_prompt_shared(&prompt.id, true)
        .await
        .unwrap();
    alice.sync().await;
    assert_eq!(bob.sync().await.pulled_runs, 1);

    // An edit reaches bob; an older version never replaces a newer one.
    let edit = promptline_core::PromptEdit {
        name: Some("Final".into()),
        ..Default::default()
    };
    alice.store.edit_prompt(&prompt.id, &edit).await.unwrap();
    alice.sync().await;
    bob.sync().await;
    assert_eq!(bob.store.prompt(&prompt.id).await.unwrap().name, "Final");
    alice.sql(&cluster, &format!(
        "UPDATE promptline.prompts SET name = 'Stale', updated_at = updated_at - interval '1 day' WHERE id = '{}'", prompt.id
    )).unwrap();
    bob.sync().await;
    assert_eq!(bob.store.prompt(&prompt.id).await.unwrap().name, "Final");

    // Bob runs alice's shared prompt: his run is his, visible to alice's team view.
    let bobs = new_run(Some(&prompt.id), 5, "echo", RunStatus::Success, "bob's run");
    bob.store.insert_run(&bobs).await.unwrap();
    assert_eq!(bob.sync().await.pushed_runs, 1);
    assert_eq!(alice.sync().await.pulled_runs, 1);
    assert_eq!(
        alice.run_ids(Some(Whose::Team)).await,
        vec![bobs.id.0.clone()]
    );

    // Unsharing takes the team's copies away again.
    alice
        .store
        .set_prompt_shared(&prompt.id, false)
        .await
        .unwrap();
    alice.sync().await;
    let report = bob.sync().await;
    assert!(report.removed >= 1, "{report:?}");
    assert!(bob.run_ids(Some(Whose::Team)).await.is_empty());
    assert_eq!(
        bob.run_ids(Some(Whose::Mine)).await,
        vec![bobs.id.0.clone()]
    );
}

#[tokio::test]
async fn a_shared_prompt_brings_its_parameters_and_version_and_runs_say_which_they_ran() {
    let (cluster, admin_url) = team_server().await;
    let alice = member(&cluster, &admin_url, "alice").await;
    let bob = member(&cluster, &admin_url, "bob").await;
    let prompt = saved_prompt(&alice.store, "Tuned", "v1 {{x}}").await;
    let params = serde_json::json!({"system": "Answer in French.", "temperature": 0.2});
    let edit = promptline_core::PromptEdit {
        template: Some("v2 {{x}}".into()),
        params: Some(params.clone()),
        ..Default::default()
    };
    let edited = alice.store.edit_prompt(&prompt.id, &edit).await.unwrap();
    assert!(edited.version >= 2, "an edit adds a version: {edited:?}");
    alice
        .store
        .set_prompt_shared(&prompt.id, true)
        .await
        .unwrap();
    let mut run = new_run(Some(&prompt.id), 1, "echo", RunStatus::Success, "bonjour");
    run.origin.prompt_version = Some(edited.version);
    run.origin.system_prompt = Some("Answer in French.".into());
    alice.store.insert_run(&run).await.unwrap();
    alice.sync().await;
    assert_eq!(bob.sync().await.pulled_runs, 1);

    let theirs = bob.store.prompt(&prompt.id).await.unwrap();
    assert_eq!(theirs.template, "v2 {{x}}");
    assert_eq!(theirs.params, edited.params, "the saved parameters travel");
    assert_eq!(theirs.version, edited.version);
    let versions = bob.store.prompt_versions(&prompt.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![edited.version],
        "only the current version travels"
    );
    let pulled = bob.store.run(&run.id).await.unwrap();
    assert_eq!(pulled.prompt_version, Some(edited.version));
    assert_eq!(pulled.system_prompt.as_deref(), Some("Answer in French."));
    let filter = RunFilter {
        prompt_id: Some(prompt.id.clone()),
        prompt_version: Some(edited.version),
        ..RunFilter::default()
    };
    assert_eq!(
        bob.store
            .runs_page(&filter, None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1,
        "bob filters alice's runs by version"
    );
}

#[tokio::test]
async fn a_server_with_an_older_schema_is_refused_until_the_admin_runs_init() {
    let (cluster, admin_url) = team_server().await;
    let alice = member(&cluster, &admin_url, "alice").await;
    // The server as the first release of the team schema left it.
    cluster.superuser_sql(
        "team",
        "DROP FUNCTION promptline.schema_version(); \
         ALTER TABLE promptline.prompts DROP COLUMN params, DROP COLUMN version; \
         ALTER TABLE promptline.prompt_run_history DROP COLUMN prompt_version, \
           DROP COLUMN system_prompt; \
         DELETE FROM _sqlx_migrations WHERE version = 20261202000002",
    );
    let url = TeamUrl::parse(&cluster.url("alice", &alice.password, "team")).unwrap();
    let refused = Team::connect(&url, url.password.as_ref())
        .await
        .unwrap_err();
    let message = refused.to_string();
    assert!(
        message.contains("version 1") && message.contains("promptline team init"),
        "{message}"
    );
    assert!(!message.contains(&alice.password), "{message}");

    assert_eq!(
        admin::init(&admin_url).await.unwrap(),
        1,
        "init applies what is missing"
    );
    let team = Team::connect(&url, url.password.as_ref()).await.unwrap();
    let prompt = saved_prompt(&alice.store, "After", "{{x}}").await;
    alice
        .store
        .edit_prompt(
            &prompt.id,
            &promptline_core::PromptEdit {
                params: Some(serde_json::json!({"temperature": 0.5})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    team.sync(&alice.store).await.unwrap();
    let on_server = cluster.superuser_sql(
        "team",
        &format!(
            "SELECT params->>'temperature' FROM promptline.prompts WHERE id = '{}'",
            prompt.id
        ),
    );
    assert_eq!(on_server, "0.5");
}

#[tokio::test]
async fn a_sync_killed_at_any_point_resumes_with_nothing_lost_or_doubled() {
    let (cluster, admin_url) = team_server().await;
    let alice = member(&cluster, &admin_url, "alice").await;
    let bob = member(&cluster, &admin_url, "bob").await;
    let prompt = saved_prompt(&alice.store, "Bulk", "bulk {{x}}").await;
    alice
        .store
        .set_prompt_shared(&prompt.id, true)
        .await
        .unwrap();
    let runs: Vec<_> = (0..4500)
        .map(|i| {
            new_run(
                Some(&prompt.id),
                i,
                "echo",
                RunStatus::Success,
                &"answer ".repeat(40),
            )
        })
        .collect();
    import(&alice.store, &runs).await;

    // Kill the push again and again, a little later each time, then let it finish.
    let mut killed = 0;
    for delay_ms in [5u64, 20, 40, 80, 160] {
        let sync = alice.team.sync(&alice.store);
        if tokio::time::timeout(std::time::Duration::from_millis(delay_ms), sync)
            .await
            .is_err()
        {
            killed += 1;
        }
    }
    assert!(killed > 0, "no sync was interrupted: make the batch bigger");
    alice.sync().await;
    assert_eq!(
        alice.store.sync_backlog().await.unwrap(),
        SyncBacklog::default()
    );
    assert_eq!(
        superuser_count(
            &cluster,
            "SELECT count(*) FROM promptline.prompt_run_history"
        ),
        4500
    );

    // The same for bob's pull.
    for delay_ms in [5u64, 20, 40, 80] {
        let sync = bob.team.sync(&bob.store);
        let _ = tokio::time::timeout(std::time::Duration::from_millis(delay_ms), sync).await;
    }
    bob.sync().await;
    let filter = RunFilter::default();
    assert_eq!(bob.store.count_runs(&filter).await.unwrap(), 4500);
    let mut ids = bob.run_ids(None).await;
    ids.dedup();
    assert_eq!(ids.len(), 1000, "first page, no duplicates");
    assert_eq!(bob.sync().await, Default::default());
}

#[tokio::test]
async fn removing_a_member_drops_their_role_and_their_rows() {
    let (cluster, admin_url) = team_server().await;
    let alice = member(&cluster, &admin_url, "alice").await;
    let prompt = saved_prompt(&alice.store, "Shared", "s").await;
    alice
        .store
        .set_prompt_shared(&prompt.id, true)
        .await
        .unwrap();
    alice.sync().await;
    let name_taken = admin::add_user(&admin_url, "alice", &ApiKey::new("x").unwrap()).await;
    assert!(name_taken
        .unwrap_err()
        .to_string()
        .contains("exists already"));
    alice.team.close().await;
    assert!(admin::remove_user(&admin_url, "alice").await.unwrap());
    assert_eq!(
        superuser_count(
            &cluster,
            "SELECT count(*) FROM pg_roles WHERE rolname = 'alice'"
        ),
        0
    );
    assert_eq!(
        superuser_count(&cluster, "SELECT count(*) FROM promptline.prompts"),
        0
    );
    assert!(!admin::remove_user(&admin_url, "alice").await.unwrap());
    let url = TeamUrl::parse(&cluster.url("alice", &alice.password, "team")).unwrap();
    let refused = Team::connect(&url, url.password.as_ref())
        .await
        .unwrap_err();
    assert!(!refused.to_string().contains(&alice.password), "{refused}");
}

#[tokio::test]
async fn an_undone_delete_is_pushed_again_and_its_deletion_forgotten() {
    let (cluster, admin_url) = team_server().await;
    let alice = member(&cluster, &admin_url, "alice").await;
    let prompt = saved_prompt(&alice.store, "Kept", "k").await;
    let run = new_run(Some(&prompt.id), 1, "echo", RunStatus::Success, "keep me");
    alice.store.insert_run(&run).await.unwrap();
    alice.sync().await;
    let on_server = || {
        superuser_count(
            &cluster,
            "SELECT count(*) FROM promptline.prompt_run_history",
        )
    };
    assert_eq!(on_server(), 1);

    // Deleted and undone before a sync: nothing reaches the server.
    let deletion = alice
        .store
        .delete_runs_undoably(std::slice::from_ref(&run.id))
        .await
        .unwrap();
    assert_eq!(alice.store.sync_backlog().await.unwrap().deletions, 1);
    alice.store.undo_deletion(&deletion.id).await.unwrap();
    assert_eq!(alice.store.sync_backlog().await.unwrap().deletions, 0);
    alice.sync().await;
    assert_eq!(on_server(), 1);

    // Deleted, synced (gone from the server), then undone: the next sync puts it back.
    let deletion = alice
        .store
        .delete_prompt_undoably(&prompt.id)
        .await
        .unwrap();
    alice.sync().await;
    assert_eq!(on_server(), 0);
    alice.store.undo_deletion(&deletion.id).await.unwrap();
    let report = alice.sync().await;
    assert_eq!((report.pushed_prompts, report.pushed_runs), (1, 1));
    assert_eq!(on_server(), 1);
}
