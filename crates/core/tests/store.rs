//! Stories across the store: prompts and their runs, pages, filters, search, cascades.

mod common;

use std::collections::HashSet;

use common::{file_store, new_run, saved_prompt};
use promptline_core::{NewPrompt, PromptEdit, RunFilter, RunStatus, Store};

#[tokio::test]
async fn prompt_lifecycle_and_cascade_delete_removes_runs_and_search_rows() {
    let (store, _dir) = file_store().await;
    let prompt = saved_prompt(&store, "Summarize", "Sum up {{text}}").await;
    let other = store
        .create_prompt(&NewPrompt {
            name: "Other".into(),
            template: "x".into(),
            default_model: Some("echo".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    for i in 0..3 {
        store
            .insert_run(&new_run(
                Some(&prompt.id),
                i,
                "echo",
                RunStatus::Success,
                "zebracorn answer",
            ))
            .await
            .unwrap();
    }
    store
        .insert_run(&new_run(
            Some(&other.id),
            10,
            "echo",
            RunStatus::Success,
            "zebracorn too",
        ))
        .await
        .unwrap();

    let edited = store
        .edit_prompt(
            &prompt.id,
            &PromptEdit {
                name: Some("Summarise".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.name, "Summarise");
    assert_eq!(edited.template, "Sum up {{text}}");

    let listed = store.list_prompts(None, 10).await.unwrap();
    let summary = listed.iter().find(|p| p.prompt.id == prompt.id).unwrap();
    assert_eq!(summary.run_count, 3);
    assert_eq!(summary.last_status, Some(RunStatus::Success));
    assert_eq!(
        store.list_prompts(Some("summar"), 10).await.unwrap().len(),
        1
    );

    let search = RunFilter {
        query: Some("zebracorn".into()),
        ..Default::default()
    };
    assert_eq!(store.count_runs(&search).await.unwrap(), 4);

    assert_eq!(store.delete_prompt(&prompt.id).await.unwrap(), 3);
    assert_eq!(store.count_runs(&RunFilter::default()).await.unwrap(), 1);
    assert_eq!(
        store.count_runs(&search).await.unwrap(),
        1,
        "search rows of deleted runs are gone"
    );
    assert!(store.prompt(&prompt.id).await.is_err());
    assert_eq!(
        store.delete_prompt(&prompt.id).await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
}

#[tokio::test]
async fn keyset_pages_cover_every_run_once_newest_first() {
    let store = Store::open_in_memory().await.unwrap();
    // Pairs of runs share a timestamp: among equals the one recorded later comes first (here that
    // is also the larger id).
    for i in 0..45 {
        let status = if i % 3 == 0 {
            RunStatus::Error
        } else {
            RunStatus::Success
        };
        let mut run = new_run(
            None,
            i / 2,
            if i % 2 == 0 { "a" } else { "b" },
            status,
            "text",
        );
        run.id = format!("run-{i:03}").into();
        store.insert_run(&run).await.unwrap();
    }
    let filter = RunFilter::default();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.runs_page(&filter, cursor.as_ref(), 10).await.unwrap();
        seen.extend(page.items.iter().map(|r| (r.created_at, r.id.clone())));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 45);
    assert_eq!(
        seen.iter().map(|(_, id)| id).collect::<HashSet<_>>().len(),
        45
    );
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties in recording order");

    let errors_of_a = RunFilter {
        models: vec!["a".into()],
        statuses: vec![RunStatus::Error],
        ..Default::default()
    };
    let page = store.runs_page(&errors_of_a, None, 100).await.unwrap();
    assert!(page
        .items
        .iter()
        .all(|r| r.model == "a" && r.status == RunStatus::Error));
    assert_eq!(
        page.items.len() as i64,
        store.count_runs(&errors_of_a).await.unwrap()
    );
    assert_eq!(page.items.len(), 8);
}

#[tokio::test]
async fn date_filters_are_half_open() {
    let store = Store::open_in_memory().await.unwrap();
    let runs: Vec<_> = (0..5)
        .map(|i| new_run(None, i * 60, "echo", RunStatus::Success, "x"))
        .collect();
    for run in &runs {
        store.insert_run(run).await.unwrap();
    }
    let filter = RunFilter {
        since: Some(runs[1].created_at),
        until: Some(runs[3].created_at),
        ..Default::default()
    };
    let page = store.runs_page(&filter, None, 50).await.unwrap();
    let ids: Vec<_> = page.items.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids, vec![runs[2].id.clone(), runs[1].id.clone()]);
}

#[tokio::test]
async fn hostile_search_text_never_raises_an_error_and_matches_literally() {
    let store = Store::open_in_memory().await.unwrap();
    let texts = [
        "plain words about rust",
        "he said \"quoted\" and left",
        "NEAR(foo bar) AND OR NOT",
        "emoji 🙂 party 🎉",
        "C++ and c# -- minus-dash",
        "café naïve",
    ];
    for (i, text) in texts.iter().enumerate() {
        store
            .insert_run(&new_run(None, i as i64, "echo", RunStatus::Success, text))
            .await
            .unwrap();
    }
    let hostile = [
        "\"",
        "\"\"",
        "'",
        "*",
        "-",
        "-rust",
        "AND",
        "OR",
        "NOT",
        "NEAR(",
        "NEAR(foo",
        "(",
        ")",
        "((",
        "a)b(",
        "^",
        ":",
        "col:rust",
        "rust*",
        "*rust",
        "\"unbalanced",
        "🙂",
        "🎉🎉",
        "{",
        "[",
        "\\",
        "%",
        "_",
        "a AND",
        "NOT rust",
        "+",
        "\u{0}",
        "\t\n",
    ];
    for query in hostile {
        let filter = RunFilter {
            query: Some(query.into()),
            ..Default::default()
        };
        store
            .runs_page(&filter, None, 50)
            .await
            .unwrap_or_else(|e| panic!("{query:?} raised {e}"));
        store
            .count_runs(&filter)
            .await
            .unwrap_or_else(|e| panic!("{query:?} raised {e}"));
    }
    let hits = |q: &str| {
        let store = store.clone();
        let q = q.to_owned();
        async move {
            store
                .count_runs(&RunFilter {
                    query: Some(q),
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    assert_eq!(
        hits("NEAR(foo").await,
        1,
        "NEAR( is a word here, not syntax"
    );
    assert_eq!(hits("\"quoted\"").await, 1);
    assert_eq!(hits("AND").await, 3, "a word like any other, in any case");
    assert_eq!(hits("🙂").await, 1);
    assert_eq!(hits("cafe").await, 1, "diacritics fold");
    assert_eq!(hits("rus").await, 1, "the last word is a prefix");
    assert_eq!(hits("rust party").await, 0, "words are ANDed");
}

#[tokio::test]
async fn full_responses_are_stored_whole_and_lists_carry_only_a_preview() {
    use sqlx::Connection;
    let (store, dir) = file_store().await;
    let big = "word ".repeat(400_000);
    let run = store
        .insert_run(&new_run(None, 0, "echo", RunStatus::Success, &big))
        .await
        .unwrap();
    store.close().await;
    // Read back from the file by another connection, not from what `insert_run` returned.
    let mut conn = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}?mode=ro",
        dir.path().join("history.db").display()
    ))
    .await
    .unwrap();
    let (response, response_chars): (String, i64) = sqlx::query_as(
        "SELECT response, (SELECT response_chars FROM runs WHERE id = ?1) \
         FROM run_history WHERE id = ?1",
    )
    .bind(run.summary.id.as_str())
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(response.len(), big.len());
    assert!(response == big, "the response comes back byte for byte");
    assert_eq!(response_chars, big.chars().count() as i64);
    drop(conn);
    let store = Store::open(&dir.path().join("history.db")).await.unwrap();
    assert_eq!(store.run(&run.summary.id).await.unwrap().response, big);
    let page = store
        .runs_page(&RunFilter::default(), None, 10)
        .await
        .unwrap();
    assert!(
        page.items[0].preview.chars().count() <= promptline_core::store::runs::PREVIEW_CHARS + 1
    );
    assert!(page.items[0].preview.ends_with('…'));
}

#[tokio::test]
async fn failed_runs_preview_their_error_and_bulk_delete_follows_the_filter() {
    let store = Store::open_in_memory().await.unwrap();
    store
        .insert_run(&new_run(None, 0, "m", RunStatus::Error, ""))
        .await
        .unwrap();
    store
        .insert_run(&new_run(None, 1, "m", RunStatus::Success, "fine"))
        .await
        .unwrap();
    store
        .insert_run(&new_run(None, 2, "n", RunStatus::Error, ""))
        .await
        .unwrap();
    let page = store
        .runs_page(&RunFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(page.items[2].preview, "boom");

    let errors_of_m = RunFilter {
        models: vec!["m".into()],
        statuses: vec![RunStatus::Error],
        ..Default::default()
    };
    assert_eq!(store.delete_matching_runs(&errors_of_m).await.unwrap(), 1);
    assert_eq!(store.count_runs(&RunFilter::default()).await.unwrap(), 2);
    let models = store.models_in_history().await.unwrap();
    assert_eq!(models, vec![("m".to_owned(), 1), ("n".to_owned(), 1)]);
}

#[tokio::test]
async fn the_schema_rejects_unknown_statuses_and_dangling_prompts() {
    let (store, dir) = file_store().await;
    drop(store);
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}?mode=rw",
        dir.path().join("history.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&pool)
        .await
        .unwrap();
    let insert = |status: &'static str, prompt: Option<&'static str>| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "INSERT INTO runs (id, prompt_id, created_at, model, provider, status) \
                 VALUES (?, ?, 0, 'm', 'p', ?)",
            )
            .bind(uuid_like())
            .bind(prompt)
            .bind(status)
            .execute(&pool)
            .await
        }
    };
    assert!(insert("success", None).await.is_ok());
    assert!(
        insert("finished", None).await.is_err(),
        "status is a closed set"
    );
    assert!(
        insert("success", Some("no-such-prompt")).await.is_err(),
        "foreign keys are enforced"
    );
}

fn uuid_like() -> String {
    promptline_core::RunId::new().0
}

#[tokio::test]
async fn common_and_rare_words_page_the_same_way() {
    let store = Store::open_in_memory().await.unwrap();
    // Enough hits for "common" that pages walk the history instead of looking up each hit.
    for i in 0..1300 {
        let text = match i % 2 {
            0 if i % 100 == 0 => "common rare",
            0 => "common",
            _ => "other",
        };
        store
            .insert_run(&new_run(None, i, "echo", RunStatus::Success, text))
            .await
            .unwrap();
    }
    for (word, expected) in [("common", 650), ("rare", 13)] {
        let filter = RunFilter {
            query: Some(word.into()),
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store.runs_page(&filter, cursor.as_ref(), 50).await.unwrap();
            seen.extend(page.items.into_iter().map(|r| (r.created_at, r.preview)));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), expected, "{word}");
        assert_eq!(store.count_runs(&filter).await.unwrap(), expected as i64);
        assert!(
            seen.windows(2).all(|w| w[0].0 > w[1].0),
            "{word}: newest first"
        );
        assert!(seen.iter().all(|(_, preview)| preview.contains(word)));
    }
}

#[tokio::test]
async fn reopening_skips_migrations_but_a_changed_migration_is_refused() {
    let (store, dir) = file_store().await;
    store
        .insert_run(&new_run(None, 0, "echo", RunStatus::Success, "kept"))
        .await
        .unwrap();
    store.close().await;
    let path = dir.path().join("history.db");

    let reopened = Store::open(&path).await.unwrap();
    assert_eq!(reopened.count_runs(&RunFilter::default()).await.unwrap(), 1);
    reopened.close().await;

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = (SELECT min(version) FROM _sqlx_migrations)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let refused = Store::open(&path).await.unwrap_err();
    assert_eq!(refused.code(), "migration", "{refused}");
}

#[tokio::test]
async fn the_prompt_list_keeps_counts_and_last_runs_in_step_and_orders_by_activity() {
    let store = Store::open_in_memory().await.unwrap();
    let new = |name: &str| NewPrompt {
        name: name.into(),
        template: "t".into(),
        default_model: None,
        ..Default::default()
    };
    let quiet = store.create_prompt(&new("quiet")).await.unwrap();
    let busy = store.create_prompt(&new("busy")).await.unwrap();
    // Runs far in the future, so they are the latest activity whatever the clock says.
    let mut ok = new_run(Some(&busy.id), 50_000_000, "echo", RunStatus::Success, "a");
    ok.created_at += chrono::Duration::days(3650);
    let mut failed = new_run(Some(&busy.id), 50_000_001, "echo", RunStatus::Error, "");
    failed.created_at += chrono::Duration::days(3650);
    store.insert_run(&failed).await.unwrap();
    store.insert_run(&ok).await.unwrap(); // older than `failed`: not the last run
    let list = store.list_prompts(None, 10).await.unwrap();
    assert_eq!(list[0].prompt.id, busy.id, "most recently active first");
    assert_eq!(
        (list[0].run_count, list[0].last_status),
        (2, Some(RunStatus::Error))
    );
    assert_eq!(list[0].last_run_at, Some(failed.created_at));
    assert_eq!((list[1].run_count, list[1].last_status), (0, None));

    store.delete_runs(&[failed.id.clone()]).await.unwrap();
    let list = store.list_prompts(None, 10).await.unwrap();
    assert_eq!(
        (list[0].run_count, list[0].last_status),
        (1, Some(RunStatus::Success))
    );
    assert_eq!(list[0].last_run_at, Some(ok.created_at));

    store.delete_runs(&[ok.id.clone()]).await.unwrap();
    store
        .edit_prompt(
            &quiet.id,
            &PromptEdit {
                name: Some("quiet, edited".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let list = store.list_prompts(None, 10).await.unwrap();
    assert_eq!(list[0].prompt.id, quiet.id, "an edit is activity too");
    assert_eq!((list[1].run_count, list[1].last_run_at), (0, None));
}

/// The models list (model picker, filter) is kept by triggers: it must follow every way runs come
/// and go, and agree with counting the runs themselves.
#[tokio::test]
async fn model_counts_follow_recording_importing_and_deleting() {
    let (store, _dir) = file_store().await;
    let prompt = saved_prompt(&store, "p", "t").await;
    for (i, model) in ["a", "b", "a", "c", "a"].iter().enumerate() {
        let owner = (i % 2 == 0).then_some(&prompt.id);
        let run = new_run(owner, i as i64, model, RunStatus::Success, "x");
        store.insert_run(&run).await.unwrap();
    }
    let line = serde_json::json!({
        "id": "imported-1", "prompt_text": "q", "response": "r", "model": "claude-x",
        "status": "success", "created_at": "2026-01-02T00:00:00Z",
    });
    store
        .import_jsonl(
            "one.jsonl",
            std::io::Cursor::new(line.to_string()),
            &mut |_| {},
        )
        .await
        .unwrap();
    let pairs = store.provider_models_in_history().await.unwrap();
    assert_eq!(
        pairs,
        [
            ("echo".to_owned(), "a".to_owned(), 3),
            ("anthropic".to_owned(), "claude-x".to_owned(), 1),
            ("echo".to_owned(), "b".to_owned(), 1),
            ("echo".to_owned(), "c".to_owned(), 1),
        ]
    );

    // Deleting the prompt takes runs 0, 2 and 4 (all of model a) with it; c goes by filter.
    store.delete_prompt(&prompt.id).await.unwrap();
    let only_c = RunFilter {
        models: vec!["c".into()],
        ..Default::default()
    };
    store.delete_matching_runs(&only_c).await.unwrap();
    let models = store.models_in_history().await.unwrap();
    assert_eq!(
        models,
        [("b".to_owned(), 1), ("claude-x".to_owned(), 1)],
        "models with no runs left are gone"
    );
    for (model, n) in models {
        let filter = RunFilter {
            models: vec![model],
            ..Default::default()
        };
        assert_eq!(store.count_runs(&filter).await.unwrap(), n);
    }
}

#[tokio::test]
async fn a_search_hit_says_which_text_holds_it_with_the_words_marked() {
    use promptline_core::store::search::{HitField, HIT_END, HIT_START};
    let (store, _dir) = file_store().await;
    let long_intro = "words before the match ".repeat(40);
    let mut in_prompt = new_run(
        None,
        1,
        "echo",
        RunStatus::Success,
        "an answer about nothing",
    );
    in_prompt.prompt_text = format!("{long_intro} tell me about the quokka please");
    let in_response = new_run(
        None,
        2,
        "echo",
        RunStatus::Success,
        &format!("{long_intro} and then a quokka appeared"),
    );
    let in_note = new_run(None, 3, "echo", RunStatus::Success, "plain");
    let nowhere = new_run(None, 4, "echo", RunStatus::Success, "plain too");
    for run in [&in_prompt, &in_response, &in_note, &nowhere] {
        store.insert_run(run).await.unwrap();
    }
    store
        .set_note(&in_note.id, Some("remember the Quokkas"))
        .await
        .unwrap();

    let ids = [&in_prompt, &in_response, &in_note, &nowhere].map(|r| r.id.clone());
    let hits = store.search_hits(&ids, "quokka").await.unwrap();
    let fields: Vec<_> = hits.iter().map(|h| (h.run_id.clone(), h.field)).collect();
    assert_eq!(
        fields,
        vec![
            (in_prompt.id.clone(), HitField::Prompt),
            (in_response.id.clone(), HitField::Response),
            (in_note.id.clone(), HitField::Note),
        ]
    );
    let marked = |s: &str| format!("{HIT_START}{s}{HIT_END}");
    assert!(
        hits[0].snippet.contains(&marked("quokka")),
        "{}",
        hits[0].snippet
    );
    assert!(hits[0].snippet.starts_with('…'), "{}", hits[0].snippet);
    assert!(hits[0].snippet.chars().count() < 200, "{}", hits[0].snippet);
    assert!(
        hits[2].snippet.contains(&marked("Quokkas")),
        "{}",
        hits[2].snippet
    );
    // Nothing to search for: no hits, no error.
    assert!(store.search_hits(&ids, " \" * ").await.unwrap().is_empty());
}
