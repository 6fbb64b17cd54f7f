//! `promptline stats`: runs per day by status and per model (runs, errors, tokens, latency), under
//! the same filters as `history`.

use std::process::ExitCode;

use chrono::{Local, Offset};
use clap::Args;
use promptline_core::{RunStats, Store};

use super::FilterArgs;
use crate::output;

/// Arguments of `promptline stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Print JSON (days in your time zone, models most used first)
    #[arg(long)]
    pub json: bool,
}

/// Prints the report.
pub async fn execute(store: &Store, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let filter = args.filter.to_filter()?;
    let offset_minutes = Local::now().offset().fix().local_minus_utc() / 60;
    let stats = store.run_stats(&filter, offset_minutes).await?;
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
        "{} runs: {} success, {} error, {} timeout, {} cancelled{also}; {} tokens",
        r.total(),
        r.success,
        r.error,
        r.timeout,
        r.cancelled,
        stats.tokens
    );
    outln!();
    outln!(
        "{:<36}  {:>7}  {:>6}  {:>7}  {:>9}  {:>9}  {:>10}",
        "MODEL",
        "RUNS",
        "ERRORS",
        "ERROR %",
        "P50",
        "P95",
        "TOKENS"
    );
    for m in &stats.models {
        let failed = m.runs.error + m.runs.timeout;
        outln!(
            "{:<36}  {:>7}  {:>6}  {:>6.1}%  {:>9}  {:>9}  {:>10}",
            format!("{}/{}", m.provider, m.model),
            m.runs.total(),
            failed,
            100.0 * failed as f64 / m.runs.total().max(1) as f64,
            output::duration_ms(m.p50_ms),
            output::duration_ms(m.p95_ms),
            m.tokens
        );
    }
    outln!();
    outln!(
        "{:<10}  {:>7}  {:>7}  {:>6}  {:>7}  {:>9}  {:>10}",
        "DAY",
        "RUNS",
        "SUCCESS",
        "ERROR",
        "TIMEOUT",
        "CANCELLED",
        "TOKENS"
    );
    for d in stats.days.iter().rev().take(30) {
        outln!(
            "{:<10}  {:>7}  {:>7}  {:>6}  {:>7}  {:>9}  {:>10}",
            d.day,
            d.runs.total(),
            d.runs.success,
            d.runs.error,
            d.runs.timeout,
            d.runs.cancelled,
            d.tokens
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
