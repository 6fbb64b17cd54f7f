//! Moving in from the real `llm` CLI (issue 13): llm 0.36 with its offline echo model (installed
//! into the repository's `.venv/llm` by `scripts/setup.sh test`) writes a logs.db, and
//! `promptline import --from llm` brings it over; what Promptline then shows is compared with what
//! llm itself reports.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{stderr, Env};
use serde_json::Value;

fn llm_bin() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/llm");
    let bin = if cfg!(windows) {
        venv.join("Scripts/llm.exe")
    } else {
        venv.join("bin/llm")
    };
    assert!(
        bin.exists(),
        "{} is missing: these tests drive the real llm 0.36; run `scripts/setup.sh test` (or \
         `make test`), which installs it there",
        bin.display()
    );
    bin
}

/// Runs llm with `home` as its user directory; returns standard output.
fn llm(home: &Path, args: &[&str]) -> String {
    let out = Command::new(llm_bin())
        .env("LLM_USER_PATH", home)
        .args(args)
        .output()
        .expect("llm runs");
    assert!(
        out.status.success(),
        "llm {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn llm_json(home: &Path, args: &[&str]) -> Vec<Value> {
    serde_json::from_str::<Value>(&llm(home, args))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn import_from_llm(env: &Env, home: &Path) -> std::process::Output {
    env.cmd()
        .env("LLM_USER_PATH", home)
        .args(["import", "--from", "llm"])
        .output()
        .unwrap()
}

#[test]
fn import_from_llm_brings_over_what_llm_logged_with_its_threads() {
    let env = Env::new();
    let home = env.dir.path().join("llm-home");
    std::fs::create_dir_all(&home).unwrap();

    // Nothing logged yet: the error says where it looked.
    let missing = import_from_llm(&env, &home);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains(&home.join("logs.db").display().to_string()),
        "{}",
        stderr(&missing)
    );

    llm(
        &home,
        &["-m", "echo", "--system", "Be brief.", "Name a pelican"],
    );
    llm(&home, &["-m", "echo", "-c", "And another pelican"]);
    let notes = env.dir.path().join("notes.txt");
    std::fs::write(&notes, "The quick brown fox jumps.\n").unwrap();
    llm(
        &home,
        &[
            "-m",
            "echo",
            "-f",
            notes.to_str().unwrap(),
            "Summarise the notes",
        ],
    );
    llm(&home, &["-m", "echo", "A question on its own"]);

    let out = import_from_llm(&env, &home);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(
        summary.contains("Imported 4 runs (0 already there, skipped) from the llm logs.db"),
        "{summary}"
    );
    assert!(summary.contains("threads:    3 conversations"), "{summary}");
    assert!(summary.contains("time span:"), "{summary}");

    // The newest 50, in llm's order, with llm's texts.
    let mut theirs = llm_json(&home, &["logs", "-n", "50", "--json"]);
    theirs.sort_by(|a, b| b["id"].as_str().cmp(&a["id"].as_str()));
    let ours = env.json(&["history", "-n", "50", "--json", "--source", "llm"]);
    let ours = ours.as_array().unwrap();
    let ids = |rows: &[Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(ours), ids(&theirs));
    for row in &theirs {
        let run = env.json(&["show", row["id"].as_str().unwrap(), "--json"]);
        assert_eq!(run["prompt_text"], row["prompt"], "{}", row["id"]);
        assert_eq!(run["response"], row["response"]);
        assert_eq!(run["model"], "echo");
        assert_eq!(run["source"], "llm");
        assert_eq!(run["thread_id"], row["conversation_id"]);
        assert_eq!(run["input_tokens"], row["input_tokens"]);
        assert_eq!(run["output_tokens"], row["output_tokens"]);
        assert_eq!(
            run["system_prompt"].as_str().unwrap_or(""),
            row["system"].as_str().unwrap_or("")
        );
    }
    // The fragment is back in the prompt, as llm shows it.
    let summarised = theirs
        .iter()
        .find(|r| {
            r["prompt"]
                .as_str()
                .unwrap()
                .ends_with("Summarise the notes")
        })
        .unwrap();
    assert!(summarised["prompt"]
        .as_str()
        .unwrap()
        .starts_with("The quick brown fox jumps."));

    // The follow-up is linked to its thread and carries the exchange before it.
    let first = theirs
        .iter()
        .find(|r| r["prompt"] == "Name a pelican")
        .unwrap();
    let follow = theirs
        .iter()
        .find(|r| r["prompt"] == "And another pelican")
        .unwrap();
    assert_eq!(first["conversation_id"], follow["conversation_id"]);
    let follow_up = env.json(&["show", follow["id"].as_str().unwrap(), "--json"]);
    assert_eq!(follow_up["system_prompt"], "Be brief.");
    assert_eq!(
        follow_up["context"],
        serde_json::json!([
            {"role": "user", "text": "Name a pelican"},
            {"role": "assistant", "text": first["response"]},
        ])
    );
    let shown = env.ok(&["show", follow["id"].as_str().unwrap()]);
    assert!(shown.contains("(run 2 of 2)"), "{shown}");
    assert!(
        shown.contains("── earlier: user ──\nName a pelican"),
        "{shown}"
    );

    // Search finds what llm's search finds.
    let hits = llm_json(&home, &["logs", "-n", "0", "-q", "pelican", "--json"]);
    let found = env.json(&["history", "-q", "pelican", "--json"]);
    assert_eq!(found.as_array().unwrap().len(), hits.len());

    // Once more: nothing new.
    let again = import_from_llm(&env, &home);
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(
        again.contains("Imported 0 runs (4 already there"),
        "{again}"
    );

    // The runs round-trip through a JSONL export with their thread, system prompt and context.
    let export = env.dir.path().join("all.jsonl");
    env.ok(&[
        "export",
        "--format",
        "jsonl",
        "-o",
        export.to_str().unwrap(),
    ]);
    let other = Env::new();
    other.ok(&["import", export.to_str().unwrap()]);
    let copied = other.json(&["show", follow["id"].as_str().unwrap(), "--json"]);
    for key in [
        "thread_id",
        "system_prompt",
        "context",
        "source",
        "resolved_model",
        "prompt_text",
        "response",
        "created_at",
    ] {
        assert_eq!(copied[key], follow_up[key], "{key}");
    }
    assert_eq!(
        other
            .json(&["history", "--source", "llm", "--json"])
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn import_from_llm_refuses_a_file_that_is_not_one() {
    let env = Env::new();
    let home = env.dir.path().join("llm-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("logs.db"), "{\"not\": \"sqlite\"}\n").unwrap();
    let out = import_from_llm(&env, &home);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is not an llm logs.db"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("nothing was imported"),
        "{}",
        stderr(&out)
    );
}
