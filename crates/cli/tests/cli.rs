//! The `promptline` binary on a temporary database: the CLI contract scripts rely on.
#![allow(missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;
use common::{stderr, Env};

#[test]
fn prompts_are_added_listed_shown_edited_and_removed_with_their_runs() {
    let env = Env::new();
    let id = env.ok(&[
        "prompt",
        "add",
        "--name",
        "Greeter",
        "--text",
        "Hello {{name}}",
        "--model",
        "echo",
    ]);
    let id = id.trim();
    assert!(!id.is_empty());

    let listed = env.json(&["prompt", "list", "--json"]);
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["run_count"], 0);

    let shown = env.json(&["prompt", "show", id, "--json"]);
    assert_eq!(shown["template"], "Hello {{name}}");
    assert_eq!(shown["variables"], serde_json::json!(["name"]));

    env.ok(&["prompt", "edit", id, "--name", "Greeter 2"]);
    assert_eq!(
        env.json(&["prompt", "show", id, "--json"])["name"],
        "Greeter 2"
    );

    assert_eq!(
        env.ok(&["run", id, "--var", "name=Ada"]).trim_end(),
        "Hello Ada"
    );
    env.ok(&["run", id, "--var", "name=Bo"]);
    assert_eq!(env.json(&["prompt", "list", "--json"])[0]["run_count"], 2);

    let removed = env.ok(&["prompt", "rm", id]);
    assert!(removed.contains("and its 2 runs"), "{removed}");
    assert_eq!(env.json(&["history", "--json"]), serde_json::json!([]));

    let missing = env.run(&["prompt", "show", id]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no prompt with id"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_missing_variable_is_a_clear_error_before_anything_runs() {
    let env = Env::new();
    let out = env.run(&[
        "run",
        "--text",
        "Translate {{text}} to {{lang}}",
        "--var",
        "text=hi",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing value for variable `{{lang}}`: pass --var lang=VALUE"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        env.json(&["history", "--json"]),
        serde_json::json!([]),
        "nothing was recorded"
    );
}

#[test]
fn runs_are_recorded_and_history_pages_with_a_cursor() {
    let env = Env::new();
    for i in 0..5 {
        let text = format!("message number {i}");
        assert_eq!(
            env.ok(&["run", "--text", &text, "--model", "echo"])
                .trim_end(),
            text
        );
    }
    let out = env.run(&["history", "-n", "3", "--json"]);
    assert!(out.status.success());
    let page: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page.len(), 3);
    for key in [
        "id",
        "prompt_id",
        "model",
        "status",
        "tokens_used",
        "execution_time_ms",
        "created_at",
        "error_message",
        "preview",
    ] {
        assert!(page[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(page[0]["preview"], "message number 4");
    assert_eq!(page[0]["status"], "success");
    assert_eq!(page[0]["tokens_used"], 6);
    assert!(page[0]["created_at"].as_str().unwrap().ends_with('Z'));

    let cursor = stderr(&out)
        .lines()
        .find_map(|l| l.strip_prefix("next_cursor: "))
        .unwrap()
        .to_owned();
    let rest = env.run(&["history", "-n", "3", "--json", "--cursor", &cursor]);
    let rest_page: Vec<Value> = serde_json::from_slice(&rest.stdout).unwrap();
    assert_eq!(rest_page.len(), 2);
    assert_eq!(rest_page[1]["preview"], "message number 0");
    assert!(
        !stderr(&rest).contains("next_cursor"),
        "the last page has no cursor"
    );

    let id = page[0]["id"].as_str().unwrap();
    let full = env.json(&["show", id, "--json"]);
    assert_eq!(full["response"], "message number 4");
    assert_eq!(full["prompt_text"], "message number 4");

    let text_view = env.ok(&["show", id]);
    assert!(text_view.contains("status:     success"), "{text_view}");

    env.ok(&["rm", id]);
    assert_eq!(env.run(&["show", id]).status.code(), Some(2));
    let again = env.run(&["rm", id]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("matched no run"));
}

#[test]
fn bad_arguments_say_what_to_do() {
    let env = Env::new();
    let cursor = env.run(&["history", "--cursor", "garbage"]);
    assert_eq!(cursor.status.code(), Some(2));
    assert!(
        stderr(&cursor).contains("next_cursor"),
        "{}",
        stderr(&cursor)
    );
    let status = env.run(&["history", "--status", "done"]);
    assert_eq!(status.status.code(), Some(2));
    assert!(stderr(&status).contains("use one of success, error, timeout, cancelled"));
    let since = env.run(&["history", "--since", "last tuesday"]);
    assert_eq!(since.status.code(), Some(2));
    assert!(stderr(&since).contains("RFC 3339"), "{}", stderr(&since));
    let model = env.run(&["run", "--text", "x", "--model", "nosuchprovider/some-model"]);
    assert_eq!(model.status.code(), Some(2));
    assert!(
        stderr(&model).contains("nosuchprovider"),
        "{}",
        stderr(&model)
    );
}

#[test]
fn filters_narrow_the_history() {
    let env = Env::new();
    env.ok(&["run", "--text", "alpha kubernetes"]);
    env.ok(&["run", "--text", "beta postgres"]);
    // Two echo runs of three hours ago, one of them an error: each filter below leaves some out.
    import_old_runs(&env, 3);
    let all = |args: &[&str]| -> Vec<String> {
        let mut args = args.to_vec();
        args.push("--json");
        env.json(&["history"].iter().chain(&args).copied().collect::<Vec<_>>())
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(all(&[]).len(), 4);
    let hits = env.json(&["history", "-q", "kubernetes", "--json"]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(all(&["--status", "error"]), vec!["old-error".to_owned()]);
    let recent = all(&["--model", "echo", "--since", "1h"]);
    assert_eq!(recent.len(), 2, "{recent:?}");
    assert!(
        recent.iter().all(|id| !id.starts_with("old-")),
        "{recent:?}"
    );
    assert_eq!(all(&["--since", "4h"]).len(), 4);
    assert_eq!(all(&["--until", "2h"]), vec!["old-error", "old-success"]);
    assert_eq!(
        env.json(&["history", "--until", "2000-01-01", "--json"]),
        serde_json::json!([])
    );
}

/// Imports two echo runs `hours_ago` (ids `old-success` and `old-error`) with every field set.
fn import_old_runs(env: &Env, hours_ago: i64) {
    let when = chrono::Utc::now() - chrono::Duration::hours(hours_ago);
    let run = |id: &str, status: &str, error: Value, offset_ms: i64| {
        serde_json::json!({
            "id": id,
            "prompt_text": format!("an old {status} run"),
            "response": if status == "success" { "old answer" } else { "" },
            "model": "echo",
            "provider": "echo",
            "status": status,
            "error_message": error,
            "created_at": (when + chrono::Duration::milliseconds(offset_ms)).to_rfc3339(),
            "tokens_used": 9,
            "input_tokens": 4,
            "output_tokens": 5,
            "execution_time_ms": 321,
            "ttft_ms": 45,
            "stop_reason": "stop",
            "params": {"temperature": 0.7, "system": "Be old."},
            "variables": {"age": "old"},
        })
        .to_string()
    };
    let file = env.dir.path().join("old.jsonl");
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n",
            run("old-success", "success", Value::Null, 0),
            run(
                "old-error",
                "error",
                "boom: the old server fell over".into(),
                1
            )
        ),
    )
    .unwrap();
    let imported = env.ok(&["import", file.to_str().unwrap()]);
    assert!(imported.contains("Imported 2 runs"), "{imported}");
}

#[test]
fn stats_sum_up_the_runs_a_filter_matches() {
    let env = Env::new();
    env.ok(&["run", "--text", "alpha kubernetes"]);
    env.ok(&["run", "--text", "beta postgres", "--repeat", "2"]);
    let stats = env.json(&["stats", "--json"]);
    assert_eq!(stats["runs"]["success"], 3);
    assert_eq!(stats["days"].as_array().unwrap().len(), 1);
    let day = &stats["days"][0];
    assert_eq!(day["runs"]["success"], 3);
    assert_eq!(
        day["day"].as_str().unwrap(),
        chrono::Local::now().format("%Y-%m-%d").to_string()
    );
    let model = &stats["models"][0];
    assert_eq!(
        (model["provider"].as_str(), model["model"].as_str()),
        (Some("echo"), Some("echo"))
    );
    assert!(
        model["p50_ms"].is_i64() && model["p95_ms"].is_i64(),
        "{model}"
    );

    let narrowed = env.json(&["stats", "-q", "kubernetes", "--json"]);
    assert_eq!(narrowed["runs"]["success"], 1);
    let table = env.ok(&["stats"]);
    assert!(table.contains("3 runs: 3 success"), "{table}");
    assert!(table.contains("echo/echo"), "{table}");
}

#[test]
fn export_then_import_round_trips_and_bad_imports_change_nothing() {
    let env = Env::new();
    for i in 0..4 {
        env.ok(&[
            "run",
            "--text",
            &format!("line {i}\nwith \"quotes\", commas {{{{who}}}}"),
            "--var",
            &format!("who=person {i}"),
            "--param",
            &format!("temperature=0.{i}"),
            "--system",
            "Answer as an echo.",
        ]);
    }
    import_old_runs(&env, 30);
    let file = env.dir.path().join("out.jsonl");
    env.ok(&["export", "--format", "jsonl", "-o", file.to_str().unwrap()]);
    let stdout_copy = env.ok(&["export", "--format", "jsonl"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout_copy);

    let other = Env::new();
    let imported = other.ok(&["import", file.to_str().unwrap()]);
    assert!(imported.contains("Imported 6 runs"), "{imported}");
    // Every field of every run, as the source database holds it: an export compared only with a
    // re-export would pass a loss both share (tokens, timings, params, variables).
    let ids = |env: &Env| -> Vec<String> {
        env.json(&["history", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&other), ids(&env));
    for id in ids(&env) {
        let source = env.json(&["show", &id, "--json"]);
        let copy = other.json(&["show", &id, "--json"]);
        let fields = source.as_object().unwrap();
        assert!(fields.len() > 20, "{source}");
        for (field, value) in fields {
            assert_eq!(&copy[field], value, "{id}: {field}");
        }
        assert_eq!(copy.as_object().unwrap().len(), fields.len(), "{id}");
    }
    let old = other.json(&["show", "old-error", "--json"]);
    assert_eq!(
        (
            &old["tokens_used"],
            &old["execution_time_ms"],
            &old["ttft_ms"]
        ),
        (&Value::from(9), &Value::from(321), &Value::from(45))
    );
    assert_eq!(old["params"]["temperature"], 0.7);
    assert_eq!(old["variables"]["age"], "old");
    assert_eq!(other.ok(&["export", "--format", "jsonl"]), stdout_copy);
    assert!(other
        .ok(&["import", file.to_str().unwrap()])
        .contains("Imported 0 runs (6 already there"));

    // The filter leaves the error run out: a header and the five successes.
    let csv = env.ok(&["export", "--format", "csv", "--status", "success"]);
    assert_eq!(csv.matches("\r\n").count(), 6);
    assert!(!csv.contains("old-error"));
    assert!(csv.contains("old-success"));

    let bad = env.dir.path().join("bad.jsonl");
    let mut text = stdout_copy.clone();
    text.push_str("{\"id\": 1}\n");
    std::fs::write(&bad, text).unwrap();
    let third = Env::new();
    let out = third.run(&["import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("line 7"), "{}", stderr(&out));
    assert_eq!(third.json(&["history", "--json"]), serde_json::json!([]));
}

fn read_reported_ids(child: &mut std::process::Child, wanted: usize) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    let mut ids = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(id) = line
            .strip_prefix("── ")
            .and_then(|l| l.rsplit_once("run "))
            .map(|(_, id)| id.to_owned())
        {
            ids.push(id);
            if ids.len() >= wanted {
                break;
            }
        }
    }
    ids
}

fn integrity(db: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_promptline"))
        .arg("--db")
        .arg(db)
        .args(["history", "-n", "1", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the database opens after a kill: {}",
        stderr(&out)
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = promptline_core::Store::open(db).await.unwrap();
        store.integrity_check().await.unwrap()
    })
}

#[test]
fn runs_reported_as_recorded_survive_kill_9() {
    let env = Env::new();
    let mut reported = Vec::new();
    for round in 0..3 {
        let mut child = env
            .cmd()
            .args([
                "run",
                "--text",
                "durability check",
                "--model",
                "echo",
                "--repeat",
                "1000000",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        reported.extend(read_reported_ids(&mut child, 50 + round * 37));
        // SIGKILL on Unix: no destructors, no checkpoint, no chance to flush anything.
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(integrity(&env.db()), "ok");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = promptline_core::Store::open(&env.db()).await.unwrap();
        for id in &reported {
            let run = store.run(&promptline_core::RunId::from(id.as_str())).await;
            assert!(run.is_ok(), "run {id} was reported as recorded but is gone");
        }
    });
}
