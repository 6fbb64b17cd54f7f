//! `promptline diff`, `rate`, `tag`, `untag`, `note`, the rating and tag filters, `rm` by filter,
//! `retention`, `gc` and `compact`, on a real database file.

mod common;

use common::{stderr, Env};

/// Records a run on echo and returns its id (echo answers with the prompt).
fn run(env: &Env, text: &str) -> String {
    let out = env.json(&["run", "--text", text, "--model", "echo", "--json"]);
    out["id"]
        .as_str()
        .or(out[0]["id"].as_str())
        .expect("run id")
        .to_owned()
}

#[test]
fn diff_prints_facts_and_a_plain_unified_diff_when_piped() {
    let env = Env::new();
    let a = run(&env, "the quick brown fox\nline two\n");
    let b = run(&env, "the slow brown fox\nline two\n");
    let out = env.run(&["diff", &a, &b]);
    assert_eq!(out.status.code(), Some(1), "the responses differ");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "no colour when piped: {text:?}");
    assert!(text.contains(&format!("--- a/{a}\n+++ b/{b}\n@@ -1,2 +1,2 @@\n-the quick brown fox\n+the slow brown fox\n line two\n")), "{text}");
    assert!(!text.contains("── prompt ──"));
    let with_prompt = String::from_utf8(env.run(&["diff", &a, &b, "--prompt"]).stdout).unwrap();
    assert!(with_prompt.contains("── prompt ──"));

    let same = env.run(&["diff", &a, &a]);
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8(same.stdout)
        .unwrap()
        .contains("The responses are identical."));

    let json: serde_json::Value =
        serde_json::from_slice(&env.run(&["diff", &a, &b, "--json"]).stdout).unwrap();
    let deleted: Vec<&str> = json["response"]["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == "delete")
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(deleted, ["quick"]);
    assert!(json["prompt"].is_null());

    let missing = env.run(&["diff", &a, "no-such-run"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no-such-run"));
}

#[test]
fn annotations_from_the_command_line_and_their_filters() {
    let env = Env::new();
    let good = run(&env, "a good answer");
    let bad = run(&env, "a bad answer");
    let plain = run(&env, "a plain answer");
    assert!(env.ok(&["rate", &good, "up"]).contains("rated up"));
    env.ok(&["rate", &bad, "down"]);
    env.ok(&["tag", &good, "keep", "shortlist"]);
    env.ok(&["tag", &bad, "shortlist"]);
    env.ok(&["untag", &bad, "shortlist"]);
    env.ok(&["note", &good, "cites", "the", "RFC"]);
    let ids = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["history", "--json"];
        full.extend_from_slice(args);
        let mut ids: Vec<String> = env
            .json(&full)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(ids(&["--rating", "up"]), std::slice::from_ref(&good));
    assert_eq!(ids(&["--rating", "none"]), std::slice::from_ref(&plain));
    assert_eq!(
        ids(&["--rating", "up,down"]),
        sorted(vec![good.clone(), bad.clone()])
    );
    assert_eq!(ids(&["--tag", "shortlist"]), std::slice::from_ref(&good));
    assert_eq!(ids(&["-q", "RFC"]), std::slice::from_ref(&good));
    let stats = env.json(&["stats", "--tag", "keep", "--json"]);
    assert_eq!(stats["runs"]["success"], 1);
    assert_eq!(stats["models"][0]["rated_up"], 1);
    let csv = env.ok(&["export", "--format", "csv", "--rating", "up"]);
    assert!(
        csv.contains(",up,\"keep,shortlist\",cites the RFC"),
        "{csv}"
    );
    let shown = env.json(&["show", &good, "--json"]);
    assert_eq!(shown["tags"], serde_json::json!(["keep", "shortlist"]));
    assert_eq!(shown["note"], "cites the RFC");

    env.ok(&["note", &good, ""]);
    assert!(env.json(&["show", &good, "--json"])["note"].is_null());
    let bad_rating = env.run(&["rate", &good, "great"]);
    assert_eq!(bad_rating.status.code(), Some(2));
    assert!(stderr(&bad_rating).contains("up or down"));
    let bad_filter = env.run(&["history", "--rating", "meh"]);
    assert!(stderr(&bad_filter).contains("up, down or none"));
}

#[test]
fn rm_by_filter_counts_asks_and_lists() {
    let env = Env::new();
    let keep = run(&env, "keep me");
    let first = run(&env, "drop me one");
    let second = run(&env, "drop me two");
    env.ok(&["tag", &first, "old"]);
    env.ok(&["tag", &second, "old"]);

    // No terminal and no --yes: it says how many and what to pass, and deletes nothing.
    let refused = env.run(&["rm", "--tag", "old"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("Delete 2 runs?") && stderr(&refused).contains("--yes"),
        "{}",
        stderr(&refused)
    );
    let listed = env.run(&["rm", "--tag", "old", "--dry-run"]);
    let text = String::from_utf8(listed.stdout.clone()).unwrap();
    assert!(
        text.contains(&first) && text.contains(&second) && !text.contains(&keep),
        "{text}"
    );
    assert!(stderr(&listed).contains("2 runs would be deleted"));
    assert_eq!(
        env.json(&["history", "--json"]).as_array().unwrap().len(),
        3
    );

    assert!(env
        .ok(&["rm", "--tag", "old", "--yes"])
        .contains("Deleted 2 runs."));
    let left = env.json(&["history", "--json"]);
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["id"], keep.as_str());

    let nothing = env.run(&["rm"]);
    assert!(stderr(&nothing).contains("--status error --until 30d"));
    let both = env.run(&["rm", &keep, "--tag", "x"]);
    assert!(stderr(&both).contains("not both"));
}

#[test]
fn retention_rules_gc_and_compact() {
    let env = Env::new();
    let prompt = env.ok(&[
        "prompt",
        "add",
        "--name",
        "p",
        "--text",
        "Say {{x}}",
        "--model",
        "echo",
    ]);
    let prompt = prompt.trim();
    let mut ids = Vec::new();
    for i in 0..6 {
        let out = env.json(&[
            "run",
            prompt,
            "--var",
            &format!("x={i} {}", "words ".repeat(2000)),
            "--json",
        ]);
        ids.push(
            out["id"]
                .as_str()
                .or(out[0]["id"].as_str())
                .unwrap()
                .to_owned(),
        );
    }
    // The oldest run is protected by a rating up.
    env.ok(&["rate", &ids[0], "up"]);

    let dry = env.ok(&[
        "retention",
        "set",
        "--prompt",
        prompt,
        "--keep-runs",
        "2",
        "--dry-run",
    ]);
    assert!(
        dry.contains("would delete 3 runs") && dry.contains("Nothing was saved"),
        "{dry}"
    );
    assert!(env.ok(&["retention", "list"]).is_empty());
    let set = env.ok(&["retention", "set", "--prompt", prompt, "--keep-runs", "2"]);
    assert!(
        set.starts_with("Rule 1: keep the last 2 runs of each prompt for prompt “p”."),
        "{set}"
    );
    let list = env.ok(&["retention", "list"]);
    assert!(
        list.contains("3 runs") && list.contains("1 run rated up"),
        "{list}"
    );
    assert!(env.ok(&["gc", "--dry-run"]).contains("would delete 3 runs"));
    assert_eq!(
        env.json(&["history", "--json"]).as_array().unwrap().len(),
        6
    );

    let gc = env.json(&["gc", "--json"]);
    assert_eq!(gc["deleted"], 3);
    assert!(
        gc["bytes_after"].as_i64() < gc["bytes_before"].as_i64(),
        "{gc}"
    );
    let mut left: Vec<String> = env
        .json(&["history", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    left.sort();
    let mut want = vec![ids[0].clone(), ids[4].clone(), ids[5].clone()];
    want.sort();
    assert_eq!(left, want, "the protected run and the last two stay");

    let compacted = env.json(&["compact", "--json"]);
    assert!(compacted["bytes_after"].as_i64() <= compacted["bytes_before"].as_i64());
    env.ok(&["retention", "rm", "1"]);
    let gone = env.run(&["retention", "rm", "1"]);
    assert_eq!(gone.status.code(), Some(2));
    let two = env.run(&["retention", "set", "--keep-days", "3", "--max-mb", "4"]);
    assert!(!two.status.success());
}
