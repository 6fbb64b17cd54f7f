//! Undoable deletes on a real database file: what goes comes back exactly.

mod common;

use std::time::Duration;

use common::{file_store, new_run, saved_prompt};
use promptline_core::{Run, RunFilter, RunId, RunStatus, Store};

/// Every run in full, newest first, read back from the database.
async fn all_runs(store: &Store) -> Vec<Run> {
    use futures_util::StreamExt;
    store
        .stream_runs(&RunFilter::default())
        .map(|r| r.unwrap())
        .collect()
        .await
}

async fn hits(store: &Store, word: &str) -> Vec<RunId> {
    let filter = RunFilter {
        query: Some(word.into()),
        ..RunFilter::default()
    };
    let page = store.runs_page(&filter, None, 100).await.unwrap();
    page.items.into_iter().map(|r| r.id).collect()
}

/// The database's own view of each run, as raw rows (the time key included).
async fn raw_rows(store: &Store, path: &std::path::Path) -> Vec<String> {
    let _ = store;
    let out = std::process::Command::new("sqlite3")
        .arg(path)
        .arg("SELECT r.seq, r.id, r.created_at, r.status, r.preview, length(t.response), t.prompt_text \
              FROM runs r JOIN run_texts t USING (seq) ORDER BY r.seq")
        .output()
        .expect("the sqlite3 CLI (Debian's sqlite3, installed by scripts/setup.sh test)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(!rows.is_empty());
    rows
}

#[tokio::test]
async fn deleted_runs_come_back_with_their_ids_keys_texts_and_search_entries() {
    let (store, dir) = file_store().await;
    let db = dir.path().join("history.db");
    let prompt = saved_prompt(&store, "Undo", "Tell me about {{x}}").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let status = if i % 3 == 0 {
            RunStatus::Error
        } else {
            RunStatus::Success
        };
        let text = format!("answer {i} about pelicans and {}", "long ".repeat(i * 50));
        ids.push(
            store
                .insert_run(&new_run(
                    Some(&prompt.id),
                    i as i64,
                    "gpt-4o-mini",
                    status,
                    &text,
                ))
                .await
                .unwrap()
                .summary
                .id,
        );
    }
    let before = all_runs(&store).await;
    let rows_before = raw_rows(&store, &db).await;
    let prompt_before = store.list_prompts(None, 10).await.unwrap();

    let deletion = store
        .delete_runs_undoably(&[ids[1].clone(), ids[4].clone(), RunId::from("no-such-run")])
        .await
        .unwrap();
    assert_eq!((deletion.runs, deletion.prompts), (2, 0));
    assert_eq!(all_runs(&store).await.len(), 4);
    assert_eq!(hits(&store, "pelicans").await.len(), 4);
    assert_eq!(store.list_prompts(None, 10).await.unwrap()[0].run_count, 4);

    let undone = store.undo_deletion(&deletion.id).await.unwrap();
    assert_eq!(undone.runs, 2);
    assert_eq!(all_runs(&store).await, before);
    assert_eq!(raw_rows(&store, &db).await, rows_before);
    assert_eq!(hits(&store, "pelicans").await.len(), 6);
    assert_eq!(store.list_prompts(None, 10).await.unwrap(), prompt_before);
    assert_eq!(store.integrity_check().await.unwrap(), "ok");

    // An undone deletion cannot be undone twice.
    let again = store.undo_deletion(&deletion.id).await.unwrap_err();
    assert!(again.to_string().contains("nothing to undo"), "{again}");
}

#[tokio::test]
async fn a_deleted_prompt_comes_back_with_every_run() {
    let (store, _dir) = file_store().await;
    let prompt = saved_prompt(&store, "Gone", "x {{y}}").await;
    let keep = saved_prompt(&store, "Stays", "z").await;
    for i in 0..5 {
        store
            .insert_run(&new_run(
                Some(&prompt.id),
                i,
                "m",
                RunStatus::Success,
                "kiwi fruit",
            ))
            .await
            .unwrap();
    }
    store
        .insert_run(&new_run(
            Some(&keep.id),
            9,
            "m",
            RunStatus::Success,
            "kiwi too",
        ))
        .await
        .unwrap();
    let runs_before = all_runs(&store).await;
    let prompts_before = store.list_prompts(None, 10).await.unwrap();
    let models_before = store.models_in_history().await.unwrap();

    let deletion = store.delete_prompt_undoably(&prompt.id).await.unwrap();
    assert_eq!((deletion.runs, deletion.prompts), (5, 1));
    assert!(store.prompt(&prompt.id).await.is_err());
    assert_eq!(hits(&store, "kiwi").await.len(), 1);

    store.undo_deletion(&deletion.id).await.unwrap();
    assert_eq!(store.prompt(&prompt.id).await.unwrap(), prompt);
    assert_eq!(all_runs(&store).await, runs_before);
    assert_eq!(store.list_prompts(None, 10).await.unwrap(), prompts_before);
    assert_eq!(store.models_in_history().await.unwrap(), models_before);
    assert_eq!(hits(&store, "kiwi").await.len(), 6);
}

#[tokio::test]
async fn deleting_what_a_filter_matches_is_undoable_and_leaves_the_rest() {
    let (store, _dir) = file_store().await;
    for i in 0..8 {
        let status = if i < 3 {
            RunStatus::Error
        } else {
            RunStatus::Success
        };
        store
            .insert_run(&new_run(None, i, "m", status, "text"))
            .await
            .unwrap();
    }
    let before = all_runs(&store).await;
    let errors = RunFilter {
        statuses: vec![RunStatus::Error],
        ..RunFilter::default()
    };
    let deletion = store.delete_matching_runs_undoably(&errors).await.unwrap();
    assert_eq!(deletion.runs, 3);
    assert_eq!(store.count_runs(&RunFilter::default()).await.unwrap(), 5);
    assert_eq!(store.count_runs(&errors).await.unwrap(), 0);
    assert_eq!(store.last_deletion().await.unwrap(), Some(deletion.clone()));
    store.undo_deletion(&deletion.id).await.unwrap();
    assert_eq!(all_runs(&store).await, before);
    assert_eq!(store.last_deletion().await.unwrap(), None);
}

#[tokio::test]
async fn purged_deletions_are_gone_for_good() {
    let (store, _dir) = file_store().await;
    let run = store
        .insert_run(&new_run(None, 0, "m", RunStatus::Success, "text"))
        .await
        .unwrap();
    let deletion = store
        .delete_runs_undoably(std::slice::from_ref(&run.summary.id))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(store.purge_deletions(Duration::ZERO).await.unwrap(), 1);
    assert!(store.undo_deletion(&deletion.id).await.is_err());
    assert_eq!(store.count_runs(&RunFilter::default()).await.unwrap(), 0);
}

#[tokio::test]
async fn the_offline_echo_provider_cannot_be_removed() {
    let (store, _dir) = file_store().await;
    let error = store.remove_provider("echo").await.unwrap_err();
    assert!(error.to_string().contains("cannot be removed"), "{error}");
    assert!(store.provider("echo").await.is_ok());
    // The other built-in providers can be.
    store.remove_provider("ollama").await.unwrap();
    assert!(store.provider("ollama").await.is_err());
}
