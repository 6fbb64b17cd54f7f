//! Analytics over the runs a filter matches: runs per day by status, and per model the runs,
//! errors, tokens, cost and latency (median and 95th percentile of the successful runs).

use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};

use crate::domain::RunFilter;
use crate::error::{Error, Result};
use crate::store::filter::{self, Texts};
use crate::store::Store;

/// Most days a report spans: a filter over more days gets the last ones (about three years).
pub const MAX_DAYS: usize = 1100;

/// How many runs ended each way.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Runs that succeeded.
    pub success: i64,
    /// Runs the provider (or the network) failed.
    pub error: i64,
    /// Runs stopped by their timeout.
    pub timeout: i64,
    /// Runs cancelled by the user.
    pub cancelled: i64,
    /// Runs whose process ended before they did.
    pub interrupted: i64,
    /// Runs still in flight.
    pub running: i64,
}

impl StatusCounts {
    /// All the runs counted.
    pub fn total(&self) -> i64 {
        self.success + self.error + self.timeout + self.cancelled + self.interrupted + self.running
    }
}

/// One calendar day of runs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayStats {
    /// The day, `YYYY-MM-DD`, in the time zone the report was asked for.
    pub day: String,
    /// Its runs by status.
    pub runs: StatusCounts,
    /// Tokens its runs used.
    pub tokens: i64,
    /// What its priced runs cost, in US dollars.
    pub cost_usd: f64,
    /// How many of its runs have a cost.
    pub priced_runs: i64,
}

/// One model's runs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelStats {
    /// The provider, e.g. `openai`.
    pub provider: String,
    /// The model, e.g. `gpt-4o-mini`.
    pub model: String,
    /// Its runs by status.
    pub runs: StatusCounts,
    /// Tokens its runs used.
    pub tokens: i64,
    /// Median execution time of its successful runs, in milliseconds.
    pub p50_ms: Option<i64>,
    /// 95th percentile execution time of its successful runs, in milliseconds.
    pub p95_ms: Option<i64>,
    /// Its runs rated up.
    pub rated_up: i64,
    /// Its runs rated down.
    pub rated_down: i64,
    /// What its priced runs cost, in US dollars.
    pub cost_usd: f64,
    /// How many of its runs have a cost.
    pub priced_runs: i64,
}

impl ModelStats {
    /// The cost of 1,000 of its runs at the average of those priced; `None` when none is.
    pub fn cost_per_1k_runs(&self) -> Option<f64> {
        (self.priced_runs > 0).then(|| self.cost_usd / self.priced_runs as f64 * 1000.0)
    }
}

/// What the analytics view shows for a filter.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// Every run the filter matches, by status.
    pub runs: StatusCounts,
    /// Tokens they used.
    pub tokens: i64,
    /// What the priced ones cost, in US dollars (the sum of the runs' costs).
    pub cost_usd: f64,
    /// How many have a cost; the others have no known price and count for nothing above.
    pub priced_runs: i64,
    /// What the priced ones of the current calendar month (in the report's time zone) cost.
    pub month_cost_usd: f64,
    /// Days with runs, oldest first (at most [`MAX_DAYS`], the latest).
    pub days: Vec<DayStats>,
    /// Models, most runs first.
    pub models: Vec<ModelStats>,
}

/// Counts by status, then tokens, as a query's first seven result columns.
const COUNT_COLUMNS: &str = "sum(r.status = 'success'), sum(r.status = 'error'), \
     sum(r.status = 'timeout'), sum(r.status = 'cancelled'), sum(r.status = 'interrupted'), \
     sum(r.status = 'running'), coalesce(sum(r.tokens_used), 0)";

type Counted = (i64, i64, i64, i64, i64, i64, i64);
/// A day's row: the day, the counts by status and tokens, then cost and priced runs.
type DayRow = (String, i64, i64, i64, i64, i64, i64, i64, f64, i64);
/// A model's row: provider, model, the counts by status and tokens, runs rated up and down, then
/// cost and priced runs.
type ModelRow = (
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    f64,
    i64,
);

/// The cost of the priced runs and how many they are, as a query's last two result columns.
const COST_COLUMNS: &str = "coalesce(sum(r.cost_usd), 0.0), count(r.cost_usd)";

fn status_counts(
    (success, error, timeout, cancelled, interrupted, running, _): Counted,
) -> StatusCounts {
    StatusCounts {
        success,
        error,
        timeout,
        cancelled,
        interrupted,
        running,
    }
}

impl RunStats {
    /// A report of no runs.
    pub(crate) fn empty() -> Self {
        RunStats {
            runs: StatusCounts::default(),
            tokens: 0,
            cost_usd: 0.0,
            priced_runs: 0,
            month_cost_usd: 0.0,
            days: Vec::new(),
            models: Vec::new(),
        }
    }
}

/// Refuses an offset no time zone has.
fn check_offset(utc_offset_minutes: i32) -> Result<()> {
    if (-16 * 60..=16 * 60).contains(&utc_offset_minutes) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "the UTC offset {utc_offset_minutes} minutes is not a time zone's: use -960 to 960"
        )))
    }
}

impl Store {
    /// Runs per day and per model among those `filter` matches. Days are calendar days at
    /// `utc_offset_minutes` from UTC (the viewer's offset; e.g. 60 for UTC+1).
    ///
    /// A filter of only prompt, models, statuses and times is answered from the roll-ups the
    /// triggers keep (migration 15, [`crate::store::rollups`]); any other filter (search, whose
    /// runs, ratings, tags, sources) scans the runs it matches ([`Store::run_stats_by_scan`]).
    /// Both give the same report.
    pub async fn run_stats(&self, filter: &RunFilter, utc_offset_minutes: i32) -> Result<RunStats> {
        check_offset(utc_offset_minutes)?;
        if crate::store::rollups::answer(filter) {
            self.run_stats_from_rollups(filter, utc_offset_minutes)
                .await
        } else {
            self.run_stats_by_scan(filter, utc_offset_minutes).await
        }
    }

    /// [`Store::run_stats`] by reading every run the filter matches (three scans at once): what
    /// any filter can use, and what the roll-ups are checked against.
    pub async fn run_stats_by_scan(
        &self,
        filter: &RunFilter,
        utc_offset_minutes: i32,
    ) -> Result<RunStats> {
        check_offset(utc_offset_minutes)?;
        let offset_seconds = i64::from(utc_offset_minutes) * 60;
        let mut stats = RunStats::empty();

        // The time key is microseconds << 10: `seq >> 10` is the run's time.
        let mut days = QueryBuilder::<Sqlite>::new("SELECT date((r.seq >> 10) / 1000000 + ");
        days.push_bind(offset_seconds).push(format!(
            ", 'unixepoch') AS day, {COUNT_COLUMNS}, {COST_COLUMNS}"
        ));
        if !filter::push_from_where(&mut days, filter, None, Texts::Without).matches_any {
            return Ok(stats);
        }
        days.push(" GROUP BY day ORDER BY day");

        let mut models = QueryBuilder::<Sqlite>::new(format!(
            "SELECT r.provider, r.model, {COUNT_COLUMNS}, \
             sum(r.seq IN (SELECT seq FROM run_annotations WHERE rating = 1)), \
             sum(r.seq IN (SELECT seq FROM run_annotations WHERE rating = -1)), {COST_COLUMNS}"
        ));
        filter::push_from_where(&mut models, filter, None, Texts::Without);
        models.push(" GROUP BY r.provider, r.model ORDER BY count(*) DESC, r.provider, r.model");

        // Percentiles of the successful runs' execution times: each model's times in order, and
        // the ones at ranks ceil(n / 2) and ceil(n * 95 / 100).
        let mut latency = QueryBuilder::<Sqlite>::new(
            "SELECT provider, model, ms, rn, n FROM (SELECT provider, model, ms, \
             row_number() OVER (PARTITION BY provider, model ORDER BY ms) AS rn, \
             count(*) OVER (PARTITION BY provider, model) AS n \
             FROM (SELECT r.provider AS provider, r.model AS model, r.execution_time_ms AS ms, \
             r.status AS status",
        );
        filter::push_from_where(&mut latency, filter, None, Texts::Without);
        latency.push(
            ") WHERE status = 'success') \
             WHERE rn = (n + 1) / 2 OR rn = (n * 95 + 99) / 100",
        );

        // Three scans of the matching runs, each on its own pooled connection at once.
        let (day_rows, model_rows, latency_rows) = tokio::try_join!(
            days.build_query_as::<DayRow>().fetch_all(self.pool()),
            models.build_query_as::<ModelRow>().fetch_all(self.pool()),
            latency
                .build_query_as::<(String, String, i64, i64, i64)>()
                .fetch_all(self.pool()),
        )?;

        let skip = day_rows.len().saturating_sub(MAX_DAYS);
        let this_month = (chrono::Utc::now() + chrono::Duration::seconds(offset_seconds))
            .format("%Y-%m-")
            .to_string();
        for (day, a, b, c, d, e, f, g, cost_usd, priced_runs) in day_rows {
            let counted = (a, b, c, d, e, f, g);
            let tokens = counted.6;
            let runs = status_counts(counted);
            stats.runs.success += runs.success;
            stats.runs.error += runs.error;
            stats.runs.timeout += runs.timeout;
            stats.runs.cancelled += runs.cancelled;
            stats.runs.interrupted += runs.interrupted;
            stats.runs.running += runs.running;
            stats.tokens += tokens;
            stats.cost_usd += cost_usd;
            stats.priced_runs += priced_runs;
            if day.starts_with(&this_month) {
                stats.month_cost_usd += cost_usd;
            }
            stats.days.push(DayStats {
                day,
                runs,
                tokens,
                cost_usd,
                priced_runs,
            });
        }
        stats.days.drain(..skip);

        stats.models = model_rows
            .into_iter()
            .map(
                |(provider, model, a, b, c, d, e, f, g, up, down, cost_usd, priced_runs)| {
                    ModelStats {
                        provider,
                        model,
                        tokens: g,
                        runs: status_counts((a, b, c, d, e, f, g)),
                        p50_ms: None,
                        p95_ms: None,
                        rated_up: up,
                        rated_down: down,
                        cost_usd,
                        priced_runs,
                    }
                },
            )
            .collect();

        for (provider, model, ms, rank, n) in latency_rows {
            let Some(entry) = stats
                .models
                .iter_mut()
                .find(|m| m.provider == provider && m.model == model)
            else {
                continue;
            };
            if rank == (n + 1) / 2 {
                entry.p50_ms = Some(ms);
            }
            if rank == (n * 95 + 99) / 100 {
                entry.p95_ms = Some(ms);
            }
        }
        Ok(stats)
    }
}
