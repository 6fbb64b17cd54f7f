//! Ratings, tags and notes: through every filter (history, count, stats, export, bulk delete), in
//! every export format, searched with the notes, and a round trip through export and import. And
//! comparing runs on known pairs: identical, empty and a 1 MB response.

mod common;

use std::io::Cursor;

use promptline_core::diff::{self, ChunkOp};
use promptline_core::store::transfer::ExportFormat;
use promptline_core::{Rating, RatingFilter, RunFilter, RunId, RunStatus, Store};

/// Four runs: `up` (rated up, tagged good + shortlist, a note), `down` (rated down, tagged good),
/// `tagged` (tag shortlist only) and `plain`.
async fn annotated() -> (Store, [RunId; 4]) {
    let store = Store::open_in_memory().await.unwrap();
    let prompt = common::saved_prompt(&store, "p", "Say {{x}}").await;
    let mut ids = Vec::new();
    for (i, text) in [
        "alpha answer",
        "beta answer",
        "gamma answer",
        "delta answer",
    ]
    .iter()
    .enumerate()
    {
        let run = common::new_run(Some(&prompt.id), i as i64, "echo", RunStatus::Success, text);
        ids.push(store.insert_run(&run).await.unwrap().summary.id);
    }
    let [up, down, tagged, plain]: [RunId; 4] = ids.try_into().unwrap();
    store.set_rating(&up, Some(Rating::Up)).await.unwrap();
    store
        .add_tags(&up, &["good".into(), " shortlist ".into()])
        .await
        .unwrap();
    store
        .set_note(&up, Some("  crisp and correct, zebra  "))
        .await
        .unwrap();
    store.set_rating(&down, Some(Rating::Down)).await.unwrap();
    store.add_tags(&down, &["good".into()]).await.unwrap();
    store
        .add_tags(&tagged, &["shortlist".into()])
        .await
        .unwrap();
    (store, [up, down, tagged, plain])
}

async fn ids_of(store: &Store, filter: &RunFilter) -> Vec<RunId> {
    let mut ids: Vec<RunId> = store
        .runs_page(filter, None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<RunId>) -> Vec<RunId> {
    ids.sort();
    ids
}

#[tokio::test]
async fn annotations_are_stored_normalized_and_shown_with_the_run() {
    let (store, [up, down, _, plain]) = annotated().await;
    let run = store.run(&up).await.unwrap();
    assert_eq!(run.summary.annotation.rating, Some(Rating::Up));
    assert_eq!(run.summary.annotation.tags, ["good", "shortlist"]);
    assert_eq!(
        run.summary.annotation.note.as_deref(),
        Some("crisp and correct, zebra")
    );
    let page = store
        .runs_page(&RunFilter::default(), None, 10)
        .await
        .unwrap();
    let listed = page.items.iter().find(|r| r.id == down).unwrap();
    assert_eq!(listed.annotation.rating, Some(Rating::Down));
    assert_eq!(listed.annotation.tags, ["good"]);
    assert!(store.annotation(&plain).await.unwrap().is_empty());

    // Clearing the rating keeps the note; clearing both leaves nothing.
    store.set_rating(&up, None).await.unwrap();
    assert_eq!(
        store.annotation(&up).await.unwrap().note.as_deref(),
        Some("crisp and correct, zebra")
    );
    store.set_note(&up, Some("   ")).await.unwrap();
    store
        .remove_tags(&up, &["good".into(), "shortlist".into(), "absent".into()])
        .await
        .unwrap();
    assert!(store.annotation(&up).await.unwrap().is_empty());

    let tags = store.tags_in_use().await.unwrap();
    assert_eq!(
        tags.iter()
            .map(|t| (t.tag.as_str(), t.runs))
            .collect::<Vec<_>>(),
        [("good", 1), ("shortlist", 1)]
    );
    let missing = store
        .set_rating(&RunId::from("nope"), Some(Rating::Up))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), "not_found");
    assert_eq!(
        store
            .add_tags(&down, &["a,b".into()])
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
}

#[tokio::test]
async fn every_filter_reads_ratings_and_tags() {
    let (store, [up, down, tagged, plain]) = annotated().await;
    let by = |ratings: Vec<RatingFilter>, tags: Vec<&str>| RunFilter {
        ratings,
        tags: tags.into_iter().map(String::from).collect(),
        ..Default::default()
    };
    let cases = [
        (by(vec![RatingFilter::Up], vec![]), vec![up.clone()]),
        (by(vec![RatingFilter::Down], vec![]), vec![down.clone()]),
        (
            by(vec![RatingFilter::None], vec![]),
            vec![tagged.clone(), plain.clone()],
        ),
        (
            by(vec![RatingFilter::Up, RatingFilter::Down], vec![]),
            vec![up.clone(), down.clone()],
        ),
        (by(vec![], vec!["good"]), vec![up.clone(), down.clone()]),
        (
            by(vec![], vec!["good", "shortlist"]),
            vec![up.clone(), down.clone(), tagged.clone()],
        ),
        (
            by(vec![RatingFilter::None], vec!["shortlist"]),
            vec![tagged.clone()],
        ),
        (by(vec![], vec!["nothing"]), vec![]),
    ];
    for (filter, want) in cases {
        let want = sorted(want);
        assert_eq!(ids_of(&store, &filter).await, want, "{filter:?}");
        assert_eq!(
            store.count_runs(&filter).await.unwrap() as usize,
            want.len(),
            "{filter:?}"
        );
        let stats = store.run_stats(&filter, 0).await.unwrap();
        assert_eq!(stats.runs.total() as usize, want.len(), "{filter:?}");
        let mut out = Vec::new();
        let n = store
            .export(&filter, ExportFormat::Jsonl, &mut out)
            .await
            .unwrap();
        assert_eq!(n as usize, want.len(), "{filter:?}");
    }

    // The notes are searched with the texts; a search and a tag together.
    let notes = RunFilter {
        query: Some("zebra".into()),
        ..Default::default()
    };
    assert_eq!(ids_of(&store, &notes).await, std::slice::from_ref(&up));
    assert_eq!(store.count_runs(&notes).await.unwrap(), 1);
    let texts_or_notes = RunFilter {
        query: Some("answer".into()),
        tags: vec!["good".into()],
        ..Default::default()
    };
    assert_eq!(
        ids_of(&store, &texts_or_notes).await,
        sorted(vec![up.clone(), down.clone()])
    );

    // Analytics per model: how many were rated up and down.
    let stats = store.run_stats(&RunFilter::default(), 0).await.unwrap();
    assert_eq!(
        (stats.models[0].rated_up, stats.models[0].rated_down),
        (1, 1)
    );

    // Bulk delete by tag takes exactly those runs, and their annotations with them.
    let deleted = store
        .delete_matching_runs(&by(vec![], vec!["shortlist"]))
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(store.count_runs(&RunFilter::default()).await.unwrap(), 2);
    assert_eq!(
        store.count_runs(&notes).await.unwrap(),
        0,
        "the deleted run's note left the index"
    );
    assert_eq!(store.tags_in_use().await.unwrap().len(), 1);
}

#[tokio::test]
async fn exports_carry_annotations_and_import_brings_them_back() {
    let (store, [up, _, tagged, plain]) = annotated().await;
    for format in [ExportFormat::Jsonl, ExportFormat::Json, ExportFormat::Csv] {
        let mut out = Vec::new();
        store
            .export(&RunFilter::default(), format, &mut out)
            .await
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("crisp and correct, zebra"),
            "{format:?}: {text}"
        );
        match format {
            ExportFormat::Csv => {
                let header = text.lines().next().unwrap();
                assert!(header.contains(",rating,tags,note,"), "{header}");
                assert!(
                    text.contains(",up,\"good,shortlist\",\"crisp and correct, zebra\""),
                    "{text}"
                );
            }
            _ => {
                let values: Vec<serde_json::Value> = if format == ExportFormat::Json {
                    serde_json::from_str(&text).unwrap()
                } else {
                    text.lines()
                        .map(|l| serde_json::from_str(l).unwrap())
                        .collect()
                };
                let first = values.iter().find(|v| v["id"] == up.0.as_str()).unwrap();
                assert_eq!(first["rating"], "up");
                assert_eq!(first["tags"], serde_json::json!(["good", "shortlist"]));
                let bare = values.iter().find(|v| v["id"] == plain.0.as_str()).unwrap();
                assert_eq!(bare["rating"], serde_json::Value::Null);
                assert_eq!(bare["tags"], serde_json::json!([]));
            }
        }
    }

    let mut jsonl = Vec::new();
    store
        .export(&RunFilter::default(), ExportFormat::Jsonl, &mut jsonl)
        .await
        .unwrap();
    let copy = Store::open_in_memory().await.unwrap();
    let report = copy
        .import_jsonl("export.jsonl", Cursor::new(&jsonl), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.runs_added, 4);
    for id in [&up, &tagged, &plain] {
        assert_eq!(
            copy.annotation(id).await.unwrap(),
            store.annotation(id).await.unwrap()
        );
    }
    let notes = RunFilter {
        query: Some("zebra".into()),
        ..Default::default()
    };
    assert_eq!(
        ids_of(&copy, &notes).await,
        std::slice::from_ref(&up),
        "imported notes are searchable"
    );
    let mut again = Vec::new();
    copy.export(&RunFilter::default(), ExportFormat::Jsonl, &mut again)
        .await
        .unwrap();
    assert_eq!(again, jsonl, "export → import → export gives the same file");

    // A bad rating in a file aborts the import with its line and changes nothing.
    let bad = String::from_utf8(jsonl)
        .unwrap()
        .replace("\"rating\":\"up\"", "\"rating\":\"great\"");
    let fresh = Store::open_in_memory().await.unwrap();
    let err = fresh
        .import_jsonl("bad.jsonl", Cursor::new(bad), &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_import");
    assert_eq!(fresh.count_runs(&RunFilter::default()).await.unwrap(), 0);
}

#[tokio::test]
async fn diffs_of_known_pairs() {
    let store = Store::open_in_memory().await.unwrap();
    let insert = |prompt: &str, response: &str, model: &str| {
        let mut run = common::new_run(None, 0, model, RunStatus::Success, response);
        run.prompt_text = prompt.into();
        run
    };
    let a = store
        .insert_run(&insert("Say hi to {{name}}", "Hello there, Ada!", "m1"))
        .await
        .unwrap();
    let b = store
        .insert_run(&insert("Say hello to Ada", "Hello, Ada!", "m2"))
        .await
        .unwrap();
    let compared = diff::compare(&a, &b);
    let changed: Vec<&str> = compared
        .fields
        .iter()
        .filter(|f| !f.same)
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(changed, ["model", "response chars"]);
    assert_eq!(compared.fields[0].a, "echo/m1");
    let deleted: String = compared
        .response
        .chunks
        .iter()
        .filter(|c| c.op == ChunkOp::Delete)
        .map(|c| c.text.as_str())
        .collect();
    // Words are split at whitespace: "Hello" and "Hello," differ.
    assert_eq!(deleted, "Hello there,");
    assert!(compared
        .prompt
        .chunks
        .iter()
        .any(|c| c.op == ChunkOp::Insert && c.text.contains("hello")));

    // Identical runs: nothing differs but their ids.
    let same = diff::compare(&a, &a);
    assert!(same.response.identical && same.prompt.identical);
    assert!(same.fields.iter().all(|f| f.same));

    // Empty responses on either side.
    let empty = store.insert_run(&insert("x", "", "m1")).await.unwrap();
    let vs_empty = diff::compare(&empty, &a);
    assert_eq!(vs_empty.response.chunks.len(), 1);
    assert_eq!(vs_empty.response.chunks[0].op, ChunkOp::Insert);
    assert_eq!(vs_empty.response.inserted_chars, "Hello there, Ada!".len());
    assert!(diff::compare(&empty, &empty).response.chunks.is_empty());

    // A 1 MB response with a few words changed: found, and within the time limit.
    let words: Vec<String> = (0..150_000).map(|i| format!("w{i}")).collect();
    let big = words.join(" ");
    assert!(big.len() > 1_000_000);
    let mut edited = words.clone();
    edited[1_000] = "CHANGED".into();
    edited[120_000] = "ALSO".into();
    let big_a = store.insert_run(&insert("p", &big, "m1")).await.unwrap();
    let big_b = store
        .insert_run(&insert("p", &edited.join(" "), "m1"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let compared = diff::compare(&big_a, &big_b);
    assert!(started.elapsed() < diff::DIFF_TIME_LIMIT * 3);
    let inserted: Vec<&str> = compared
        .response
        .chunks
        .iter()
        .filter(|c| c.op == ChunkOp::Insert)
        .map(|c| c.text.as_str())
        .collect();
    if !compared.response.timed_out {
        assert_eq!(inserted, ["CHANGED", "ALSO"]);
    }
    let rebuilt: String = compared
        .response
        .chunks
        .iter()
        .filter(|c| c.op != ChunkOp::Delete)
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(rebuilt, edited.join(" "));
    let unified = diff::unified(&big_a.response, &big_b.response, "a", "b", 3, &diff::plain);
    assert!(unified.contains("+w0 ") || unified.contains("CHANGED"));
}
