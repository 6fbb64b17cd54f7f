//! The run panel's controls from the command line, on the real binary and a local server speaking
//! OpenAI's wire format: parameters saved with a prompt (and `--param`/`--system` winning over
//! them), prompt versions and `history --prompt-version`, `prompt duplicate`, and the defaults of
//! `promptline settings` used when no flag is given.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use promptline_core::providers::ProviderKind;
use serde_json::{json, Value};

mod common;
use common::{stderr, Env};

#[path = "../../core/tests/wire/mod.rs"]
mod wire;
use wire::{Reply, TestServer};

const KIND: ProviderKind = ProviderKind::OpenAi;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn add_local(env: &Env, server: &TestServer) -> String {
    env.ok(&[
        "provider",
        "add",
        "local",
        "--kind",
        "openai",
        "--base-url",
        &wire::base_url(KIND, &server.url),
    ]);
    format!("local/{}", wire::model_name(KIND))
}

fn answering() -> Reply {
    Reply::sse(wire::stream_events(KIND, &["ahoy"], Some((3, 1))))
}

#[test]
fn saved_parameters_are_sent_overridden_by_flags_and_versions_filter_the_history() {
    let rt = runtime();
    let server = rt.block_on(TestServer::always(answering()));
    let env = Env::new();
    let model = add_local(&env, &server);
    let id = env
        .ok(&[
            "prompt",
            "add",
            "--name",
            "Pirate",
            "--text",
            "Greet {{who}}",
            "--model",
            &model,
            "--system",
            "Talk like a pirate",
            "--param",
            "temperature=0.2",
            "--param",
            "stop=[\"END\"]",
        ])
        .trim()
        .to_owned();
    let shown = env.json(&["prompt", "show", &id, "--json"]);
    assert_eq!(
        shown["params"],
        json!({"system": "Talk like a pirate", "temperature": 0.2, "stop": ["END"]})
    );
    assert_eq!(shown["version"], 1);

    env.ok(&["run", &id, "--var", "who=Ada"]);
    env.ok(&["run", &id, "--var", "who=Bo", "--param", "temperature=0.9"]);
    let bodies: Vec<Value> = server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(
        bodies[0]["messages"][0],
        json!({"role": "system", "content": "Talk like a pirate"})
    );
    assert_eq!(bodies[0]["temperature"], json!(0.2));
    assert_eq!(bodies[0]["stop"], json!(["END"]));
    assert_eq!(bodies[1]["temperature"], json!(0.9), "--param wins");
    assert_eq!(bodies[1]["messages"][0]["content"], "Talk like a pirate");

    let edited = env.run(&[
        "prompt",
        "edit",
        &id,
        "--text",
        "Hail {{who}}",
        "--param",
        "stop=",
    ]);
    assert!(edited.status.success(), "{}", stderr(&edited));
    assert_eq!(
        env.json(&["prompt", "show", &id, "--json"])["params"],
        json!({"system": "Talk like a pirate", "temperature": 0.2}),
        "an empty value removes a saved parameter"
    );
    env.ok(&["run", &id, "--var", "who=Cy"]);
    assert!(server.requests()[2].json().get("stop").is_none());

    let versions = env.json(&["prompt", "versions", &id, "--json"]);
    let seen: Vec<(i64, String, i64)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["template"].as_str().unwrap().to_owned(),
                v["run_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (2, "Hail {{who}}".into(), 1),
            (1, "Greet {{who}}".into(), 2)
        ]
    );
    let table = env.ok(&["prompt", "versions", &id]);
    assert!(
        table.lines().nth(1).unwrap().contains("Hail {{who}}"),
        "{table}"
    );

    let of = |version: &str| {
        env.json(&[
            "history",
            "--prompt",
            &id,
            "--prompt-version",
            version,
            "--json",
        ])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
    };
    assert_eq!(of("1").len(), 2);
    assert_eq!(of("2").len(), 1);
    let v2_run = env.json(&["show", &of("2")[0], "--json"]);
    assert_eq!(v2_run["prompt_version"], 2);
    assert_eq!(v2_run["prompt_text"], "Hail Cy");
    let needs_prompt = env.run(&["history", "--prompt-version", "1"]);
    assert_eq!(needs_prompt.status.code(), Some(2));

    let copy = env.ok(&["prompt", "duplicate", &id]).trim().to_owned();
    assert_ne!(copy, id);
    let copied = env.json(&["prompt", "show", &copy, "--json"]);
    assert_eq!(copied["name"], "Pirate (copy)");
    assert_eq!(copied["template"], "Hail {{who}}");
    assert_eq!(
        copied["params"],
        env.json(&["prompt", "show", &id, "--json"])["params"]
    );
    assert_eq!(copied["run_count"], 0);
}

#[test]
fn settings_give_the_default_model_and_timeout_when_no_flag_does() {
    let rt = runtime();
    let server = rt.block_on(TestServer::start(|request| {
        if String::from_utf8_lossy(&request.body).contains("wait forever") {
            Reply::silence()
        } else {
            answering()
        }
    }));
    let env = Env::new();
    let model = add_local(&env, &server);
    assert_eq!(
        env.json(&["settings", "--json"]),
        json!({"default_model": null, "default_timeout_secs": null, "theme": "system"})
    );
    env.ok(&[
        "settings",
        "--default-model",
        &model,
        "--default-timeout",
        "1",
        "--theme",
        "dark",
    ]);
    let shown = env.ok(&["settings"]);
    assert!(
        shown.contains(&model) && shown.contains("1 s") && shown.contains("dark"),
        "{shown}"
    );

    // No --model: the settings' model.
    let out = env.run(&["run", "--text", "hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 1, "the default model ran");
    // A prompt's own model wins over the settings; --model wins over both.
    let on_echo = env
        .ok(&[
            "prompt", "add", "--name", "E", "--text", "echo me", "--model", "echo",
        ])
        .trim()
        .to_owned();
    assert_eq!(env.ok(&["run", &on_echo]), "echo me\n");
    assert_eq!(server.requests().len(), 1);
    env.ok(&["run", &on_echo, "-m", &model]);
    assert_eq!(server.requests().len(), 2);

    // No --timeout: the settings' 1 s.
    let started = Instant::now();
    let out = env.run(&["run", "--text", "wait forever"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(8),
        "{took:?}"
    );
    // --timeout wins.
    let started = Instant::now();
    let out = env.run(&["run", "--text", "wait forever", "--timeout", "2.5"]);
    assert_eq!(out.status.code(), Some(124));
    assert!(started.elapsed() >= Duration::from_millis(2500));

    let bad = env.run(&["settings", "--default-model", "gpt-4o"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("PROVIDER/MODEL"), "{}", stderr(&bad));
    env.ok(&[
        "settings",
        "--default-model",
        "none",
        "--default-timeout",
        "none",
    ]);
    assert_eq!(
        env.json(&["settings", "--json"]),
        json!({"default_model": null, "default_timeout_secs": null, "theme": "dark"})
    );
}
