//! Analytics from the roll-ups that triggers keep on every write (migration 15): the runs of each
//! UTC day, model and status (`run_rollups`), and the same per prompt (`prompt_run_rollups`).
//!
//! [`Store::run_stats`] comes here when the filter is only prompt, models, statuses and times.
//! Whole UTC days come from the roll-ups; the runs the roll-ups cannot place are scanned, and
//! they are few: those of the partial days at the ends of the time range, and, when the report's
//! time zone is not UTC, those of the hours each UTC day gives to its neighbour in that zone
//! (read by time-key ranges, so a slice costs its own runs). Latency percentiles stay exact: the
//! run at each rank, read in order from the index of successful runs by model and execution time.

use std::collections::{BTreeMap, HashMap};

use futures_util::future::try_join_all;
use sqlx::{QueryBuilder, Sqlite};

use crate::domain::{to_micros, RunFilter};
use crate::error::Result;
use crate::store::stats::{DayStats, ModelStats, RunStats, StatusCounts, MAX_DAYS};
use crate::store::{time_key, Store};

const DAY_SECONDS: i64 = 86_400;
const DAY_MICROS: i64 = DAY_SECONDS * 1_000_000;

/// Whether the roll-ups hold all `filter` asks about: its prompt, models, statuses and times.
/// Every other field (a new one too: the pattern below must name it) needs the runs themselves.
pub(crate) fn answer(filter: &RunFilter) -> bool {
    let RunFilter {
        prompt_id: _,
        models: _,
        statuses: _,
        since: _,
        until: _,
        query,
        whose,
        ratings,
        tags,
        sources,
        prompt_version,
    } = filter;
    query.as_deref().is_none_or(|q| q.trim().is_empty())
        && prompt_version.is_none()
        && whose.is_none()
        && ratings.is_empty()
        && tags.is_empty()
        && sources.is_empty()
}

/// Runs counted by status with their tokens and cost.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    runs: StatusCounts,
    tokens: i64,
    cost_nanos: i64,
    priced_runs: i64,
}

/// One group of runs as the queries below return it: status, runs, tokens, cost, priced runs.
type Group = (String, i64, i64, i64, i64);

impl Sums {
    /// Adds (`sign` 1) or takes away (-1) a group of runs.
    fn add(&mut self, (status, runs, tokens, cost_nanos, priced_runs): &Group, sign: i64) {
        let counts = &mut self.runs;
        let count = match status.as_str() {
            "success" => &mut counts.success,
            "error" => &mut counts.error,
            "timeout" => &mut counts.timeout,
            "cancelled" => &mut counts.cancelled,
            "interrupted" => &mut counts.interrupted,
            _ => &mut counts.running,
        };
        *count += sign * runs;
        self.tokens += sign * tokens;
        self.cost_nanos += sign * cost_nanos;
        self.priced_runs += sign * priced_runs;
    }

    fn cost_usd(&self) -> f64 {
        self.cost_nanos as f64 / 1e9
    }
}

/// Which runs come from the roll-ups and which are scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    /// The whole UTC days the roll-ups answer: from this day (unbounded when `None`)...
    first_day: Option<i64>,
    /// ... to before this one.
    end_day: Option<i64>,
    /// Whether there is any whole day between.
    whole_days: bool,
    /// Time-key ranges `[from, to)` of the partial days at the ends, scanned.
    edges: Vec<(i64, i64)>,
}

impl Plan {
    fn new(since: Option<i64>, until: Option<i64>) -> Self {
        let first_day = since.map(|s| -(-s).div_euclid(DAY_MICROS));
        let end_day = until.map(|u| u.div_euclid(DAY_MICROS));
        let key = time_key::first_key_saturating;
        if let (Some(since), Some(until), Some(first), Some(end)) =
            (since, until, first_day, end_day)
        {
            if first >= end {
                return Plan {
                    first_day,
                    end_day,
                    whole_days: false,
                    edges: (since < until)
                        .then(|| (key(since), key(until)))
                        .into_iter()
                        .collect(),
                };
            }
        }
        let mut edges = Vec::new();
        if let (Some(since), Some(first)) = (since, first_day) {
            if since < first * DAY_MICROS {
                edges.push((key(since), key(first * DAY_MICROS)));
            }
        }
        if let (Some(until), Some(end)) = (until, end_day) {
            if end * DAY_MICROS < until {
                edges.push((key(end * DAY_MICROS), key(until)));
            }
        }
        Plan {
            first_day,
            end_day,
            whole_days: true,
            edges,
        }
    }
}

/// The UTC day `day` (days since 1970-01-01) as `YYYY-MM-DD`.
fn utc_date(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * DAY_SECONDS, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

/// The filter's prompt, models and statuses as ` AND ...` conditions on `alias`.
fn push_conditions(query: &mut QueryBuilder<'_, Sqlite>, filter: &RunFilter, alias: &str) {
    if let Some(prompt_id) = &filter.prompt_id {
        query
            .push(format!(" AND {alias}prompt_id = "))
            .push_bind(prompt_id.0.clone());
    }
    let statuses: Vec<String> = filter
        .statuses
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    for (column, values) in [("model", &filter.models), ("status", &statuses)] {
        if values.is_empty() {
            continue;
        }
        query.push(format!(" AND {alias}{column} IN ("));
        let mut list = query.separated(", ");
        for value in values {
            list.push_bind(value.clone());
        }
        query.push(")");
    }
}

/// The roll-up table for the filter and its conditions, from ` FROM` on.
fn push_rollups_from(query: &mut QueryBuilder<'_, Sqlite>, filter: &RunFilter, plan: &Plan) {
    query.push(if filter.prompt_id.is_some() {
        " FROM prompt_run_rollups WHERE true"
    } else {
        " FROM run_rollups WHERE true"
    });
    push_conditions(query, filter, "");
    if let Some(first) = plan.first_day {
        query.push(" AND day >= ").push_bind(first);
    }
    if let Some(end) = plan.end_day {
        query.push(" AND day < ").push_bind(end);
    }
}

/// ` FROM` the runs in the time-key ranges `[from, to)` that pass the filter.
fn push_ranges_from(
    query: &mut QueryBuilder<'_, Sqlite>,
    filter: &RunFilter,
    ranges: &[(i64, i64)],
) {
    let ranges = serde_json::to_string(ranges).unwrap_or_else(|_| "[]".to_owned());
    // The ranges drive the join, each a seek on the rowid.
    query
        .push(" FROM json_each(")
        .push_bind(ranges)
        .push(") j CROSS JOIN runs r WHERE r.seq >= j.value ->> 0 AND r.seq < j.value ->> 1");
    push_conditions(query, filter, "r.");
}

/// Runs, tokens, cost and priced runs of the scanned runs, as a query's last columns.
const SCANNED_SUMS: &str = "r.status, count(*), coalesce(sum(r.tokens_used), 0), \
     coalesce(sum(CAST(round(r.cost_usd * 1e9) AS INTEGER)), 0), count(r.cost_usd)";

impl Store {
    /// [`Store::run_stats`] for a filter [`answer`] accepts, from the roll-ups.
    pub(crate) async fn run_stats_from_rollups(
        &self,
        filter: &RunFilter,
        utc_offset_minutes: i32,
    ) -> Result<RunStats> {
        let offset = i64::from(utc_offset_minutes) * 60;
        let since = filter.since.map(to_micros);
        let until = filter.until.map(to_micros);
        let plan = Plan::new(since, until);
        let local_day = format!("date((r.seq >> 10) / 1000000 + {offset}, 'unixepoch')");

        let mut by_day = QueryBuilder::<Sqlite>::new(
            "SELECT day, status, sum(runs), sum(tokens), sum(cost_nanos), sum(priced_runs)",
        );
        push_rollups_from(&mut by_day, filter, &plan);
        by_day.push(" GROUP BY day, status");

        let mut by_model = QueryBuilder::<Sqlite>::new(
            "SELECT provider, model, status, sum(runs), sum(tokens), sum(cost_nanos), \
             sum(priced_runs)",
        );
        push_rollups_from(&mut by_model, filter, &plan);
        by_model.push(" GROUP BY provider, model, status");

        let mut edges = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {local_day}, r.provider, r.model, {SCANNED_SUMS}"
        ));
        push_ranges_from(&mut edges, filter, &plan.edges);
        edges.push(" GROUP BY 1, 2, 3, 4");

        // The rated runs are few: each is looked up by its rowid (CROSS JOIN keeps that order),
        // rather than every run of the time range looked up among the ratings.
        let mut ratings = QueryBuilder::<Sqlite>::new(
            "SELECT r.provider, r.model, sum(a.rating = 1), sum(a.rating = -1) \
             FROM run_annotations a CROSS JOIN runs r ON r.seq = a.seq WHERE a.rating IS NOT NULL",
        );
        push_conditions(&mut ratings, filter, "r.");
        if let Some(since) = since {
            ratings
                .push(" AND r.seq >= ")
                .push_bind(time_key::first_key_saturating(since));
        }
        if let Some(until) = until {
            ratings
                .push(" AND r.seq < ")
                .push_bind(time_key::first_key_saturating(until));
        }
        ratings.push(" GROUP BY r.provider, r.model");

        type DayRow = (i64, String, i64, i64, i64, i64);
        type ModelRow = (String, String, String, i64, i64, i64, i64);
        type EdgeRow = (String, String, String, String, i64, i64, i64, i64);
        let whole_days = plan.whole_days;
        let (day_rows, model_rows, edge_rows, rating_rows) = tokio::try_join!(
            async {
                if whole_days {
                    by_day
                        .build_query_as::<DayRow>()
                        .fetch_all(self.pool())
                        .await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if whole_days {
                    by_model
                        .build_query_as::<ModelRow>()
                        .fetch_all(self.pool())
                        .await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if plan.edges.is_empty() {
                    Ok(Vec::new())
                } else {
                    edges
                        .build_query_as::<EdgeRow>()
                        .fetch_all(self.pool())
                        .await
                }
            },
            ratings
                .build_query_as::<(String, String, i64, i64)>()
                .fetch_all(self.pool()),
        )?;

        // Days: each whole UTC day as the local day it mostly is, then the hours it gives to its
        // neighbour moved over, then the partial days.
        let mut days: BTreeMap<String, Sums> = BTreeMap::new();
        let mut utc_days: Vec<i64> = Vec::new();
        for (day, status, runs, tokens, cost, priced) in day_rows {
            utc_days.push(day);
            days.entry(utc_date(day))
                .or_default()
                .add(&(status, runs, tokens, cost, priced), 1);
        }
        utc_days.sort_unstable();
        utc_days.dedup();
        let key = time_key::first_key_saturating;
        let slices: Vec<(i64, i64)> = utc_days
            .iter()
            .filter(|_| offset != 0)
            .map(|&day| {
                let start = day * DAY_MICROS;
                if offset > 0 {
                    let end = start + DAY_MICROS;
                    (key(end - offset * 1_000_000), key(end))
                } else {
                    (key(start), key(start - offset * 1_000_000))
                }
            })
            .collect();

        let mut models: HashMap<(String, String), Sums> = HashMap::new();
        for (provider, model, status, runs, tokens, cost, priced) in model_rows {
            models
                .entry((provider, model))
                .or_default()
                .add(&(status, runs, tokens, cost, priced), 1);
        }
        for (day, provider, model, status, runs, tokens, cost, priced) in edge_rows {
            let group = (status, runs, tokens, cost, priced);
            days.entry(day).or_default().add(&group, 1);
            models.entry((provider, model)).or_default().add(&group, 1);
        }

        // Percentiles need each model's count of successful runs, known now; the slices only
        // move runs between days.
        let mut models: Vec<ModelStats> = models
            .into_iter()
            .map(|((provider, model), sums)| ModelStats {
                provider,
                model,
                runs: sums.runs,
                tokens: sums.tokens,
                p50_ms: None,
                p95_ms: None,
                rated_up: 0,
                rated_down: 0,
                cost_usd: sums.cost_usd(),
                priced_runs: sums.priced_runs,
            })
            .filter(|m| m.runs.total() > 0)
            .collect();
        let percentiles = try_join_all(models.iter().map(|m| self.percentiles(filter, m)));
        type SliceRow = (i64, String, String, i64, i64, i64, i64);
        let slice_rows = async {
            if slices.is_empty() {
                return Result::<Vec<SliceRow>>::Ok(Vec::new());
            }
            let mut query = QueryBuilder::<Sqlite>::new(format!(
                "SELECT (r.seq >> 10) / {DAY_MICROS}, {local_day}, {SCANNED_SUMS}"
            ));
            push_ranges_from(&mut query, filter, &slices);
            query.push(" GROUP BY 1, 2, 3");
            Ok(query
                .build_query_as::<SliceRow>()
                .fetch_all(self.pool())
                .await?)
        };
        let (percentiles, slice_rows) = tokio::try_join!(percentiles, slice_rows)?;
        for (utc_day, day, status, runs, tokens, cost, priced) in slice_rows {
            let group = (status, runs, tokens, cost, priced);
            days.entry(utc_date(utc_day)).or_default().add(&group, -1);
            days.entry(day).or_default().add(&group, 1);
        }
        for (model, (p50, p95)) in models.iter_mut().zip(percentiles) {
            model.p50_ms = p50;
            model.p95_ms = p95;
        }
        for (provider, model, up, down) in rating_rows {
            if let Some(entry) = models
                .iter_mut()
                .find(|m| m.provider == provider && m.model == model)
            {
                entry.rated_up = up;
                entry.rated_down = down;
            }
        }
        models.sort_by(|a, b| {
            b.runs
                .total()
                .cmp(&a.runs.total())
                .then_with(|| a.provider.cmp(&b.provider))
                .then_with(|| a.model.cmp(&b.model))
        });

        let mut stats = RunStats::empty();
        let this_month = (chrono::Utc::now() + chrono::Duration::seconds(offset))
            .format("%Y-%m-")
            .to_string();
        let mut month_nanos = 0;
        let mut total = Sums::default();
        for (day, sums) in days {
            if sums.runs.total() == 0 {
                continue;
            }
            let runs = sums.runs;
            for (status, count) in [
                ("success", runs.success),
                ("error", runs.error),
                ("timeout", runs.timeout),
                ("cancelled", runs.cancelled),
                ("interrupted", runs.interrupted),
                ("running", runs.running),
            ] {
                total.add(&(status.to_owned(), count, 0, 0, 0), 1);
            }
            total.tokens += sums.tokens;
            total.cost_nanos += sums.cost_nanos;
            total.priced_runs += sums.priced_runs;
            if day.starts_with(&this_month) {
                month_nanos += sums.cost_nanos;
            }
            stats.days.push(DayStats {
                day,
                runs,
                tokens: sums.tokens,
                cost_usd: sums.cost_usd(),
                priced_runs: sums.priced_runs,
            });
        }
        let skip = stats.days.len().saturating_sub(MAX_DAYS);
        stats.days.drain(..skip);
        stats.runs = total.runs;
        stats.tokens = total.tokens;
        stats.cost_usd = total.cost_usd();
        stats.priced_runs = total.priced_runs;
        stats.month_cost_usd = month_nanos as f64 / 1e9;
        stats.models = models;
        Ok(stats)
    }

    /// The median and 95th-percentile execution times of `model`'s successful runs under the
    /// filter: the runs at ranks ceil(n / 2) and ceil(n * 95 / 100), each read by walking the
    /// model's successful runs in order of time taken (`runs_success_latency`), or, in a time
    /// range, by sorting the times of the range's runs (`runs_success_by_time`).
    async fn percentiles(
        &self,
        filter: &RunFilter,
        model: &ModelStats,
    ) -> Result<(Option<i64>, Option<i64>)> {
        let n = model.runs.success;
        if n == 0 {
            return Ok((None, None));
        }
        // Which index reads the ranks: SQLite's guess takes the one by time key for both (and
        // sorts a model's every run when there is no time range: 80 ms became 160 at 100,000
        // runs). A prompt's runs are few, and its own index finds them.
        let index = match (&filter.prompt_id, filter.since.or(filter.until)) {
            (Some(_), _) => "",
            (None, None) => " INDEXED BY runs_success_latency",
            (None, Some(_)) => " INDEXED BY runs_success_by_time",
        };
        let at_rank = |rank: i64| {
            let mut query = QueryBuilder::<Sqlite>::new(format!(
                "SELECT r.execution_time_ms FROM runs r{index} WHERE r.status = 'success' \
                 AND r.provider = "
            ));
            query
                .push_bind(model.provider.clone())
                .push(" AND r.model = ")
                .push_bind(model.model.clone());
            if let Some(prompt_id) = &filter.prompt_id {
                query
                    .push(" AND r.prompt_id = ")
                    .push_bind(prompt_id.0.clone());
            }
            if let Some(since) = filter.since {
                query
                    .push(" AND r.seq >= ")
                    .push_bind(time_key::first_key_saturating(to_micros(since)));
            }
            if let Some(until) = filter.until {
                query
                    .push(" AND r.seq < ")
                    .push_bind(time_key::first_key_saturating(to_micros(until)));
            }
            query
                .push(" ORDER BY r.execution_time_ms LIMIT 1 OFFSET ")
                .push_bind(rank - 1);
            async move {
                let row: Option<(Option<i64>,)> =
                    query.build_query_as().fetch_optional(self.pool()).await?;
                Ok::<_, crate::error::Error>(row.and_then(|(ms,)| ms))
            }
        };
        tokio::try_join!(at_rank((n + 1) / 2), at_rank((n * 95 + 99) / 100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: fn(i64) -> i64 = time_key::first_key_saturating;

    #[test]
    fn whole_days_come_from_the_rollups_and_the_ends_are_scanned() {
        let unbounded = Plan::new(None, None);
        assert_eq!((unbounded.whole_days, unbounded.edges), (true, vec![]));

        // From 06:00 on day 10 to 12:00 on day 12: day 11 whole, the two ends scanned.
        let since = 10 * DAY_MICROS + DAY_MICROS / 4;
        let until = 12 * DAY_MICROS + DAY_MICROS / 2;
        let plan = Plan::new(Some(since), Some(until));
        assert_eq!((plan.first_day, plan.end_day), (Some(11), Some(12)));
        assert!(plan.whole_days);
        assert_eq!(
            plan.edges,
            vec![
                (KEY(since), KEY(11 * DAY_MICROS)),
                (KEY(12 * DAY_MICROS), KEY(until))
            ]
        );

        // Within one day: nothing whole, the range scanned.
        let plan = Plan::new(Some(since), Some(since + 1000));
        assert!(!plan.whole_days);
        assert_eq!(plan.edges, vec![(KEY(since), KEY(since + 1000))]);

        // Midnight to midnight: all whole.
        let plan = Plan::new(Some(3 * DAY_MICROS), Some(5 * DAY_MICROS));
        assert_eq!(
            (plan.first_day, plan.end_day, plan.whole_days, plan.edges),
            (Some(3), Some(5), true, vec![])
        );
    }
}
