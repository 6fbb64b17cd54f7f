//! Retention rules on a generated store of 20,000 runs (`datagen/gen_runs.py -n 20000`): the exact
//! runs each rule deletes, worked out here from the generated file on its own, protected runs
//! untouched, and the file smaller after compacting.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use chrono::{DateTime, Duration, Utc};
use promptline_core::store::retention::NewRetentionRule;
use promptline_core::{PromptId, Rating, RunFilter, RunId, Store};

/// The generator's default end of time: the runs' "now".
fn now() -> DateTime<Utc> {
    "2026-11-01T00:00:00Z".parse().unwrap()
}

#[derive(Debug, Clone)]
struct Line {
    id: String,
    prompt: Option<String>,
    at: DateTime<Utc>,
}

fn read_lines(path: &std::path::Path) -> Vec<Line> {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    file.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            Line {
                id: v["id"].as_str().unwrap().to_owned(),
                prompt: v["prompt_id"].as_str().map(str::to_owned),
                at: v["created_at"].as_str().unwrap().parse().unwrap(),
            }
        })
        .collect()
}

/// What the rules should delete, worked out from the lines alone: a prompt's own rule of a kind
/// replaces the global one of that kind; protected runs never go.
fn expected(
    lines: &[Line],
    rules: &[NewRetentionRule],
    protected: &HashSet<String>,
) -> HashSet<String> {
    let own = |kind: fn(&NewRetentionRule) -> Option<i64>, prompt: &Option<String>| {
        rules
            .iter()
            .find(|r| {
                r.prompt_id.as_ref().map(|p| &p.0) == prompt.as_ref()
                    && prompt.is_some()
                    && kind(r).is_some()
            })
            .or_else(|| {
                rules
                    .iter()
                    .find(|r| r.prompt_id.is_none() && kind(r).is_some())
            })
            .and_then(kind)
    };
    let mut doomed = HashSet::new();
    for line in lines {
        if let Some(days) = own(|r| r.keep_days, &line.prompt) {
            if line.at < now() - Duration::days(days) {
                doomed.insert(line.id.clone());
            }
        }
    }
    let mut groups: HashMap<Option<String>, Vec<&Line>> = HashMap::new();
    for line in lines {
        groups.entry(line.prompt.clone()).or_default().push(line);
    }
    for (prompt, mut runs) in groups {
        let Some(keep) = own(|r| r.keep_runs, &prompt) else {
            continue;
        };
        runs.sort_by_key(|l| std::cmp::Reverse(l.at));
        for line in runs.into_iter().skip(keep as usize) {
            doomed.insert(line.id.clone());
        }
    }
    doomed.retain(|id| !protected.contains(id));
    doomed
}

async fn exists(store: &Store, id: &str) -> bool {
    store.run(&RunId::from(id)).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_delete_exactly_what_they_say_and_never_protected_runs() {
    let (store, dir) = common::file_store().await;
    let file = common::generate_runs(20_000, dir.path());
    store
        .import_jsonl(
            "runs",
            std::io::BufReader::new(std::fs::File::open(&file).unwrap()),
            &mut |_| {},
        )
        .await
        .unwrap();
    let lines = read_lines(&file);
    assert_eq!(lines.len(), 20_000);

    // Protect every 97th run by a rating up and every 89th by the tag `keep` (any case); rate every
    // 50th down (not protected) and tag every 60th `other`.
    let mut protected = HashSet::new();
    for (i, line) in lines.iter().enumerate() {
        let id = RunId::from(line.id.as_str());
        if i % 97 == 0 {
            store.set_rating(&id, Some(Rating::Up)).await.unwrap();
            protected.insert(line.id.clone());
        } else if i % 50 == 0 {
            store.set_rating(&id, Some(Rating::Down)).await.unwrap();
        }
        if i % 89 == 0 {
            store
                .add_tags(&id, &[if i % 2 == 0 { "keep" } else { "Keep" }.into()])
                .await
                .unwrap();
            protected.insert(line.id.clone());
        } else if i % 60 == 0 {
            store.add_tags(&id, &["other".into()]).await.unwrap();
        }
    }

    // The prompt with the most runs gets rules of its own.
    let mut per_prompt: HashMap<&str, usize> = HashMap::new();
    for line in &lines {
        if let Some(p) = &line.prompt {
            *per_prompt.entry(p).or_default() += 1;
        }
    }
    let (busiest, busiest_runs) = per_prompt.iter().max_by_key(|(p, n)| (**n, **p)).unwrap();
    assert!(
        *busiest_runs > 5,
        "the generated data has re-runs of prompts"
    );
    let busiest = PromptId::from(*busiest);

    // A dry run of a rule before it is saved: exact count, nothing saved, nothing deleted.
    let year = NewRetentionRule {
        keep_days: Some(365),
        ..Default::default()
    };
    let plan = store.plan_retention(Some(&year), now()).await.unwrap();
    let want = expected(&lines, std::slice::from_ref(&year), &protected);
    assert!(
        want.len() > 5_000,
        "a year of two years goes: {}",
        want.len()
    );
    assert_eq!(plan.runs as usize, want.len());
    assert_eq!(
        plan.run_ids
            .iter()
            .map(|id| id.0.clone())
            .collect::<HashSet<_>>(),
        want
    );
    assert_eq!(plan.protected as usize, protected.len());
    assert!(store.retention_rules().await.unwrap().is_empty());
    assert_eq!(
        store.count_runs(&RunFilter::default()).await.unwrap(),
        20_000
    );

    // Saved: global 365 days, the busiest prompt 30 days, and the last 40 runs of each prompt.
    let rules = vec![
        year.clone(),
        NewRetentionRule {
            prompt_id: Some(busiest.clone()),
            keep_days: Some(30),
            ..Default::default()
        },
        NewRetentionRule {
            keep_runs: Some(40),
            ..Default::default()
        },
    ];
    for rule in &rules {
        store.set_retention_rule(rule).await.unwrap();
    }
    // Setting a rule of the same kind and scope again replaces it.
    store.set_retention_rule(&rules[2]).await.unwrap();
    assert_eq!(store.retention_rules().await.unwrap().len(), 3);

    let want = expected(&lines, &rules, &protected);
    let plan = store.plan_retention(None, now()).await.unwrap();
    assert_eq!(plan.runs as usize, want.len());
    let before = store.file_bytes().await.unwrap();
    let outcome = store.apply_retention(now()).await.unwrap();
    assert_eq!(outcome.deleted as usize, want.len());
    assert_eq!(
        store.count_runs(&RunFilter::default()).await.unwrap() as usize,
        20_000 - want.len()
    );
    for id in &protected {
        assert!(exists(&store, id).await, "protected run {id} was deleted");
    }
    let sample: Vec<&String> = want.iter().take(200).collect();
    for id in sample {
        assert!(!exists(&store, id).await, "run {id} should have gone");
    }
    // A second pass finds nothing more to delete.
    assert_eq!(store.plan_retention(None, now()).await.unwrap().runs, 0);

    // Compacting makes the file smaller, and the search index still answers.
    let compacted = store.compact().await.unwrap();
    assert!(
        compacted.bytes_after < before,
        "compacted {} ≥ before the deletes {}",
        compacted.bytes_after,
        before
    );
    let found = store
        .count_runs(&RunFilter {
            query: Some("the".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(found > 0);

    // A size rule: the history under a third of its size, oldest unprotected runs first.
    let left = store.count_runs(&RunFilter::default()).await.unwrap();
    let target_mb = (compacted.bytes_after / 3 / (1 << 20)).max(1);
    store
        .set_retention_rule(&NewRetentionRule {
            max_mb: Some(target_mb),
            ..Default::default()
        })
        .await
        .unwrap();
    let outcome = store.apply_retention(now()).await.unwrap();
    assert!(outcome.deleted > 0 && outcome.deleted < left);
    // The compacted database switched to incremental vacuum: the deletes shrank the file at once.
    assert!(outcome.bytes_after < outcome.bytes_before);
    let compacted = store.compact().await.unwrap();
    let limit = target_mb * (1 << 20);
    assert!(
        compacted.bytes_after <= limit + limit / 5,
        "{} bytes after a {target_mb} MB rule",
        compacted.bytes_after
    );
    for id in &protected {
        assert!(
            exists(&store, id).await,
            "protected run {id} was deleted by the size rule"
        );
    }
    store.close().await;
}
