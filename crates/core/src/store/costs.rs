//! The cost columns of `runs`: which runs still need a price, writing the prices worked out for
//! them, and the spend over a span of time. How a price is worked out is not the store's business
//! (see `crate::prices`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, QueryBuilder, Sqlite};

use crate::domain::{from_micros, to_micros, RunCost, RunFilter, TokenDetails};
use crate::error::Result;
use crate::store::filter::{self, Texts};
use crate::store::time_key;
use crate::store::{Store, WriteTx};

/// What pricing a recorded run needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct PricingRow {
    /// The run's time key, to write its price back.
    pub key: i64,
    /// When it ran (prices change over time).
    pub created_at: DateTime<Utc>,
    /// The configured provider that served it.
    pub provider: String,
    /// The model as requested.
    pub model: String,
    /// The model the provider said answered, when it said (e.g. a dated id for an alias).
    pub resolved_model: Option<String>,
    /// Prompt-side tokens.
    pub input_tokens: Option<i64>,
    /// Completion-side tokens.
    pub output_tokens: Option<i64>,
    /// Cache reads and writes and reasoning tokens.
    pub token_details: TokenDetails,
}

#[derive(FromRow)]
struct Row {
    seq: i64,
    provider: String,
    model: String,
    resolved_model: Option<String>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cached_tokens: Option<i64>,
    cache_write_tokens: Option<i64>,
    reasoning_tokens: Option<i64>,
}

/// The spend over a span of time.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Spend {
    /// What the priced runs cost, in US dollars.
    pub cost_usd: f64,
    /// Runs with a cost.
    pub priced_runs: i64,
    /// All runs in the span.
    pub runs: i64,
}

impl Store {
    /// Up to `limit` runs not priced yet, newest first (the ones a user looks at first). Runs
    /// still running are left for when they end.
    pub async fn unpriced_runs(&self, limit: i64) -> Result<Vec<PricingRow>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, provider, model, resolved_model, input_tokens, output_tokens, cached_tokens, \
             cache_write_tokens, reasoning_tokens FROM runs INDEXED BY runs_unpriced \
             WHERE cost_source IS NULL AND status <> 'running' ORDER BY seq DESC LIMIT ?",
        )
        .bind(limit.max(1))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| PricingRow {
                key: row.seq,
                created_at: from_micros(time_key::micros_of(row.seq)),
                provider: row.provider,
                model: row.model,
                resolved_model: row.resolved_model,
                input_tokens: row.input_tokens,
                output_tokens: row.output_tokens,
                token_details: TokenDetails {
                    cached_tokens: row.cached_tokens,
                    cache_write_tokens: row.cache_write_tokens,
                    reasoning_tokens: row.reasoning_tokens,
                },
            })
            .collect())
    }

    /// How many runs are not priced yet.
    pub async fn count_unpriced(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM runs INDEXED BY runs_unpriced \
             WHERE cost_source IS NULL AND status <> 'running'",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// Writes the costs of runs by their time keys, in one statement; a key whose run is gone
    /// is skipped. Returns how many runs were updated.
    pub async fn set_costs(&self, costs: &[(i64, RunCost)]) -> Result<u64> {
        if costs.is_empty() {
            return Ok(0);
        }
        // SQLite caps a statement's bound values; 6 per run keeps a chunk of 1,000 well below.
        let mut updated = 0;
        // One write transaction for the batch (see `WriteTx` for why not sqlx's own).
        let mut tx = WriteTx::begin(self.pool()).await?;
        for chunk in costs.chunks(1000) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "WITH priced (seq, cost_usd, cost_source, priced_as) AS (",
            );
            query.push_values(chunk, |mut b, (key, cost)| {
                b.push_bind(*key)
                    .push_bind(cost.usd)
                    .push_bind(cost.source.as_str())
                    .push_bind(cost.priced_as.as_deref());
            });
            query.push(
                ") UPDATE runs SET cost_usd = priced.cost_usd, cost_source = priced.cost_source, \
                 priced_as = priced.priced_as FROM priced WHERE runs.seq = priced.seq",
            );
            updated += query.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(updated)
    }

    /// Marks every run `filter` matches as not priced yet, so that pricing them again (after a
    /// price changed) picks them up; their old cost stays until then. Returns how many.
    pub async fn mark_for_repricing(&self, filter: &RunFilter) -> Result<u64> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "UPDATE runs SET cost_source = NULL WHERE seq IN (SELECT r.seq",
        );
        if !filter::push_from_where(&mut query, filter, None, Texts::Without).matches_any {
            return Ok(0);
        }
        query.push(")");
        Ok(query.build().execute(self.pool()).await?.rows_affected())
    }

    /// What the runs since `since` cost (every run, whatever the filters elsewhere).
    pub async fn spend_since(&self, since: DateTime<Utc>) -> Result<Spend> {
        // The time key orders the table: the runs since a time are a range of it.
        let first_key = time_key::first_key_saturating(to_micros(since));
        let (cost_usd, priced_runs, runs): (f64, i64, i64) = sqlx::query_as(
            "SELECT coalesce(sum(cost_usd), 0.0), count(cost_usd), count(*) FROM runs WHERE seq >= ?",
        )
        .bind(first_key)
        .fetch_one(self.pool())
        .await?;
        Ok(Spend {
            cost_usd,
            priced_runs,
            runs,
        })
    }
}
