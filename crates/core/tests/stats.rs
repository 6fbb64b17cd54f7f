//! Analytics: runs per day by status and per model with latency percentiles, on a real SQLite
//! file, under the same filters as the timeline.

mod common;

use common::{file_store, new_run};
use promptline_core::{RunFilter, RunStats, RunStatus, StatusCounts, Store};

/// Two days of runs (2026-01-01 from 00:00 UTC): on the first, `alpha` succeeds 20 times taking
/// 100, 200, ..., 2000 ms and `beta` fails twice; on the second, `alpha` times out once and `beta`
/// succeeds once (500 ms) and is cancelled once. One run at 23:30 UTC on the first day.
async fn two_days() -> (Store, tempfile::TempDir) {
    let (store, dir) = file_store().await;
    let add = |minutes: i64, model: &str, status: RunStatus, ms: i64| {
        let mut run = new_run(None, minutes, model, status, "a pelican");
        run.execution_time_ms = Some(ms);
        run
    };
    let mut runs = Vec::new();
    for i in 0..20 {
        runs.push(add(i, "alpha", RunStatus::Success, (i + 1) * 100));
    }
    runs.push(add(30, "beta", RunStatus::Error, 50));
    runs.push(add(23 * 60 + 30, "beta", RunStatus::Error, 50));
    runs.push(add(24 * 60 + 10, "alpha", RunStatus::Timeout, 60_000));
    runs.push(add(24 * 60 + 20, "beta", RunStatus::Success, 500));
    runs.push(add(24 * 60 + 30, "beta", RunStatus::Cancelled, 900));
    for run in &runs {
        store.insert_run(run).await.unwrap();
    }
    (store, dir)
}

fn counts(success: i64, error: i64, timeout: i64, cancelled: i64) -> StatusCounts {
    StatusCounts {
        success,
        error,
        timeout,
        cancelled,
        ..StatusCounts::default()
    }
}

/// Each day of a report with its counts.
fn days(stats: &RunStats) -> Vec<(&str, StatusCounts)> {
    stats
        .days
        .iter()
        .map(|d| (d.day.as_str(), d.runs))
        .collect()
}

#[tokio::test]
async fn counts_runs_by_day_and_model_with_latency_percentiles() {
    let (store, _dir) = two_days().await;
    let stats = store.run_stats(&RunFilter::default(), 0).await.unwrap();
    assert_eq!(stats.runs, counts(21, 2, 1, 1));
    assert_eq!(stats.tokens, 25 * 10);

    assert_eq!(
        days(&stats),
        [
            ("2026-01-01", counts(20, 2, 0, 0)),
            ("2026-01-02", counts(1, 0, 1, 1))
        ]
    );

    let alpha = &stats.models[0];
    assert_eq!(
        (alpha.model.as_str(), alpha.runs),
        ("alpha", counts(20, 0, 1, 0))
    );
    // Successful runs only: 100..2000 ms; the median is the 10th (1000 ms), the 95th percentile
    // the 19th (1900 ms). The 60 s timeout does not count.
    assert_eq!((alpha.p50_ms, alpha.p95_ms), (Some(1000), Some(1900)));
    let beta = &stats.models[1];
    assert_eq!(
        (beta.model.as_str(), beta.runs),
        ("beta", counts(1, 2, 0, 1))
    );
    assert_eq!((beta.p50_ms, beta.p95_ms), (Some(500), Some(500)));
}

#[tokio::test]
async fn days_are_the_viewers_days() {
    let (store, _dir) = two_days().await;
    // At UTC+1 the 23:30 UTC error falls on the second day.
    let stats = store.run_stats(&RunFilter::default(), 60).await.unwrap();
    assert_eq!(
        days(&stats),
        [
            ("2026-01-01", counts(20, 1, 0, 0)),
            ("2026-01-02", counts(1, 1, 1, 1))
        ]
    );
    let error = store
        .run_stats(&RunFilter::default(), 24 * 60)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("-960 to 960"), "{error}");
}

#[tokio::test]
async fn follows_the_timeline_filter() {
    let (store, _dir) = two_days().await;
    let errors = RunFilter {
        statuses: vec![RunStatus::Error],
        ..Default::default()
    };
    let stats = store.run_stats(&errors, 0).await.unwrap();
    assert_eq!(stats.runs, counts(0, 2, 0, 0));
    assert_eq!(stats.models.len(), 1);
    assert_eq!(
        stats.models[0].p50_ms, None,
        "no successful runs, no latency"
    );

    let beta = RunFilter {
        models: vec!["beta".into()],
        query: Some("pelican".into()),
        ..Default::default()
    };
    let stats = store.run_stats(&beta, 0).await.unwrap();
    assert_eq!(stats.runs, counts(1, 2, 0, 1));

    let nothing = RunFilter {
        query: Some("walrus".into()),
        ..Default::default()
    };
    let stats = store.run_stats(&nothing, 0).await.unwrap();
    assert_eq!(stats.runs.total(), 0);
    assert!(stats.days.is_empty() && stats.models.is_empty());
}
