//! What runs cost. Prices come from a maintained table, the genai-prices data (bundled with the
//! `genai-prices` crate, or a newer file `promptline prices update` downloaded), at the rates in
//! force when a run ran; prices the user set win over it. The store only keeps the results.
//!
//! - [`Pricer`] works out one run's cost; [`Pricer::load`] reads what it needs from the store.
//! - [`price_pending`] prices the runs recorded before prices existed (or marked for repricing),
//!   in batches; [`reprice`] marks a filter's runs and prices them again.
//! - [`update`] downloads the newest data file.

mod pricer;
mod table;
pub mod update;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{NewRun, RunCost, RunFilter};
use crate::error::Result;
use crate::store::costs::Spend;
use crate::store::Store;

pub use pricer::{PriceInput, Pricer};
pub use table::{table_info, PriceTableInfo};

/// How many runs [`price_pending`] prices per transaction.
pub const BATCH_RUNS: i64 = 2000;

/// Prices every run not priced yet, newest first, in batches of [`BATCH_RUNS`] (each its own
/// short transaction, so recording a run never waits long). `progress` hears the running total.
/// Returns how many runs were priced.
pub async fn price_pending(store: &Store, progress: &mut (dyn FnMut(u64) + Send)) -> Result<u64> {
    let pricer = Pricer::load(store).await?;
    let mut priced = 0u64;
    loop {
        let rows = store.unpriced_runs(BATCH_RUNS).await?;
        if rows.is_empty() {
            return Ok(priced);
        }
        let costs: Vec<_> = rows
            .iter()
            .map(|row| (row.key, pricer.price(&PriceInput::from(row))))
            .collect();
        priced += store.set_costs(&costs).await?;
        progress(priced);
        // Let a run being recorded (or the UI's queries) in between batches.
        tokio::task::yield_now().await;
    }
}

/// Prices the runs `filter` matches again with the current prices (after a user price or the
/// price data changed). Returns how many runs were priced.
pub async fn reprice(
    store: &Store,
    filter: &RunFilter,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<u64> {
    store.mark_for_repricing(filter).await?;
    price_pending(store, progress).await
}

/// The cost of a run about to be recorded, or `None` when the prices cannot be read now (the
/// run is then recorded unpriced and priced later: pricing never stops a run being recorded).
pub async fn price_new_run(store: &Store, run: &NewRun) -> Option<RunCost> {
    let pricer = Pricer::load(store).await.ok()?;
    Some(pricer.price(&PriceInput::from(run)))
}

/// The start of the calendar month `now` falls in, at `utc_offset_minutes` from UTC (the
/// viewer's time zone).
pub fn month_start(now: DateTime<Utc>, utc_offset_minutes: i32) -> DateTime<Utc> {
    let offset = chrono::Duration::minutes(i64::from(utc_offset_minutes));
    let local = (now + offset).naive_utc();
    let first = local
        .date()
        .with_day(1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap_or(local);
    Utc.from_utc_datetime(&first) - offset
}

/// This month's spend against the monthly budget.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetStatus {
    /// The monthly budget, US dollars.
    pub budget_usd: f64,
    /// The spend since the month began.
    pub spend: Spend,
    /// Whether the spend passed the budget.
    pub exceeded: bool,
}

/// The month's spend against the budget (in the viewer's time zone), or `None` when no budget
/// is set.
pub async fn budget_status(store: &Store, utc_offset_minutes: i32) -> Result<Option<BudgetStatus>> {
    let Some(budget_usd) = store.monthly_budget().await? else {
        return Ok(None);
    };
    let spend = store
        .spend_since(month_start(Utc::now(), utc_offset_minutes))
        .await?;
    Ok(Some(BudgetStatus {
        budget_usd,
        exceeded: spend.cost_usd > budget_usd,
        spend,
    }))
}
