//! The run panel's controls, on a real SQLite file and real HTTP: run parameters saved with a
//! prompt reach every API in its own wire format and are recorded with the run; every edit keeps
//! the old version and each run records the version it ran; duplicates, per-prompt memory and the
//! settings beyond providers survive a reopen; exports carry the version and older exports still
//! import.

mod wire;

use std::path::Path;
use std::time::Duration;

use promptline_core::providers::{self, ModelRef, ProviderKind};
use promptline_core::runner::{self, RunSpec};
use promptline_core::{
    NewPrompt, PromptEdit, PromptId, PromptMemory, Run, RunFilter, Store, Theme, UserSettings,
};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use wire::{FixedKey, Reply, TestServer, TEST_KEY};

fn saved_params() -> Value {
    json!({
        "system": "Answer like a pirate.",
        "temperature": 0.3,
        "max_tokens": 50,
        "top_p": 0.9,
        "stop": ["END"],
    })
}

async fn prompt_with(store: &Store, template: &str, params: Value) -> promptline_core::Prompt {
    store
        .create_prompt(&NewPrompt {
            name: "Pirate".into(),
            template: template.into(),
            default_model: None,
            params,
        })
        .await
        .unwrap()
}

/// Runs a saved prompt as the CLI and the app do: its own parameters and current version.
async fn run_saved(store: &Store, id: &PromptId, model: &ModelRef, stream: bool) -> Run {
    let prompt = store.prompt(id).await.unwrap();
    let provider = providers::for_model(store, &FixedKey(Some(TEST_KEY.into())), model)
        .await
        .unwrap();
    let mut spec = RunSpec::new(prompt.template.clone(), model.clone());
    spec.prompt_id = Some(prompt.id.clone());
    spec.prompt_version = Some(prompt.version);
    spec.params = prompt.params.clone();
    spec.stream = stream;
    spec.timeout = Duration::from_secs(20);
    runner::execute(store, provider, spec, CancellationToken::new(), |_| {})
        .await
        .unwrap()
}

async fn answering(kind: ProviderKind, stream: bool) -> TestServer {
    let reply = if stream {
        Reply::sse(wire::stream_events(kind, &["Arr"], Some((3, 1))))
    } else {
        Reply::json(200, wire::full_body(kind, "Arr", Some((3, 1))))
    };
    TestServer::always(reply).await
}

#[tokio::test]
async fn saved_parameters_reach_every_api_in_its_own_wire_format() {
    let (_dir, store, _path) = wire::file_store().await;
    let prompt = prompt_with(&store, "Say hello.", saved_params()).await;
    assert_eq!(prompt.params, saved_params());

    for (name, kind) in [
        ("openai", ProviderKind::OpenAi),
        ("ollama", ProviderKind::OpenAi),
        ("anthropic", ProviderKind::Anthropic),
        ("gemini", ProviderKind::Gemini),
    ] {
        for stream in [true, false] {
            let server = answering(kind, stream).await;
            let model = wire::configure(&store, &format!("{name}-{stream}"), kind, &server).await;
            let run = run_saved(&store, &prompt.id, &model, stream).await;
            assert_eq!(run.summary.status.as_str(), "success", "{name}: {run:?}");
            assert_eq!(
                run.params,
                saved_params(),
                "{name}: the run records what was sent"
            );
            assert_eq!(run.prompt_version, Some(1));
            let body = server.requests()[0].json();
            match kind {
                ProviderKind::OpenAi => {
                    assert_eq!(
                        body["messages"][0],
                        json!({"role": "system", "content": "Answer like a pirate."}),
                        "{body}"
                    );
                    assert_eq!(body["messages"][1]["role"], "user");
                    assert_eq!(body["temperature"], json!(0.3));
                    assert_eq!(body["max_tokens"], json!(50));
                    assert_eq!(body["top_p"], json!(0.9));
                    assert_eq!(body["stop"], json!(["END"]));
                    assert!(body.get("system").is_none(), "{body}");
                }
                ProviderKind::Anthropic => {
                    assert_eq!(body["system"], json!("Answer like a pirate."), "{body}");
                    assert_eq!(body["temperature"], json!(0.3));
                    assert_eq!(body["max_tokens"], json!(50));
                    assert_eq!(body["top_p"], json!(0.9));
                    assert_eq!(body["stop_sequences"], json!(["END"]));
                    assert!(body.get("stop").is_none(), "{body}");
                }
                ProviderKind::Gemini => {
                    assert_eq!(
                        body["systemInstruction"],
                        json!({"parts": [{"text": "Answer like a pirate."}]}),
                        "{body}"
                    );
                    let config = &body["generationConfig"];
                    assert_eq!(config["temperature"], json!(0.3), "{body}");
                    assert_eq!(config["maxOutputTokens"], json!(50));
                    assert_eq!(config["topP"], json!(0.9));
                    assert_eq!(config["stopSequences"], json!(["END"]));
                    assert!(config.get("max_tokens").is_none(), "{body}");
                }
                ProviderKind::Echo => unreachable!(),
            }
        }
    }

    // Echo has no wire; it honours max_tokens as the others do, and records the parameters.
    let short = prompt_with(&store, "one two three four five", json!({"max_tokens": 2})).await;
    let run = run_saved(&store, &short.id, &ModelRef::parse("echo").unwrap(), true).await;
    assert_eq!(run.response, "one two");
    assert_eq!(run.stop_reason.as_deref(), Some("length"));
    assert_eq!(run.params, json!({"max_tokens": 2}));
    // Read back from the file, not from what the runner returned.
    let stored = store.run(&run.summary.id).await.unwrap();
    assert_eq!(stored.params, json!({"max_tokens": 2}));
    assert_eq!(stored.prompt_version, Some(1));
}

#[tokio::test]
async fn every_edit_keeps_the_old_version_and_each_run_records_its_own() {
    let (_dir, store, _path) = wire::file_store().await;
    let echo = ModelRef::parse("echo").unwrap();
    let prompt = prompt_with(&store, "First {{x}}", json!({})).await;
    assert_eq!(prompt.version, 1);
    // A template with a variable is run with a value for it.
    let run_version = |template: &str, version: i64| {
        let mut spec = RunSpec::new(template.to_owned(), echo.clone());
        spec.prompt_id = Some(prompt.id.clone());
        spec.prompt_version = Some(version);
        spec.variables = [("x".to_owned(), "it".to_owned())].into();
        spec
    };
    let go = |spec: RunSpec| {
        let store = store.clone();
        async move {
            runner::execute(
                &store,
                std::sync::Arc::new(providers::echo::EchoProvider),
                spec,
                CancellationToken::new(),
                |_| {},
            )
            .await
            .unwrap()
        }
    };
    let first = go(run_version("First {{x}}", 1)).await;

    let edit = |template: Option<&str>, params: Option<Value>| PromptEdit {
        template: template.map(str::to_owned),
        params,
        ..PromptEdit::default()
    };
    let v2 = store
        .edit_prompt(&prompt.id, &edit(Some("Second {{x}}"), None))
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    let second = go(run_version("Second {{x}}", 2)).await;
    let v3 = store
        .edit_prompt(
            &prompt.id,
            &edit(None, Some(json!({"temperature": 1.5, "top_p": ""}))),
        )
        .await
        .unwrap();
    assert_eq!(v3.version, 3, "a change of parameters is a version too");
    assert_eq!(
        v3.params,
        json!({"temperature": 1.5}),
        "empty values are no parameter"
    );
    let renamed = store
        .edit_prompt(
            &prompt.id,
            &PromptEdit {
                name: Some("Renamed".into()),
                ..PromptEdit::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.version, 3, "a new name is not a new version");

    let versions = store.prompt_versions(&prompt.id).await.unwrap();
    let seen: Vec<(i64, &str, i64)> = versions
        .iter()
        .map(|v| (v.version, v.template.as_str(), v.run_count))
        .collect();
    assert_eq!(
        seen,
        [
            (3, "Second {{x}}", 0),
            (2, "Second {{x}}", 1),
            (1, "First {{x}}", 1)
        ]
    );
    assert_eq!(versions[0].params, json!({"temperature": 1.5}));
    assert_eq!(versions[2].params, json!({}));

    // The history filtered by version.
    let of = |version: Option<i64>| RunFilter {
        prompt_id: Some(prompt.id.clone()),
        prompt_version: version,
        ..RunFilter::default()
    };
    let ids = |page: Vec<promptline_core::RunSummary>| -> Vec<String> {
        page.into_iter().map(|r| r.id.0).collect()
    };
    let page = store.runs_page(&of(Some(1)), None, 50).await.unwrap();
    assert_eq!(ids(page.items), vec![first.summary.id.0.clone()]);
    let page = store.runs_page(&of(Some(2)), None, 50).await.unwrap();
    assert_eq!(ids(page.items), vec![second.summary.id.0.clone()]);
    assert_eq!(store.count_runs(&of(Some(3))).await.unwrap(), 0);
    assert_eq!(store.count_runs(&of(None)).await.unwrap(), 2);
    let stats = store.run_stats(&of(Some(2)), 0).await.unwrap();
    assert_eq!(stats.runs.success, 1);

    // Which version a text is: the newest with that template (and those parameters).
    assert_eq!(
        store
            .version_for_template(&prompt.id, "First {{x}}", &json!({}))
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        store
            .version_for_template(&prompt.id, "Second {{x}}", &json!({}))
            .await
            .unwrap(),
        Some(2)
    );
    assert_eq!(
        store
            .version_for_template(&prompt.id, "Second {{x}}", &json!({"temperature": 1.5}))
            .await
            .unwrap(),
        Some(3)
    );
    assert_eq!(
        store
            .version_for_template(&prompt.id, "never saved", &json!({}))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn the_apps_autosave_amends_a_version_that_never_ran() {
    let (_dir, store, _path) = wire::file_store().await;
    let prompt = prompt_with(&store, "", json!({})).await;
    let autosave = |template: &str| PromptEdit {
        template: Some(template.to_owned()),
        amend_draft: true,
        ..PromptEdit::default()
    };
    for typed in ["H", "Hel", "Hello"] {
        let saved = store
            .edit_prompt(&prompt.id, &autosave(typed))
            .await
            .unwrap();
        assert_eq!(saved.version, 1, "typing into a version that never ran");
    }
    let versions = store.prompt_versions(&prompt.id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].template, "Hello");

    // Once it ran, the next edit keeps it and starts version 2.
    let mut spec = RunSpec::new("Hello", ModelRef::parse("echo").unwrap());
    spec.prompt_id = Some(prompt.id.clone());
    spec.prompt_version = Some(1);
    runner::execute(
        &store,
        std::sync::Arc::new(providers::echo::EchoProvider),
        spec,
        CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap();
    let saved = store
        .edit_prompt(&prompt.id, &autosave("Hello there"))
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    let saved = store
        .edit_prompt(&prompt.id, &autosave("Hello there, you"))
        .await
        .unwrap();
    assert_eq!(saved.version, 2, "v2 has not run yet");
    // An edit that is not an autosave (the CLI's) always keeps the old version.
    let saved = store
        .edit_prompt(
            &prompt.id,
            &PromptEdit {
                template: Some("Bye".into()),
                ..PromptEdit::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(saved.version, 3);
    let templates: Vec<String> = store
        .prompt_versions(&prompt.id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.template)
        .collect();
    assert_eq!(templates, ["Bye", "Hello there, you", "Hello"]);
}

#[tokio::test]
async fn duplicates_memory_and_settings_survive_a_reopen_and_an_undone_delete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("promptline.db");
    let store = Store::open(&path).await.unwrap();
    let prompt = prompt_with(&store, "Tell me about {{topic}}", saved_params()).await;
    let memory = PromptMemory {
        variables: [("topic".to_owned(), "tides".to_owned())].into(),
        models: vec!["echo".into(), "openai/gpt-4o-mini".into()],
        extra_models: vec!["openai/gpt-4o-mini".into()],
        timeout_secs: Some(42),
    };
    store.save_prompt_memory(&prompt.id, &memory).await.unwrap();
    let copy = store.duplicate_prompt(&prompt.id).await.unwrap();
    assert_ne!(copy.id, prompt.id);
    assert_eq!(copy.name, "Pirate (copy)");
    assert_eq!(copy.template, prompt.template);
    assert_eq!(copy.params, saved_params());
    assert_eq!(copy.version, 1);
    assert_eq!(store.prompt_run_count(&copy.id).await.unwrap(), 0);
    let settings = store
        .save_user_settings(&UserSettings {
            default_model: Some(" openai/gpt-4o-mini ".into()),
            default_timeout_secs: Some(45),
            theme: Theme::Dark,
        })
        .await
        .unwrap();
    assert_eq!(
        settings.default_model.as_deref(),
        Some("openai/gpt-4o-mini")
    );
    drop(store);

    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.prompt_memory(&prompt.id).await.unwrap(), memory);
    assert_eq!(store.prompt_memory(&copy.id).await.unwrap(), memory);
    assert_eq!(
        store.user_settings().await.unwrap(),
        UserSettings {
            default_model: Some("openai/gpt-4o-mini".into()),
            default_timeout_secs: Some(45),
            theme: Theme::Dark,
        }
    );
    // What the settings refuse.
    for bad in [
        UserSettings {
            default_model: Some("gpt-4o".into()),
            ..UserSettings::default()
        },
        UserSettings {
            default_timeout_secs: Some(0),
            ..UserSettings::default()
        },
    ] {
        let err = store.save_user_settings(&bad).await.unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{err}");
    }
    assert_eq!("Light".parse::<Theme>().unwrap(), Theme::Light);
    assert!("blue".parse::<Theme>().is_err());
    // No prompt, nothing kept.
    assert!(store
        .save_prompt_memory(&PromptId::from("nope"), &memory)
        .await
        .is_err());

    // A deleted prompt takes its versions and memory along; undo brings them back.
    store
        .edit_prompt(
            &prompt.id,
            &PromptEdit {
                template: Some("v2".into()),
                ..PromptEdit::default()
            },
        )
        .await
        .unwrap();
    let deletion = store.delete_prompt_undoably(&prompt.id).await.unwrap();
    assert!(store.prompt(&prompt.id).await.is_err());
    assert_eq!(
        store.prompt_memory(&prompt.id).await.unwrap(),
        PromptMemory::default()
    );
    store.undo_deletion(&deletion.id).await.unwrap();
    assert_eq!(store.prompt(&prompt.id).await.unwrap().version, 2);
    assert_eq!(store.prompt_versions(&prompt.id).await.unwrap().len(), 2);
    assert_eq!(store.prompt_memory(&prompt.id).await.unwrap(), memory);
}

#[tokio::test]
async fn exports_carry_the_version_and_params_and_older_exports_still_import() {
    let (_dir, store, _path) = wire::file_store().await;
    let prompt = prompt_with(&store, "Say hi", json!({"temperature": 0.7})).await;
    store
        .edit_prompt(
            &prompt.id,
            &PromptEdit {
                template: Some("Say hello".into()),
                ..PromptEdit::default()
            },
        )
        .await
        .unwrap();
    let run = run_saved(&store, &prompt.id, &ModelRef::parse("echo").unwrap(), false).await;
    assert_eq!(run.prompt_version, Some(2));

    let mut jsonl = Vec::new();
    store
        .export(
            &RunFilter::default(),
            promptline_core::store::transfer::ExportFormat::Jsonl,
            &mut jsonl,
        )
        .await
        .unwrap();
    let line: Value = serde_json::from_slice(jsonl.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["prompt_version"], json!(2));
    assert_eq!(line["params"], json!({"temperature": 0.7}));
    let mut csv = Vec::new();
    store
        .export(
            &RunFilter::default(),
            promptline_core::store::transfer::ExportFormat::Csv,
            &mut csv,
        )
        .await
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",owner,prompt_version"));
    assert!(lines.next().unwrap().ends_with(",2"), "{csv}");

    // Into another database: the version comes along; a line from before versions has none.
    let (_other_dir, other, _) = wire::file_store().await;
    let mut old: Value = line.clone();
    old.as_object_mut().unwrap().remove("prompt_version");
    old["id"] = json!("old-export-run");
    let file = format!("{}\n{}\n", line, old);
    other
        .import_jsonl(
            "old.jsonl",
            std::io::Cursor::new(file.into_bytes()),
            &mut |_| {},
        )
        .await
        .unwrap();
    let back = other.run(&run.summary.id).await.unwrap();
    assert_eq!(back.prompt_version, Some(2));
    assert_eq!(back.params, json!({"temperature": 0.7}));
    let older = other.run(&"old-export-run".into()).await.unwrap();
    assert_eq!(older.prompt_version, None);
    // The imported prompt has its version; editing it keeps that one.
    let imported = PromptId::from(prompt.id.as_str());
    assert_eq!(other.prompt_versions(&imported).await.unwrap().len(), 1);
    other
        .edit_prompt(
            &imported,
            &PromptEdit {
                template: Some("Changed".into()),
                ..PromptEdit::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(other.prompt_versions(&imported).await.unwrap().len(), 2);
}

#[tokio::test]
async fn prompts_from_before_versions_have_their_template_as_version_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let steps = dir.path().join("steps");
    std::fs::create_dir_all(&steps).unwrap();
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    for entry in std::fs::read_dir(&migrations).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".sql") && name.as_str() < "20261202000016" {
            std::fs::copy(&path, steps.join(&name)).unwrap();
        }
    }
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&db)
                .create_if_missing(true)
                .foreign_keys(true),
        )
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(steps.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO prompts (id, name, template, default_model, created_at, updated_at) \
         VALUES ('p-old', 'Old', 'Old {{x}}', 'echo', 1780000000000000, 1780000000000000)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = Store::open(&db).await.unwrap();
    let prompt = store.prompt(&"p-old".into()).await.unwrap();
    assert_eq!((prompt.version, prompt.params.clone()), (1, json!({})));
    let versions = store.prompt_versions(&prompt.id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].template, "Old {{x}}");
    assert_eq!(
        store.user_settings().await.unwrap(),
        UserSettings::default()
    );
}
