//! `promptline stats`: runs per day by status and per model (runs, errors, tokens, cost, latency), under
//! the same filters as `history`.

use std::process::ExitCode;

use clap::Args;
use promptline_core::{RunStats, Store};

use super::FilterArgs;
use crate::output::{self, count, counted, usd};

/// Arguments of `promptline stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Print JSON (days in your time zone, models most used first)
    #[arg(long)]
    pub json: bool,
    /// Count by reading every matching run instead of the roll-ups kept on write (slower, the
    /// same answer; for checking and benchmarks)
    #[arg(long)]
    pub scan: bool,
}

/// Prints the report.
pub async fn execute(store: &Store, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let filter = args.filter.to_filter()?;
    let offset_minutes = super::prices::utc_offset_minutes();
    let stats = if args.scan {
        store.run_stats_by_scan(&filter, offset_minutes).await?
    } else {
        store.run_stats(&filter, offset_minutes).await?
    };
    if args.json {
        output::print_json(&stats)?;
    } else if stats.runs.total() == 0 {
        eprintln!("No runs match. Run something: promptline run --text \"Hello\" --model echo");
    } else {
        print_table(&stats)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(stats: &RunStats) -> std::io::Result<()> {
    let r = &stats.runs;
    let mut also = String::new();
    for (n, word) in [(r.interrupted, "interrupted"), (r.running, "running")] {
        if n > 0 {
            also.push_str(&format!(", {n} {word}"));
        }
    }
    outln!(
        "{}: {} success, {} error, {} timeout, {} cancelled{also}; {} tokens",
        counted(r.total(), "run", "runs"),
        count(Some(r.success)),
        count(Some(r.error)),
        count(Some(r.timeout)),
        count(Some(r.cancelled)),
        count(Some(stats.tokens))
    );
    let unpriced = r.total() - stats.priced_runs;
    outln!(
        "cost: {}{}; this month: {}",
        usd(Some(stats.cost_usd)),
        if unpriced > 0 {
            format!(
                " ({} without a price not counted)",
                counted(unpriced, "run", "runs")
            )
        } else {
            String::new()
        },
        usd(Some(stats.month_cost_usd))
    );
    outln!();
    outln!(
        "{:<36}  {:>7}  {:>6}  {:>7}  {:>9}  {:>9}  {:>10}  {:>10}  {:>10}",
        "MODEL",
        "RUNS",
        "ERRORS",
        "ERROR %",
        "P50",
        "P95",
        "TOKENS",
        "COST",
        "PER 1K"
    );
    for m in &stats.models {
        let failed = m.runs.error + m.runs.timeout;
        outln!(
            "{:<36}  {:>7}  {:>6}  {:>6.1}%  {:>9}  {:>9}  {:>10}  {:>10}  {:>10}",
            format!("{}/{}", m.provider, m.model),
            m.runs.total(),
            failed,
            100.0 * failed as f64 / m.runs.total().max(1) as f64,
            output::duration_ms(m.p50_ms),
            output::duration_ms(m.p95_ms),
            m.tokens,
            usd((m.priced_runs > 0).then_some(m.cost_usd)),
            usd(m.cost_per_1k_runs()),
        );
    }
    outln!();
    outln!(
        "{:<10}  {:>7}  {:>7}  {:>6}  {:>7}  {:>9}  {:>10}  {:>10}",
        "DAY",
        "RUNS",
        "SUCCESS",
        "ERROR",
        "TIMEOUT",
        "CANCELLED",
        "TOKENS",
        "COST"
    );
    for d in stats.days.iter().rev().take(30) {
        outln!(
            "{:<10}  {:>7}  {:>7}  {:>6}  {:>7}  {:>9}  {:>10}  {:>10}",
            d.day,
            d.runs.total(),
            d.runs.success,
            d.runs.error,
            d.runs.timeout,
            d.runs.cancelled,
            d.tokens,
            usd((d.priced_runs > 0).then_some(d.cost_usd)),
        );
    }
    if stats.days.len() > 30 {
        outln!(
            "(the last 30 of {} days; --json has them all)",
            stats.days.len()
        );
    }
    Ok(())
}
