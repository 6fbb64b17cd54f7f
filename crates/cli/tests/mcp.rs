//! `promptline mcp` driven by a real MCP client: the official Python SDK (`mcp` on PyPI, in the
//! venv `scripts/setup.sh test` makes at .venv/mcp), on a store of generated runs
//! (datagen/gen_runs.py) plus a saved prompt with variables. The checks are in mcp_client.py.
#![allow(missing_docs)]

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::Env;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_python_sdk_reads_the_history_and_runs_only_when_allowed() {
    let python = repo().join(".venv/mcp/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `scripts/setup.sh test` (it installs the MCP Python SDK)",
        python.display()
    );
    let env = Env::new();
    let jsonl = env.dir.path().join("runs.jsonl");
    let generated = Command::new("python3")
        .arg(repo().join("datagen/gen_runs.py"))
        .args(["-n", "600", "-o"])
        .arg(&jsonl)
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    env.ok(&["import", jsonl.to_str().unwrap()]);
    let prompt_id = env
        .ok(&[
            "prompt",
            "add",
            "--name",
            "Code review",
            "--text",
            "Review this {{language}} code:\n{{code}}\nBe brief.",
            "--model",
            "echo",
        ])
        .trim()
        .to_owned();

    let out = Command::new(&python)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py"))
        .arg(env!("CARGO_BIN_EXE_promptline"))
        .arg(env.db())
        .arg(&prompt_id)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the MCP client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("MCP CLIENT OK"), "{stdout}\n{stderr}");
    eprintln!("{}", stdout.trim());
}
