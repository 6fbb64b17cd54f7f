//! Analytics from the roll-ups (migration 15) give what scanning the runs gives, on a real SQLite
//! file, through inserts, runs completed in place, restorable deletes and their undo, deleted
//! prompts, in any time zone and under every filter the roll-ups answer; the filters they cannot
//! answer (search, ratings, tags, sources, whose runs) are scanned.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{file_store, new_run, saved_prompt};
use promptline_core::{
    CostSource, NewRun, PromptId, Rating, RatingFilter, RunCost, RunFilter, RunId, RunStats,
    RunStatus, Store,
};

/// A small deterministic generator (xorshift), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const MODELS: [(&str, &str); 4] = [
    ("echo", "alpha"),
    ("echo", "beta"),
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-3-5-haiku"),
];
const ENDED: [RunStatus; 5] = [
    RunStatus::Success,
    RunStatus::Success,
    RunStatus::Error,
    RunStatus::Timeout,
    RunStatus::Cancelled,
];

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// A random run within 40 days of 2026-01-01, at any second.
fn random_run(rng: &mut Rng, prompts: &[PromptId]) -> NewRun {
    let (provider, model) = *rng.pick(&MODELS);
    let status = *rng.pick(&ENDED);
    let prompt = (rng.below(3) > 0).then(|| rng.pick(prompts).clone());
    let mut run = new_run(prompt.as_ref(), 0, model, status, "an answer");
    run.created_at = start() + Duration::seconds(rng.below(40 * 86_400) as i64);
    run.provider = provider.into();
    run.tokens_used = (rng.below(5) > 0).then(|| rng.below(5000) as i64);
    run.execution_time_ms = Some(rng.below(20_000) as i64);
    run.cost = (rng.below(2) == 0).then(|| RunCost {
        usd: Some(rng.below(1_000_000) as f64 / 7_000_000.0),
        source: CostSource::User,
        priced_as: None,
    });
    run
}

/// The filters the roll-ups answer, with times that fall on and off midnights.
fn filters(prompts: &[PromptId]) -> Vec<RunFilter> {
    let at =
        |days: i64, seconds: i64| Some(start() + Duration::days(days) + Duration::seconds(seconds));
    let mut filters = vec![
        RunFilter::default(),
        RunFilter {
            prompt_id: Some(prompts[0].clone()),
            ..RunFilter::default()
        },
        RunFilter {
            models: vec!["alpha".into(), "gpt-4o-mini".into()],
            ..RunFilter::default()
        },
        RunFilter {
            statuses: vec![RunStatus::Error, RunStatus::Timeout],
            ..RunFilter::default()
        },
        RunFilter {
            statuses: vec![RunStatus::Success, RunStatus::Running],
            ..RunFilter::default()
        },
        RunFilter {
            since: at(3, 5_000),
            until: at(17, 40_000),
            ..RunFilter::default()
        },
        RunFilter {
            since: at(10, 0),
            until: at(12, 0),
            ..RunFilter::default()
        },
        RunFilter {
            since: at(20, 33),
            ..RunFilter::default()
        },
        RunFilter {
            until: at(9, 71_000),
            ..RunFilter::default()
        },
        RunFilter {
            since: at(5, 1_000),
            until: at(5, 60_000),
            ..RunFilter::default()
        },
        RunFilter {
            since: at(5, 1_000),
            until: at(5, 1_000),
            ..RunFilter::default()
        },
        RunFilter {
            prompt_id: Some(prompts[1].clone()),
            models: vec!["beta".into()],
            statuses: vec![RunStatus::Success],
            since: at(2, 7_200),
            until: at(30, 3_600),
            ..RunFilter::default()
        },
        RunFilter {
            query: Some("   ".into()),
            ..RunFilter::default()
        },
    ];
    for prompt in prompts {
        filters.push(RunFilter {
            prompt_id: Some(prompt.clone()),
            since: at(1, 43_200),
            ..RunFilter::default()
        });
    }
    filters
}

/// Offsets from UTC in minutes: UTC, whole hours both ways, India's and Nepal's half and
/// quarter hours, and the far ends.
const OFFSETS: [i32; 7] = [0, 60, -480, 330, 345, 840, -720];

fn assert_same(rollups: &RunStats, scan: &RunStats, what: &str) {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    assert_eq!(rollups.runs, scan.runs, "{what}: runs");
    assert_eq!(rollups.tokens, scan.tokens, "{what}: tokens");
    assert_eq!(rollups.priced_runs, scan.priced_runs, "{what}: priced runs");
    assert!(close(rollups.cost_usd, scan.cost_usd), "{what}: cost");
    assert!(
        close(rollups.month_cost_usd, scan.month_cost_usd),
        "{what}: month"
    );
    let days = |s: &RunStats| {
        s.days
            .iter()
            .map(|d| (d.day.clone(), d.runs, d.tokens, d.priced_runs))
            .collect::<Vec<_>>()
    };
    assert_eq!(days(rollups), days(scan), "{what}: days");
    for (a, b) in rollups.days.iter().zip(&scan.days) {
        assert!(close(a.cost_usd, b.cost_usd), "{what}: cost of {}", a.day);
    }
    let models = |s: &RunStats| {
        s.models
            .iter()
            .map(|m| {
                (
                    m.provider.clone(),
                    m.model.clone(),
                    m.runs,
                    m.tokens,
                    m.p50_ms,
                    m.p95_ms,
                    m.rated_up,
                    m.rated_down,
                    m.priced_runs,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(models(rollups), models(scan), "{what}: models");
    for (a, b) in rollups.models.iter().zip(&scan.models) {
        assert!(close(a.cost_usd, b.cost_usd), "{what}: cost of {}", a.model);
    }
}

/// Every filter in every time zone: the roll-ups' answer is the scan's. Returns how many runs
/// the unfiltered report counts.
async fn check_all(store: &Store, prompts: &[PromptId], phase: &str) -> i64 {
    for (i, filter) in filters(prompts).iter().enumerate() {
        for offset in OFFSETS {
            let rollups = store.run_stats(filter, offset).await.unwrap();
            let scan = store.run_stats_by_scan(filter, offset).await.unwrap();
            assert_same(
                &rollups,
                &scan,
                &format!("{phase}, filter {i}, offset {offset}"),
            );
        }
    }
    store
        .run_stats(&RunFilter::default(), 0)
        .await
        .unwrap()
        .runs
        .total()
}

#[tokio::test]
async fn rollups_answer_what_the_scan_answers_through_every_kind_of_write() {
    let (store, _dir) = file_store().await;
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut prompts = Vec::new();
    for i in 0..4 {
        prompts.push(
            saved_prompt(&store, &format!("prompt {i}"), "Say {{x}}")
                .await
                .id,
        );
    }
    let mut ids: Vec<RunId> = Vec::new();
    for _ in 0..500 {
        let run = random_run(&mut rng, &prompts);
        ids.push(store.insert_run(&run).await.unwrap().summary.id);
    }
    let interrupted = {
        let mut run = random_run(&mut rng, &prompts);
        run.status = RunStatus::Interrupted;
        run
    };
    store.insert_run(&interrupted).await.unwrap();
    assert_eq!(check_all(&store, &prompts, "inserted").await, 501);

    // Runs in flight count as running, then as what they ended as, with their tokens and cost.
    let mut flying = Vec::new();
    for _ in 0..30 {
        let run = random_run(&mut rng, &prompts);
        flying.push((store.begin_run(&run).await.unwrap(), run));
    }
    let counted = check_all(&store, &prompts, "in flight").await;
    assert_eq!(counted, 531);
    let running = store.run_stats(&RunFilter::default(), 0).await.unwrap();
    assert_eq!(running.runs.running, 30);
    for (i, (in_flight, run)) in flying.iter().enumerate() {
        if i % 3 == 0 {
            continue; // still running
        }
        let mut ended = run.clone();
        ended.status = *rng.pick(&ENDED);
        ended.tokens_used = Some(rng.below(900) as i64);
        ids.push(
            store
                .complete_run(in_flight, &ended)
                .await
                .unwrap()
                .summary
                .id,
        );
    }
    check_all(&store, &prompts, "completed").await;
    let completed = store.run_stats(&RunFilter::default(), 0).await.unwrap();
    assert_eq!(completed.runs.running, 10);

    // Restorable deletes, and their undo.
    let picked: Vec<RunId> = (0..60).map(|_| rng.pick(&ids).clone()).collect();
    let some = store.delete_runs_undoably(&picked).await.unwrap();
    let after_some = check_all(&store, &prompts, "some deleted").await;
    assert_eq!(after_some, 531 - some.runs as i64);
    let beta = store
        .delete_matching_runs_undoably(&RunFilter {
            models: vec!["beta".into()],
            since: Some(start() + Duration::days(8)),
            ..RunFilter::default()
        })
        .await
        .unwrap();
    assert!(beta.runs > 0);
    check_all(&store, &prompts, "beta deleted").await;
    store.undo_deletion(&some.id).await.unwrap();
    check_all(&store, &prompts, "some restored").await;
    store.undo_deletion(&beta.id).await.unwrap();
    assert_eq!(check_all(&store, &prompts, "all restored").await, 531);

    // A prompt deleted with its runs, then brought back; another deleted for good.
    let gone = store.delete_prompt_undoably(&prompts[2]).await.unwrap();
    assert!(gone.runs > 0);
    check_all(&store, &prompts, "prompt deleted").await;
    store.undo_deletion(&gone.id).await.unwrap();
    assert_eq!(check_all(&store, &prompts, "prompt restored").await, 531);
    let removed = store.delete_prompt(&prompts[3]).await.unwrap();
    assert_eq!(
        check_all(&store, &prompts, "prompt removed").await,
        531 - removed as i64
    );

    // More writes after all that.
    for _ in 0..100 {
        let run = random_run(&mut rng, &prompts[..3]);
        store.insert_run(&run).await.unwrap();
    }
    check_all(&store, &prompts, "inserted again").await;
}

#[tokio::test]
async fn filters_the_rollups_do_not_hold_are_scanned_not_ignored() {
    let (store, dir) = file_store().await;
    let mut rng = Rng(0xfeed_0000_0000_0042);
    let prompts = vec![saved_prompt(&store, "p", "Say {{x}}").await.id];
    let mut ids = Vec::new();
    for i in 0..80 {
        let mut run = random_run(&mut rng, &prompts);
        if i % 10 == 0 {
            run.response = "a pelican on a bicycle".into();
        }
        ids.push(store.insert_run(&run).await.unwrap().summary.id);
    }
    for id in &ids[..7] {
        store.set_rating(id, Some(Rating::Up)).await.unwrap();
    }
    store.set_rating(&ids[7], Some(Rating::Down)).await.unwrap();
    store.add_tags(&ids[8], &["keep".into()]).await.unwrap();
    store.add_tags(&ids[9], &["keep".into()]).await.unwrap();

    // Spoil the roll-ups behind the store's back: a report read from them now says 1,000 more
    // successes, and a filter they cannot answer must not read them at all.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("history.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("UPDATE run_rollups SET runs = runs + 1000 WHERE status = 'success'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let all = store.run_stats(&RunFilter::default(), 0).await.unwrap();
    let scanned = store
        .run_stats_by_scan(&RunFilter::default(), 0)
        .await
        .unwrap();
    assert!(
        all.runs.success >= scanned.runs.success + 1000,
        "the unfiltered report is read from the roll-ups"
    );

    let scanned_filters = [
        (
            RunFilter {
                ratings: vec![RatingFilter::Up],
                ..RunFilter::default()
            },
            7,
        ),
        (
            RunFilter {
                ratings: vec![RatingFilter::Down],
                ..RunFilter::default()
            },
            1,
        ),
        (
            RunFilter {
                tags: vec!["keep".into()],
                ..RunFilter::default()
            },
            2,
        ),
        (
            RunFilter {
                query: Some("pelican".into()),
                ..RunFilter::default()
            },
            8,
        ),
        (
            RunFilter {
                sources: vec!["llm".into()],
                ..RunFilter::default()
            },
            0,
        ),
        (
            RunFilter {
                whose: Some(promptline_core::Whose::Team),
                ..RunFilter::default()
            },
            0,
        ),
        (
            RunFilter {
                whose: Some(promptline_core::Whose::Mine),
                ..RunFilter::default()
            },
            80,
        ),
    ];
    for (filter, runs) in scanned_filters {
        let stats = store.run_stats(&filter, 0).await.unwrap();
        assert_eq!(stats.runs.total(), runs, "{filter:?}");
        assert_eq!(stats, store.run_stats_by_scan(&filter, 0).await.unwrap());
        assert_eq!(store.count_runs(&filter).await.unwrap(), runs);
    }
}
