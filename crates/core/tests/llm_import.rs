//! Importing the `llm` CLI's logs.db (issue 13), against real files: logs.db files written by
//! datagen's gen_llm_logs.py (llm 0.36's rows, row for row), older-shape files built here from
//! llm's migrations, and what the real llm 0.36 (installed by `scripts/setup.sh test`) reports
//! about the same files.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use promptline_core::importers::{self, llm, FileImport, ImportFormat};
use promptline_core::{RunFilter, RunId, Store};
use serde_json::Value;
use sqlx::{Connection, SqliteConnection};

use common::{datagen_dir, file_store};

/// The llm 0.36 that `scripts/setup.sh test` installs into the repository's `.venv/llm`.
fn llm_bin() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/llm");
    let bin = if cfg!(windows) {
        venv.join("Scripts/llm.exe")
    } else {
        venv.join("bin/llm")
    };
    assert!(
        bin.exists(),
        "{} is missing: these tests compare with the real llm 0.36; run `scripts/setup.sh test` \
         (or `make test`), which installs it there",
        bin.display()
    );
    bin
}

/// Runs the real llm on `logs` (in a private user directory) and parses its JSON output.
fn llm_logs(logs: &Path, args: &[&str]) -> Value {
    let home = logs.parent().unwrap().join("llm-home");
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(llm_bin())
        .env("LLM_USER_PATH", &home)
        .args(["logs", "list", "--json", "-d"])
        .arg(logs)
        .args(args)
        .output()
        .expect("llm runs");
    assert!(
        out.status.success(),
        "llm logs {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("llm prints JSON")
}

/// Writes `gen_llm_logs.py -n N` into `dir`.
fn generate_logs(n: usize, dir: &Path) -> PathBuf {
    let out = dir.join(format!("logs{n}.db"));
    let status = Command::new("python3")
        .arg(datagen_dir().join("gen_llm_logs.py"))
        .args(["-n", &n.to_string(), "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs");
    assert!(status.success(), "gen_llm_logs.py failed");
    out
}

async fn import(store: &Store, path: &Path) -> promptline_core::Result<FileImport> {
    importers::import_file(store, path, &mut |_| {}).await
}

async fn count(store: &Store, filter: RunFilter) -> i64 {
    store.count_runs(&filter).await.unwrap()
}

fn strings(values: &[Value], key: &str) -> Vec<String> {
    values
        .iter()
        .map(|v| v[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_generated_logs_db_imports_exactly_what_llm_reports() {
    let dir = tempfile::tempdir().unwrap();
    let logs = generate_logs(1500, dir.path());
    let (store, db) = file_store().await;

    let first = import(&store, &logs).await.unwrap();
    assert_eq!(first.format, ImportFormat::Llm);
    let everything = llm_logs(&logs, &["-n", "0"]);
    let everything = everything.as_array().unwrap();
    assert_eq!(first.report.runs_added as usize, everything.len());
    assert_eq!(first.report.runs_skipped, 0);

    // Counts per model and token sums, as llm reports them.
    let mut per_model: BTreeMap<String, i64> = BTreeMap::new();
    let (mut input, mut output) = (0i64, 0i64);
    for row in everything {
        *per_model
            .entry(row["model"].as_str().unwrap().to_owned())
            .or_default() += 1;
        input += row["input_tokens"].as_i64().unwrap_or(0);
        output += row["output_tokens"].as_i64().unwrap_or(0);
    }
    let ours: BTreeMap<String, i64> = store
        .models_in_history()
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(ours, per_model);
    let stats = store.run_stats(&RunFilter::default(), 0).await.unwrap();
    assert_eq!(stats.tokens, input + output);
    let mut conn = SqliteConnection::connect(&format!(
        "sqlite://{}",
        db.path().join("history.db").display()
    ))
    .await
    .unwrap();
    let sums: (i64, i64) = sqlx::query_as("SELECT sum(input_tokens), sum(output_tokens) FROM runs")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert_eq!(sums, (input, output));
    let threads: std::collections::HashSet<&str> = everything
        .iter()
        .map(|r| r["conversation_id"].as_str().unwrap())
        .collect();
    assert_eq!(first.report.threads as usize, threads.len());

    // Marker words: llm's own search and ours find the same runs.
    for word in ["pelican", "kubernetes", "postgres"] {
        let hits = llm_logs(&logs, &["-n", "0", "-q", word]);
        let filter = RunFilter {
            query: Some(word.into()),
            ..Default::default()
        };
        assert_eq!(
            count(&store, filter).await as usize,
            hits.as_array().unwrap().len(),
            "{word}"
        );
    }

    // The newest 50, in llm's order, with their texts, system prompts and threads.
    let newest = llm_logs(&logs, &["-n", "50"]);
    let mut newest = newest.as_array().unwrap().clone();
    newest.sort_by(|a, b| b["id"].as_str().cmp(&a["id"].as_str()));
    let page = store
        .runs_page(&RunFilter::default(), None, 50)
        .await
        .unwrap();
    let page_ids: Vec<String> = page.items.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(page_ids, strings(&newest, "id"));
    for row in &newest {
        let run = store
            .run(&RunId::from(row["id"].as_str().unwrap()))
            .await
            .unwrap();
        assert_eq!(run.prompt_text, row["prompt"].as_str().unwrap());
        assert_eq!(run.response, row["response"].as_str().unwrap());
        assert_eq!(
            run.system_prompt.as_deref().unwrap_or(""),
            row["system"].as_str().unwrap_or("")
        );
        assert_eq!(
            run.summary.thread_id.as_deref(),
            row["conversation_id"].as_str()
        );
        assert_eq!(
            run.resolved_model.as_deref(),
            row["resolved_model"].as_str()
        );
        assert_eq!(run.summary.source, llm::SOURCE);
        assert_eq!(run.summary.input_tokens, row["input_tokens"].as_i64());
        assert_eq!(run.summary.execution_time_ms, row["duration_ms"].as_i64());
        let llm_time =
            chrono::DateTime::parse_from_rfc3339(row["datetime_utc"].as_str().unwrap()).unwrap();
        assert_eq!(run.summary.created_at, llm_time);
        // The options, as params.
        let options = &row["options_json"];
        if options.as_object().is_some_and(|o| !o.is_empty()) {
            assert_eq!(&run.params, options);
        }
    }

    // A follow-up carries the conversation before it, and its thread holds both runs.
    let follow_up = everything
        .iter()
        .rev()
        .find(|row| {
            everything.iter().any(|other| {
                other["conversation_id"] == row["conversation_id"] && other["id"] != row["id"]
            })
        })
        .unwrap();
    let run = store
        .run(&RunId::from(follow_up["id"].as_str().unwrap()))
        .await
        .unwrap();
    let thread = store
        .thread_runs(run.summary.thread_id.as_deref().unwrap())
        .await
        .unwrap();
    assert!(thread.len() >= 2);
    let place = thread.iter().position(|r| r.id == run.summary.id).unwrap();
    assert_eq!(run.context.len(), place * 2);
    for (i, earlier) in thread[..place].iter().enumerate() {
        let earlier = store.run(&earlier.id).await.unwrap();
        assert_eq!(run.context[i * 2].role, "user");
        assert_eq!(run.context[i * 2].text, earlier.prompt_text);
        assert_eq!(run.context[i * 2 + 1].text, earlier.response);
    }

    // Importing the same file again adds nothing.
    let again = import(&store, &logs).await.unwrap();
    assert_eq!(again.report.runs_added, 0);
    assert_eq!(again.report.runs_skipped as usize, everything.len());
    assert_eq!(
        count(&store, RunFilter::default()).await as usize,
        everything.len()
    );
    let by_source = RunFilter {
        sources: vec![llm::SOURCE.into()],
        ..Default::default()
    };
    assert_eq!(count(&store, by_source).await as usize, everything.len());
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
}

/// The tables of llm before 0.36 (after its migrations m010 to m022), written from llm's
/// `migrations.py`: conversations, responses with usage, schemas, resolved model and reasoning,
/// fragments, and the search index with its triggers.
const OLD_SCHEMA: &str = r#"
CREATE TABLE "_llm_migrations" ("name" TEXT PRIMARY KEY, "applied_at" TEXT);
CREATE TABLE "conversations" ("id" TEXT PRIMARY KEY, "name" TEXT, "model" TEXT);
CREATE TABLE "schemas" ("id" TEXT PRIMARY KEY, "content" TEXT);
CREATE TABLE "responses" (
   "id" TEXT PRIMARY KEY, "model" TEXT, "prompt" TEXT, "system" TEXT, "prompt_json" TEXT,
   "options_json" TEXT, "response" TEXT, "response_json" TEXT,
   "conversation_id" TEXT REFERENCES "conversations"("id"), "duration_ms" INTEGER,
   "datetime_utc" TEXT, "input_tokens" INTEGER, "output_tokens" INTEGER, "token_details" TEXT,
   "schema_id" TEXT REFERENCES "schemas"("id"), "resolved_model" TEXT, "reasoning" TEXT);
CREATE VIRTUAL TABLE "responses_fts" USING FTS5 ("prompt", "response", content="responses");
CREATE TRIGGER "responses_ai" AFTER INSERT ON "responses" BEGIN
  INSERT INTO "responses_fts" (rowid, "prompt", "response") VALUES (new.rowid, new."prompt", new."response");
END;
CREATE TABLE "attachments" ("id" TEXT PRIMARY KEY, "type" TEXT, "path" TEXT, "url" TEXT, "content" BLOB);
CREATE TABLE "prompt_attachments" ("response_id" TEXT, "attachment_id" TEXT, "order" INTEGER,
   PRIMARY KEY ("response_id", "attachment_id"));
CREATE TABLE "fragments" ("id" INTEGER PRIMARY KEY, "hash" TEXT, "content" TEXT, "datetime_utc" TEXT, "source" TEXT);
CREATE TABLE "fragment_aliases" ("alias" TEXT PRIMARY KEY, "fragment_id" INTEGER);
CREATE TABLE "prompt_fragments" ("response_id" TEXT, "fragment_id" INTEGER, "order" INTEGER,
   PRIMARY KEY ("response_id", "fragment_id", "order"));
CREATE TABLE "system_fragments" ("response_id" TEXT, "fragment_id" INTEGER, "order" INTEGER,
   PRIMARY KEY ("response_id", "fragment_id", "order"));
CREATE TABLE "tools" ("id" INTEGER PRIMARY KEY, "hash" TEXT, "name" TEXT, "description" TEXT,
   "input_schema" TEXT, "plugin" TEXT);
CREATE TABLE "tool_responses" ("tool_id" INTEGER, "response_id" TEXT, PRIMARY KEY ("tool_id", "response_id"));
CREATE TABLE "tool_calls" ("id" INTEGER PRIMARY KEY, "response_id" TEXT, "tool_id" INTEGER,
   "name" TEXT, "arguments" TEXT, "tool_call_id" TEXT);
CREATE TABLE "tool_instances" ("id" INTEGER PRIMARY KEY, "plugin" TEXT, "name" TEXT, "arguments" TEXT);
CREATE TABLE "tool_results" ("id" INTEGER PRIMARY KEY, "response_id" TEXT, "tool_id" INTEGER,
   "name" TEXT, "output" TEXT, "tool_call_id" TEXT, "instance_id" INTEGER, "exception" TEXT);
CREATE TABLE "tool_results_attachments" ("tool_result_id" INTEGER, "attachment_id" TEXT,
   "order" INTEGER, PRIMARY KEY ("tool_result_id", "attachment_id"));
"#;

/// The migrations such a file records as applied.
const OLD_MIGRATIONS: &[&str] = &KNOWN_BEFORE_MESSAGE_STORE;
const KNOWN_BEFORE_MESSAGE_STORE: [&str; 25] = {
    let mut names = [""; 25];
    let mut i = 0;
    while i < 25 {
        names[i] = llm::KNOWN_MIGRATIONS[i];
        i += 1;
    }
    names
};

/// An llm 0.2x logs.db: two conversations (one with a follow-up), a system prompt made of a
/// fragment and text, a prompt with a fragment, llm's naive-UTC times.
async fn write_old_logs(path: &Path) {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql(OLD_SCHEMA).execute(&mut conn).await.unwrap();
    for name in OLD_MIGRATIONS {
        sqlx::query("INSERT INTO _llm_migrations VALUES (?, '2025-03-01 10:00:00.000000+00:00')")
            .bind(name)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::raw_sql(
        r#"
        INSERT INTO conversations VALUES ('01jq0conv00000000000000001', 'Name a pelican', 'gpt-4o-mini');
        INSERT INTO conversations VALUES ('01jq0conv00000000000000002', 'Summarise', 'claude-3.5-sonnet');
        INSERT INTO responses (id, model, prompt, system, options_json, response, conversation_id,
            duration_ms, datetime_utc, input_tokens, output_tokens, resolved_model)
        VALUES
        ('01jq0resp00000000000000001', 'gpt-4o-mini', 'Name a pelican', 'Answer in one word.',
         '{"temperature": 0.2}', 'Percy', '01jq0conv00000000000000001', 812,
         '2025-03-01T10:00:00.123456', 12, 2, 'gpt-4o-mini-2024-07-18'),
        ('01jq0resp00000000000000002', 'gpt-4o-mini', 'And another', 'Answer in one word.',
         '{}', 'Pelagia', '01jq0conv00000000000000001', 640,
         '2025-03-01T10:01:30.000001', 20, 3, 'gpt-4o-mini-2024-07-18'),
        ('01jq0resp00000000000000003', 'claude-3.5-sonnet', 'Summarise this.', '',
         NULL, 'A short summary.', '01jq0conv00000000000000002', 2100,
         '2025-03-02T08:30:00.5', NULL, NULL, NULL);
        INSERT INTO fragments (id, hash, content, datetime_utc, source)
        VALUES (1, 'h1', 'The quick brown fox.', '2025-03-02T08:29:00', 'notes.txt'),
               (2, 'h2', 'You are a careful editor.', '2025-03-02T08:29:00', 'editor.txt');
        INSERT INTO prompt_fragments VALUES ('01jq0resp00000000000000003', 1, 0);
        INSERT INTO system_fragments VALUES ('01jq0resp00000000000000003', 2, 0);
        "#,
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn an_older_llm_file_imports_with_its_conversations_fragments_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("old.db");
    write_old_logs(&logs).await;
    // What the real llm 0.36 makes of it (on a copy: llm migrates the file it opens).
    let copy = dir.path().join("old-copy.db");
    std::fs::copy(&logs, &copy).unwrap();
    let reported = llm_logs(&copy, &["-n", "0"]);
    let reported = reported.as_array().unwrap();
    assert_eq!(reported.len(), 3);

    let (store, _db) = file_store().await;
    let imported = import(&store, &logs).await.unwrap();
    assert_eq!(imported.report.runs_added, 3);
    assert_eq!(imported.report.threads, 2);
    for row in reported {
        let run = store
            .run(&RunId::from(row["id"].as_str().unwrap()))
            .await
            .unwrap();
        assert_eq!(run.summary.model, row["model"].as_str().unwrap());
        assert_eq!(run.response, row["response"].as_str().unwrap());
        assert_eq!(
            run.summary.thread_id.as_deref(),
            row["conversation_id"].as_str()
        );
        assert_eq!(
            run.resolved_model.as_deref(),
            row["resolved_model"].as_str()
        );
        assert_eq!(run.summary.input_tokens, row["input_tokens"].as_i64());
    }
    let summary = store
        .run(&RunId::from("01jq0resp00000000000000003"))
        .await
        .unwrap();
    // llm's Prompt.prompt and .system: fragments first.
    assert_eq!(summary.prompt_text, "The quick brown fox.\nSummarise this.");
    assert_eq!(
        summary.system_prompt.as_deref(),
        Some("You are a careful editor.")
    );
    assert_eq!(
        promptline_core::store::transfer::rfc3339(summary.summary.created_at),
        "2025-03-02T08:30:00.500000Z"
    );
    let follow_up = store
        .run(&RunId::from("01jq0resp00000000000000002"))
        .await
        .unwrap();
    assert_eq!(
        follow_up.system_prompt.as_deref(),
        Some("Answer in one word.")
    );
    assert_eq!(
        follow_up
            .context
            .iter()
            .map(|m| (m.role.as_str(), m.text.as_str()))
            .collect::<Vec<_>>(),
        [("user", "Name a pelican"), ("assistant", "Percy")]
    );
    let first = store
        .run(&RunId::from("01jq0resp00000000000000001"))
        .await
        .unwrap();
    assert_eq!(first.params, serde_json::json!({"temperature": 0.2}));
    assert_eq!(first.summary.tokens_used, Some(14));
    assert!(first.context.is_empty());
}

#[tokio::test]
async fn a_file_with_both_shapes_imports_each_call_once() {
    let dir = tempfile::tempdir().unwrap();
    let logs = generate_logs(300, dir.path());
    // History from before the upgrade in `responses`, plus one call written to both tables (as
    // llm did while it wrote both).
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", logs.display()))
        .await
        .unwrap();
    let (turn_id, thread_id): (String, String) =
        sqlx::query_as("SELECT id, thread_id FROM turns ORDER BY id DESC LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    sqlx::query(
        "INSERT OR IGNORE INTO conversations (id, name, model) VALUES (?, 'x', 'gpt-4o-mini')",
    )
    .bind(&thread_id)
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO responses (id, model, prompt, response, conversation_id, datetime_utc) VALUES \
         ('01hz0legacy000000000000001', 'gpt-3.5-turbo', 'Old question', 'Old answer', NULL, \
          '2024-06-01T09:00:00.000001'), \
         (?, 'gpt-4o-mini', 'written twice', 'written twice', ?, '2026-10-31T23:59:59.000000')",
    )
    .bind(&turn_id)
    .bind(&thread_id)
    .execute(&mut conn)
    .await
    .unwrap();
    let (turns,): (i64,) = sqlx::query_as("SELECT count(*) FROM turns")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let reported = llm_logs(&logs, &["-n", "0"]);
    assert_eq!(reported.as_array().unwrap().len() as i64, turns + 1);

    let (store, _db) = file_store().await;
    let imported = import(&store, &logs).await.unwrap();
    assert_eq!(imported.report.runs_added as i64, turns + 1);
    let twice = store.run(&RunId::from(turn_id.as_str())).await.unwrap();
    assert_ne!(
        twice.prompt_text, "written twice",
        "the turn is the record kept"
    );
    let old = store
        .run(&RunId::from("01hz0legacy000000000000001"))
        .await
        .unwrap();
    assert_eq!(
        (old.prompt_text.as_str(), old.response.as_str()),
        ("Old question", "Old answer")
    );
    assert_eq!(old.summary.provider, "openai");
}

/// The last page of a table in a SQLite file (SQLite's dbstat, through Python's sqlite3).
fn last_page_of(path: &Path, table: &str) -> usize {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); \
             print(c.execute('SELECT max(pageno) FROM dbstat WHERE name = ?', (sys.argv[2],)).fetchone()[0])",
        ])
        .arg(path)
        .arg(table)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

async fn assert_refused(store: &Store, path: &Path, says: &str) {
    let err = import(store, path).await.unwrap_err();
    assert_eq!(err.code(), "bad_import", "{err}");
    let message = err.to_string();
    assert!(message.contains(says), "{message}");
    assert!(message.contains("nothing was imported"), "{message}");
    assert_eq!(
        count(store, RunFilter::default()).await,
        1,
        "the store changed"
    );
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
}

/// A store holding one run of its own, to see that a refused import leaves it alone.
async fn store_with_a_run() -> (Store, tempfile::TempDir) {
    let (store, dir) = file_store().await;
    store
        .insert_run(&common::new_run(
            None,
            0,
            "echo",
            promptline_core::RunStatus::Success,
            "mine",
        ))
        .await
        .unwrap();
    (store, dir)
}

#[tokio::test]
async fn torn_damaged_foreign_and_newer_files_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let logs = generate_logs(400, dir.path());
    let bytes = std::fs::read(&logs).unwrap();
    let (store, _db) = store_with_a_run().await;

    // Cut off half-way, as an interrupted copy leaves it.
    let torn = dir.path().join("torn.db");
    std::fs::write(&torn, &bytes[..bytes.len() / 2]).unwrap();
    assert_refused(&store, &torn, "cut off").await;

    // The page holding the newest turns overwritten: the read fails at the end, after the
    // earlier pages of runs were written.
    let damaged = dir.path().join("damaged.db");
    let mut broken = bytes.clone();
    let page = 4096;
    let last_turns_page = last_page_of(&logs, "turns");
    let at = (last_turns_page - 1) * page;
    for b in &mut broken[at..at + page] {
        *b = 0xA5;
    }
    std::fs::write(&damaged, &broken).unwrap();
    assert_refused(&store, &damaged, "damaged").await;

    // Another program's database (Promptline's own, here).
    let foreign = dir.path().join("foreign.db");
    let other = Store::open(&foreign).await.unwrap();
    other.close().await;
    assert_refused(&store, &foreign, "not an llm logs.db").await;

    // A logs.db from an llm newer than this importer knows.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&logs, &newer).unwrap();
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", newer.display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO _llm_migrations VALUES ('m028_something_new', '2027-01-01')")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert_refused(&store, &newer, "newer llm").await;

    // The intact file still imports.
    let imported = import(&store, &logs).await.unwrap();
    assert!(imported.report.runs_added > 300);
}

#[tokio::test]
async fn importing_while_the_app_has_the_database_open_works() {
    let dir = tempfile::tempdir().unwrap();
    let logs = generate_logs(600, dir.path());
    let (app, db_dir) = store_with_a_run().await;
    let db = db_dir.path().join("history.db");
    // The app keeps its pool and goes on reading the history while the CLI imports.
    let cli = Store::open_with_connections(&db, 1).await.unwrap();
    // ... and records a run that finishes meanwhile: it waits for the import's commit.
    let reading = async {
        let mut seen = Vec::new();
        for i in 0..20 {
            seen.push(app.count_runs(&RunFilter::default()).await.unwrap());
            if i == 3 {
                app.insert_run(&common::new_run(
                    None,
                    3,
                    "echo",
                    promptline_core::RunStatus::Success,
                    "during",
                ))
                .await
                .unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        seen
    };
    let (imported, seen) = tokio::join!(import(&cli, &logs), reading);
    let imported = imported.unwrap();
    cli.close().await;
    // The app saw the history before or after the import, never half of it.
    let total = 2 + imported.report.runs_added as i64;
    let before = [1, 2];
    let after = [total - 1, total];
    assert!(
        seen.iter().all(|n| before.contains(n) || after.contains(n)),
        "{seen:?}"
    );
    assert_eq!(app.count_runs(&RunFilter::default()).await.unwrap(), total);
    // And it can record a run of its own afterwards.
    app.insert_run(&common::new_run(
        None,
        5,
        "echo",
        promptline_core::RunStatus::Success,
        "after",
    ))
    .await
    .unwrap();
    assert_eq!(
        app.count_runs(&RunFilter::default()).await.unwrap(),
        total + 1
    );
}

#[test]
fn llm_user_dir_follows_llm_user_path() {
    // The rest of the rule is the OS's configuration directory (click's get_app_dir).
    std::env::set_var("LLM_USER_PATH", "/tmp/somewhere-llm");
    assert_eq!(
        llm::default_logs_path().unwrap(),
        Path::new("/tmp/somewhere-llm/logs.db")
    );
    std::env::remove_var("LLM_USER_PATH");
    let default = llm::default_logs_path().unwrap();
    assert!(
        default.ends_with("io.datasette.llm/logs.db"),
        "{}",
        default.display()
    );
}
