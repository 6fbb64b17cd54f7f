//! Fixtures shared by the store tests.
#![allow(dead_code, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, TimeZone, Utc};
use promptline_core::{NewPrompt, NewRun, Prompt, PromptId, RunId, RunStatus, Store};
use tempfile::TempDir;

/// A store in a real SQLite file inside a temporary directory (kept alive by the returned guard).
pub async fn file_store() -> (Store, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("history.db"))
        .await
        .expect("open store");
    (store, dir)
}

/// Saves a prompt with no default model.
pub async fn saved_prompt(store: &Store, name: &str, template: &str) -> Prompt {
    store
        .create_prompt(&NewPrompt {
            name: name.into(),
            template: template.into(),
            default_model: None,
            ..Default::default()
        })
        .await
        .expect("create prompt")
}

/// A run with sensible fields; `minutes` after a fixed epoch.
pub fn new_run(
    prompt_id: Option<&PromptId>,
    minutes: i64,
    model: &str,
    status: RunStatus,
    response: &str,
) -> NewRun {
    NewRun {
        id: RunId::new(),
        prompt_id: prompt_id.cloned(),
        created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes),
        model: model.into(),
        provider: "echo".into(),
        status,
        tokens_used: Some(10),
        input_tokens: Some(4),
        output_tokens: Some(6),
        execution_time_ms: Some(120),
        ttft_ms: Some(30),
        stop_reason: Some("stop".into()),
        error_message: (status == RunStatus::Error).then(|| "boom".to_owned()),
        params: serde_json::json!({"temperature": 0.2}),
        variables: serde_json::json!({}),
        prompt_text: format!("prompt {minutes}"),
        response: response.into(),
        origin: Default::default(),
        token_details: Default::default(),
        cost: None,
    }
}

/// The data generator kept in the repository (`datagen/`).
pub fn datagen_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datagen");
    assert!(
        dir.join("gen_runs.py").exists(),
        "{} is missing: the data generator is part of the repository; is the clone complete?",
        dir.display()
    );
    dir
}

/// Writes `gen_runs.py -n N` into `dir` and returns the file's path.
pub fn generate_runs(n: usize, dir: &Path) -> PathBuf {
    let out = dir.join(format!("runs{n}.jsonl"));
    let status = Command::new("python3")
        .arg(datagen_dir().join("gen_runs.py"))
        .args(["-n", &n.to_string(), "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs");
    assert!(status.success(), "gen_runs.py failed");
    out
}
