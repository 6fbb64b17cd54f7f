//! The history's order lives in its time keys (`seq`): runs recorded out of order, runs of the same
//! microsecond, searches read newest first from the index, and databases from before the keys.

mod common;

use std::io::Cursor as IoCursor;
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{file_store, new_run, saved_prompt};
use promptline_core::{Cursor, RunFilter, RunId, RunStatus, Store};

/// Every page of `filter`, followed by cursor, as (time, id).
async fn all_pages(store: &Store, filter: &RunFilter, page: i64) -> Vec<(DateTime<Utc>, RunId)> {
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let got = store
            .runs_page(filter, cursor.as_ref(), page)
            .await
            .unwrap();
        seen.extend(got.items.iter().map(|r| (r.created_at, r.id.clone())));
        match got.next_cursor {
            Some(next) => cursor = Some(next),
            None => return seen,
        }
    }
}

fn is_newest_first(runs: &[(DateTime<Utc>, RunId)]) -> bool {
    runs.windows(2).all(|w| w[0].0 >= w[1].0)
}

fn search(word: &str) -> RunFilter {
    RunFilter {
        query: Some(word.into()),
        ..Default::default()
    }
}

/// Runs that finish in another order than they started (side-by-side models), and older runs
/// recorded after newer ones, still list and search newest first, page after page.
#[tokio::test]
async fn runs_recorded_out_of_time_order_list_and_search_in_time_order() {
    let (store, _dir) = file_store().await;
    // Minutes in a scrambled order: every run says "pelican", every third also "walrus".
    let minutes: Vec<i64> = (0..90).map(|i| (i * 37) % 90).collect();
    for (i, minute) in minutes.iter().enumerate() {
        let text = if i % 3 == 0 {
            "a pelican and a walrus"
        } else {
            "a pelican"
        };
        let run = new_run(None, *minute, "echo", RunStatus::Success, text);
        store.insert_run(&run).await.unwrap();
    }

    let listed = all_pages(&store, &RunFilter::default(), 7).await;
    assert_eq!(listed.len(), 90);
    assert!(is_newest_first(&listed), "{listed:?}");

    let found = all_pages(&store, &search("pelican"), 7).await;
    assert_eq!(
        found, listed,
        "a word in every run finds every run, in the same order"
    );

    let walrus = all_pages(&store, &search("walrus"), 4).await;
    assert_eq!(walrus.len(), 30);
    assert!(is_newest_first(&walrus));
    assert_eq!(store.count_runs(&search("walrus")).await.unwrap(), 30);

    // Date bounds are half-open and combine with search and the cursor.
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let window = RunFilter {
        query: Some("walrus".into()),
        since: Some(base + Duration::minutes(30)),
        until: Some(base + Duration::minutes(60)),
        ..Default::default()
    };
    let in_window = all_pages(&store, &window, 3).await;
    let expected: Vec<_> = walrus
        .iter()
        .filter(|(at, _)| *at >= base + Duration::minutes(30) && *at < base + Duration::minutes(60))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(in_window, expected);
}

/// Runs of the same microsecond each get a slot; the one recorded later lists first. Past the
/// 1,024 slots of a microsecond, a run moves to the next microsecond instead of being refused.
#[tokio::test]
async fn runs_of_one_microsecond_get_slots_and_overflow_into_the_next() {
    let store = Store::open_in_memory().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..1030 {
        let run = new_run(None, 5, "echo", RunStatus::Success, "same time");
        ids.push(run.id.clone());
        store.insert_run(&run).await.unwrap();
    }
    let listed = all_pages(&store, &RunFilter::default(), 1000).await;
    assert_eq!(listed.len(), 1030);
    let newest_first: Vec<_> = ids.iter().rev().cloned().collect();
    assert_eq!(
        listed.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        newest_first
    );
    let at = new_run(None, 5, "echo", RunStatus::Success, "").created_at;
    let moved: Vec<_> = listed.iter().filter(|(t, _)| *t != at).collect();
    assert_eq!(moved.len(), 6, "the 6 runs past 1,024 move on");
    assert!(moved
        .iter()
        .all(|(t, _)| *t == at + Duration::microseconds(1)));
    let stored = store.run(&ids[1029]).await.unwrap();
    assert_eq!(stored.summary.created_at, at + Duration::microseconds(1));
}

/// An import puts runs of the same microsecond in the slots left by what is already there, across
/// its batches, and older runs among newer ones.
#[tokio::test]
async fn imports_fill_slots_around_runs_already_there() {
    let (store, _dir) = file_store().await;
    let newer = new_run(None, 60, "echo", RunStatus::Success, "recorded live");
    store.insert_run(&newer).await.unwrap();
    let same_time = new_run(None, 0, "echo", RunStatus::Success, "recorded live");
    store.insert_run(&same_time).await.unwrap();

    let at = same_time.created_at.to_rfc3339();
    let lines: Vec<String> = (0..250)
        .map(|i| {
            serde_json::json!({
                "id": format!("imported-{i:03}"),
                "prompt_text": format!("imported prompt {i}"),
                "response": "an imported answer about otters",
                "model": "gpt-4o-mini",
                "status": "success",
                "created_at": at,
            })
            .to_string()
        })
        .collect();
    let report = store
        .import_jsonl("old.jsonl", IoCursor::new(lines.join("\n")), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.runs_added, 250);

    let listed = all_pages(&store, &RunFilter::default(), 64).await;
    assert_eq!(listed.len(), 252);
    assert_eq!(listed[0].1, newer.id);
    // The same microsecond: the live run was first, the imported ones follow in file order.
    assert_eq!(listed[251].1, same_time.id);
    assert_eq!(listed[250].1, RunId::from("imported-000".to_owned()));
    assert_eq!(listed[1].1, RunId::from("imported-249".to_owned()));
    let otters = all_pages(&store, &search("otters"), 64).await;
    assert_eq!(otters.len(), 250);
    assert_eq!(otters, listed[1..251].to_vec());
}

/// A database written before the time keys (migrations 1 to 3) is renumbered on open: the same
/// runs, in the order it showed them, searchable, with the prompts' counts and last runs intact.
#[tokio::test]
async fn a_database_from_before_the_time_keys_is_renumbered_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    write_version_3_database(&path, dir.path()).await;

    let store = Store::open(&path).await.unwrap();
    let listed = all_pages(&store, &RunFilter::default(), 4).await;
    let ids: Vec<String> = listed.iter().map(|(_, id)| id.to_string()).collect();
    // Inserted as c, a, d, b; times: a 10 s, b 30 s, c 20 s, d 20 s (ties by id: d before c).
    assert_eq!(ids, ["run-b", "run-d", "run-c", "run-a"]);
    assert!(is_newest_first(&listed));
    let found = all_pages(&store, &search("heron"), 1).await;
    let found: Vec<String> = found.iter().map(|(_, id)| id.to_string()).collect();
    assert_eq!(found, ["run-d", "run-a"]);

    let run = store.run(&RunId::from("run-c".to_owned())).await.unwrap();
    assert_eq!(run.response, "twenty seconds");
    let prompts = store.list_prompts(None, 10).await.unwrap();
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].run_count, 4);
    assert_eq!(prompts[0].last_status, Some(RunStatus::Error));
    assert_eq!(
        store.provider_models_in_history().await.unwrap(),
        [("echo".to_owned(), "echo".to_owned(), 4)]
    );
    assert_eq!(store.integrity_check().await.unwrap(), "ok");

    // New runs land in order too, and deleting the newest moves the prompt's last run back.
    let prompt = saved_prompt(&store, "later", "t").await;
    let mut run = new_run(
        Some(&prompt.id),
        0,
        "echo",
        RunStatus::Success,
        "heron again",
    );
    run.created_at = Utc.timestamp_opt(1_700_000_015, 0).unwrap();
    store.insert_run(&run).await.unwrap();
    let found = all_pages(&store, &search("heron"), 10).await;
    let found: Vec<String> = found.iter().map(|(_, id)| id.to_string()).collect();
    assert_eq!(found, ["run-d", run.id.to_string().as_str(), "run-a"]);
    store
        .delete_runs(&[RunId::from("run-b".to_owned())])
        .await
        .unwrap();
    let old_prompt = store
        .list_prompts(None, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.prompt.name == "old")
        .unwrap();
    assert_eq!(old_prompt.run_count, 3);
    assert_eq!(old_prompt.last_status, Some(RunStatus::Success));
    assert_eq!(
        old_prompt.last_run_at,
        Some(Utc.timestamp_opt(1_700_000_020, 0).unwrap())
    );
}

/// Applies migrations 1 to 3 (copied from `migrations/`) and records four runs the way that
/// version did: `seq` in insertion order, which is not time order.
async fn write_version_3_database(path: &Path, scratch: &Path) {
    let old = scratch.join("migrations-v3");
    std::fs::create_dir_all(&old).unwrap();
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files: Vec<_> = std::fs::read_dir(&all)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files.iter().take(3) {
        std::fs::copy(file, old.join(file.file_name().unwrap())).unwrap();
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let at = |s: i64| (s + 1_700_000_000) * 1_000_000;
    sqlx::query(
        "INSERT INTO prompts (id, name, template, created_at, updated_at, active_at) \
         VALUES ('p1', 'old', 'a template', ?, ?, ?)",
    )
    .bind(at(0))
    .bind(at(0))
    .bind(at(0))
    .execute(&pool)
    .await
    .unwrap();
    for (id, secs, status, response) in [
        ("run-c", 20, "success", "twenty seconds"),
        ("run-a", 10, "success", "ten seconds and a heron"),
        ("run-d", 20, "success", "twenty seconds and a heron"),
        ("run-b", 30, "error", ""),
    ] {
        let (seq,): (i64,) = sqlx::query_as(
            "INSERT INTO runs (id, prompt_id, created_at, model, provider, status) \
             VALUES (?, 'p1', ?, 'echo', 'echo', ?) RETURNING seq",
        )
        .bind(id)
        .bind(at(secs))
        .bind(status)
        .fetch_one(&pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO run_texts (seq, prompt_text, response) VALUES (?, 'p', ?)")
            .bind(seq)
            .bind(response)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}
