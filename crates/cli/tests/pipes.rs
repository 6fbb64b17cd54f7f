//! Every command that prints, with its standard output closed before it writes (as `| head -1`
//! does once it has its line): it ends quietly, with status 0, and never panics.
#![allow(missing_docs)]

use std::io::Read;
use std::process::Stdio;

mod common;
use common::Env;

#[test]
fn a_closed_pipe_ends_every_printing_command_quietly() {
    let env = Env::new();
    let id = env.ok(&[
        "prompt",
        "add",
        "--name",
        "Piped",
        "--text",
        "Hello {{who}}",
        "--model",
        "echo",
    ]);
    let id = id.trim().to_owned();
    for who in ["a", "b", "c"] {
        env.ok(&["run", &id, "--var", &format!("who={who}")]);
    }
    let run = env.json(&["history", "--json", "-n", "1"]);
    let run_id = run[0]["id"].as_str().unwrap().to_owned();
    let commands: Vec<Vec<&str>> = vec![
        vec!["prompt", "list"],
        vec!["prompt", "list", "--json"],
        vec!["prompt", "show", &id],
        vec!["history"],
        vec!["history", "--json"],
        vec!["show", &run_id],
        vec!["show", &run_id, "--json"],
        vec!["stats"],
        vec!["stats", "--json"],
        vec!["export", "--format", "jsonl"],
        vec!["export", "--format", "json"],
        vec!["export", "--format", "csv"],
        vec!["provider", "list"],
        vec!["provider", "list", "--json"],
        vec!["db-path"],
        vec![
            "run",
            "--text",
            "echo into a closed pipe",
            "--model",
            "echo",
        ],
    ];
    for args in commands {
        let mut child = env
            .cmd()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the command writes anything.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
    }
    // The run made with its output closed is recorded all the same.
    let runs = env.json(&["history", "--json", "-q", "closed pipe"]);
    assert_eq!(runs.as_array().unwrap().len(), 1);
}
