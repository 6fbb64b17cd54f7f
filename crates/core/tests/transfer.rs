//! Import and export against the realistic data of `datagen/`.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Cursor as IoCursor};

use common::{file_store, generate_runs};
use promptline_core::store::transfer::ExportFormat;
use promptline_core::{RunFilter, RunStatus, Store};

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

#[derive(Default)]
struct Expected {
    runs: i64,
    per_model: BTreeMap<String, i64>,
    per_status: BTreeMap<String, i64>,
    marker_hits: BTreeMap<&'static str, i64>,
    prompts: std::collections::HashSet<String>,
}

const MARKERS: [&str; 4] = ["pelican", "kubernetes", "postgres", "typescript"];

fn expected_from(path: &std::path::Path) -> Expected {
    let mut expected = Expected::default();
    for line in BufReader::new(std::fs::File::open(path).unwrap()).lines() {
        let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let text = |k: &str| value[k].as_str().unwrap_or("").to_owned();
        expected.runs += 1;
        *expected.per_model.entry(text("model")).or_default() += 1;
        *expected.per_status.entry(text("status")).or_default() += 1;
        expected.prompts.insert(text("prompt_id"));
        let all = format!("{} {}", text("prompt_text"), text("response"));
        let found: std::collections::HashSet<String> = words(&all).collect();
        for marker in MARKERS {
            if found.contains(marker) {
                *expected.marker_hits.entry(marker).or_default() += 1;
            }
        }
    }
    expected
}

async fn count(store: &Store, filter: RunFilter) -> i64 {
    store.count_runs(&filter).await.unwrap()
}

#[tokio::test]
async fn importing_generated_runs_matches_counts_computed_from_the_file() {
    let (store, dir) = file_store().await;
    let path = generate_runs(2000, dir.path());
    let expected = expected_from(&path);
    assert_eq!(expected.runs, 2000);

    let mut progress_calls = 0;
    let report = store
        .import_jsonl(
            "runs.jsonl",
            BufReader::new(std::fs::File::open(&path).unwrap()),
            &mut |_| progress_calls += 1,
        )
        .await
        .unwrap();
    assert_eq!(report.runs_added, 2000);
    assert_eq!(report.prompts_added as usize, expected.prompts.len());
    assert!(progress_calls >= 1);

    assert_eq!(count(&store, RunFilter::default()).await, expected.runs);
    for (model, n) in &expected.per_model {
        assert_eq!(
            count(
                &store,
                RunFilter {
                    models: vec![model.clone()],
                    ..Default::default()
                }
            )
            .await,
            *n,
            "{model}"
        );
    }
    for (status, n) in &expected.per_status {
        let status: RunStatus = status.parse().unwrap();
        assert_eq!(
            count(
                &store,
                RunFilter {
                    statuses: vec![status],
                    ..Default::default()
                }
            )
            .await,
            *n,
            "{status}"
        );
    }
    for marker in MARKERS {
        let want = expected.marker_hits.get(marker).copied().unwrap_or(0);
        let got = count(
            &store,
            RunFilter {
                query: Some(marker.into()),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(got, want, "hits for {marker}");
    }
    assert!(
        expected.marker_hits["typescript"] > 100,
        "the data has typescript hits to find"
    );

    // Imported history groups by prompt.
    let prompts = store.list_prompts(None, 5000).await.unwrap();
    assert_eq!(prompts.len(), expected.prompts.len());
    assert_eq!(prompts.iter().map(|p| p.run_count).sum::<i64>(), 2000);

    // The same file again adds nothing.
    let again = store
        .import_jsonl(
            "runs.jsonl",
            BufReader::new(std::fs::File::open(&path).unwrap()),
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        (again.runs_added, again.runs_skipped, again.prompts_added),
        (0, 2000, 0)
    );
    assert_eq!(count(&store, RunFilter::default()).await, 2000);
}

#[tokio::test]
async fn jsonl_export_then_import_into_an_empty_store_gives_the_same_runs() {
    let (store, dir) = file_store().await;
    let path = generate_runs(300, dir.path());
    store
        .import_jsonl(
            "in",
            BufReader::new(std::fs::File::open(&path).unwrap()),
            &mut |_| {},
        )
        .await
        .unwrap();

    let mut first = Vec::new();
    assert_eq!(
        store
            .export(&RunFilter::default(), ExportFormat::Jsonl, &mut first)
            .await
            .unwrap(),
        300
    );

    let copy = Store::open(&dir.path().join("copy.db")).await.unwrap();
    let report = copy
        .import_jsonl("export", IoCursor::new(first.clone()), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.runs_added, 300);
    let mut second = Vec::new();
    copy.export(&RunFilter::default(), ExportFormat::Jsonl, &mut second)
        .await
        .unwrap();
    // Both exports against the generator's file itself, field by field: an export compared only
    // with a re-export would pass a loss that both share.
    let source = source_runs(&path);
    assert_matches_source(&first, &source, "the export");
    assert_matches_source(&second, &source, "the export of the re-import");
    assert_eq!(
        String::from_utf8(first).unwrap(),
        String::from_utf8(second).unwrap()
    );
}

/// The generator's runs by id.
fn source_runs(path: &std::path::Path) -> BTreeMap<String, serde_json::Value> {
    BufReader::new(std::fs::File::open(path).unwrap())
        .lines()
        .map(|line| {
            let run: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            (run["id"].as_str().unwrap().to_owned(), run)
        })
        .collect()
}

/// Every run of a JSONL export holds every field of its source line, under Promptline's names
/// (`options` is `params`, `system` is `system_prompt`, `token_details` split into counts).
fn assert_matches_source(export: &[u8], source: &BTreeMap<String, serde_json::Value>, what: &str) {
    use serde_json::Value;
    let exported: Vec<Value> = export
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(exported.len(), source.len(), "{what}: one line per run");
    let mut with_details = 0;
    let mut with_system = 0;
    for run in &exported {
        let id = run["id"].as_str().unwrap();
        let want = &source[id];
        for field in [
            "prompt_id",
            "prompt_text",
            "response",
            "model",
            "status",
            "error_message",
            "tokens_used",
            "input_tokens",
            "output_tokens",
            "execution_time_ms",
            "thread_id",
            "resolved_model",
        ] {
            assert_eq!(run[field], want[field], "{what}: {id}'s {field}");
        }
        let instant = |v: &Value| {
            chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
                .unwrap()
                .timestamp_micros()
        };
        assert_eq!(
            instant(&run["created_at"]),
            instant(&want["created_at"]),
            "{what}: {id}'s created_at"
        );
        assert_eq!(run["params"], want["options"], "{what}: {id}'s params");
        assert_eq!(
            run["system_prompt"], want["system"],
            "{what}: {id}'s system prompt"
        );
        if !want["system"].is_null() {
            with_system += 1;
        }
        assert_eq!(run["variables"], serde_json::json!({}), "{what}: {id}");
        assert_eq!(run["source"], "jsonl", "{what}: {id}'s source");
        let details = &want["token_details"];
        if details.is_object() {
            with_details += 1;
            // The provider's own names for the cached and reasoning counts, wherever they sit.
            let find = |names: &[&str]| -> Value {
                fn walk(v: &Value, names: &[&str]) -> Option<i64> {
                    let map = v.as_object()?;
                    for (k, v) in map {
                        if names.contains(&k.as_str()) {
                            if let Some(n) = v.as_i64() {
                                return Some(n);
                            }
                        }
                        if let Some(n) = walk(v, names) {
                            return Some(n);
                        }
                    }
                    None
                }
                walk(details, names).map_or(Value::Null, Value::from)
            };
            assert_eq!(
                run["cached_tokens"],
                find(&[
                    "cached_tokens",
                    "cache_read_input_tokens",
                    "cachedContentTokenCount"
                ]),
                "{what}: {id}'s cached tokens from {details}"
            );
            assert_eq!(
                run["cache_write_tokens"],
                find(&["cache_creation_input_tokens"]),
                "{what}: {id}'s cache writes from {details}"
            );
            assert_eq!(
                run["reasoning_tokens"],
                find(&["reasoning_tokens", "thoughtsTokenCount"]),
                "{what}: {id}'s reasoning tokens from {details}"
            );
        }
    }
    assert!(
        with_details > 0 && with_system > 0,
        "the sample has token details and system prompts to compare"
    );
}

#[tokio::test]
async fn json_and_csv_exports_hold_every_matching_run() {
    let (store, dir) = file_store().await;
    let path = generate_runs(200, dir.path());
    store
        .import_jsonl(
            "in",
            BufReader::new(std::fs::File::open(&path).unwrap()),
            &mut |_| {},
        )
        .await
        .unwrap();
    let errors = RunFilter {
        statuses: vec![RunStatus::Error],
        ..Default::default()
    };
    let n_errors = store.count_runs(&errors).await.unwrap();

    let mut json = Vec::new();
    store
        .export(&errors, ExportFormat::Json, &mut json)
        .await
        .unwrap();
    let parsed: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed.len() as i64, n_errors);
    assert!(parsed
        .iter()
        .all(|r| r["status"] == "error" && r["error_message"].is_string()));

    let mut csv = Vec::new();
    store
        .export(&RunFilter::default(), ExportFormat::Csv, &mut csv)
        .await
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("id,prompt_id,created_at,model,provider,status,"));
    // Records end in CRLF; responses hold bare newlines inside quotes.
    assert_eq!(csv.matches("\r\n").count(), 201);

    let mut empty = Vec::new();
    let none = RunFilter {
        query: Some("nosuchwordanywhere".into()),
        ..Default::default()
    };
    store
        .export(&none, ExportFormat::Json, &mut empty)
        .await
        .unwrap();
    assert_eq!(String::from_utf8(empty).unwrap(), "[]\n");
}

#[tokio::test]
async fn a_malformed_line_aborts_the_import_with_its_number_and_changes_nothing() {
    let (store, dir) = file_store().await;
    let path = generate_runs(50, dir.path());
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines[36] = lines[36]
        .replace("\"status\": \"success\"", "\"status\": \"finished\"")
        .replace("\"status\": \"error\"", "\"status\": \"finished\"");
    let bad_status = lines.join("\n");
    let err = store
        .import_jsonl("bad.jsonl", IoCursor::new(bad_status), &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_import");
    assert!(
        err.to_string()
            .starts_with("bad.jsonl: line 37: unknown status `finished`"),
        "{err}"
    );

    lines[36] = "{not json".into();
    let err = store
        .import_jsonl("bad.jsonl", IoCursor::new(lines.join("\n")), &mut |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("line 37"), "{err}");
    assert!(err.to_string().ends_with("nothing was imported"), "{err}");

    assert_eq!(store.count_runs(&RunFilter::default()).await.unwrap(), 0);
    assert!(store.list_prompts(None, 10).await.unwrap().is_empty());
    assert_new_runs_are_searchable(&store).await;
}

/// Imports index in bulk with the row trigger set aside; afterwards it must index runs again.
async fn assert_new_runs_are_searchable(store: &Store) {
    let run = common::new_run(None, 0, "echo", RunStatus::Success, "quixotically unique");
    store.insert_run(&run).await.unwrap();
    let filter = RunFilter {
        query: Some("quixotically".into()),
        ..Default::default()
    };
    assert_eq!(store.count_runs(&filter).await.unwrap(), 1);
}

/// Imports are written in batches of many runs a statement; a file that overlaps what is already
/// there, repeats a run inside one batch and spans several batches must still add each run once,
/// with its texts, its prompt and its prompt's run count.
#[tokio::test]
async fn an_overlapping_import_adds_each_new_run_once_across_batches() {
    let (store, dir) = file_store().await;
    let path = generate_runs(350, dir.path());
    let lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let first_part = lines[..120].join("\n");
    let first = store
        .import_jsonl("first.jsonl", IoCursor::new(first_part), &mut |_| {})
        .await
        .unwrap();
    assert_eq!((first.runs_added, first.runs_skipped), (120, 0));

    // Line 150 again right after itself: the copy lands in the same batch as the original.
    let mut again = lines.clone();
    again.insert(150, lines[149].clone());
    let second = store
        .import_jsonl("all.jsonl", IoCursor::new(again.join("\n")), &mut |_| {})
        .await
        .unwrap();
    assert_eq!((second.runs_added, second.runs_skipped), (230, 121));

    let distinct_prompts: std::collections::HashSet<String> = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["prompt_id"].to_string())
        .collect();
    assert_eq!(
        first.prompts_added + second.prompts_added,
        distinct_prompts.len() as u64
    );
    assert_eq!(count(&store, RunFilter::default()).await, 350);

    let prompts = store.list_prompts(None, 1000).await.unwrap();
    assert_eq!(prompts.len(), distinct_prompts.len());
    assert_eq!(prompts.iter().map(|p| p.run_count).sum::<i64>(), 350);

    for line in [&lines[0], &lines[149], &lines[349]] {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let run = store
            .run(&promptline_core::RunId(
                value["id"].as_str().unwrap().into(),
            ))
            .await
            .unwrap();
        assert_eq!(run.prompt_text, value["prompt_text"].as_str().unwrap());
        assert_eq!(run.response, value["response"].as_str().unwrap_or(""));
    }
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    assert_new_runs_are_searchable(&store).await;
}

#[test]
fn the_repository_data_generator_is_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = std::fs::read(generate_runs(300, a.path())).unwrap();
    let second = std::fs::read(generate_runs(300, b.path())).unwrap();
    assert_eq!(first.iter().filter(|&&b| b == b'\n').count(), 300);
    assert!(
        first == second,
        "datagen/gen_runs.py gave two different files for -n 300"
    );
}
