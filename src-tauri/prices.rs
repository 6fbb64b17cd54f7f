//! Settings > Prices and the month's spend: thin commands over the core's prices module, and the
//! background pricing of runs recorded before prices existed.

use promptline_core::prices::{self, update, BudgetStatus, PriceTableInfo};
use promptline_core::store::user_prices::UserPrice;
use promptline_core::{RunFilter, Store};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::error::CommandResult;
use crate::state::AppState;

/// Name of the event sent when runs got (new) costs in the background: views that show costs
/// reload.
pub const PRICES_CHANGED: &str = "prices-changed";

/// What Settings > Prices shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PriceSettings {
    /// The price table in use.
    pub table: PriceTableInfo,
    /// The prices the user set.
    pub user_prices: Vec<UserPrice>,
    /// The monthly budget in US dollars, if set.
    pub monthly_budget_usd: Option<f64>,
    /// Runs not priced yet (being priced in the background).
    pub unpriced_runs: i64,
}

/// A price to set, in US dollars per million tokens.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UserPriceInput {
    /// The provider; empty for any provider.
    pub provider: String,
    /// The model as runs record it.
    pub model: String,
    /// Input tokens.
    pub input_per_mtok: f64,
    /// Output tokens.
    pub output_per_mtok: f64,
    /// Cached input tokens; `null`: at the input price.
    pub cached_per_mtok: Option<f64>,
}

async fn settings_of(store: &Store) -> CommandResult<PriceSettings> {
    Ok(PriceSettings {
        table: prices::table_info(store).await?,
        user_prices: store.user_prices().await?,
        monthly_budget_usd: store.monthly_budget().await?,
        unpriced_runs: store.count_unpriced().await?,
    })
}

/// The price table, the user's prices and the budget.
#[tauri::command]
pub async fn price_settings(state: State<'_, AppState>) -> CommandResult<PriceSettings> {
    settings_of(&state.store).await
}

/// Sets the user's price for a model (it wins over the table for runs recorded from now on).
#[tauri::command]
pub async fn set_user_price(
    state: State<'_, AppState>,
    input: UserPriceInput,
) -> CommandResult<UserPrice> {
    Ok(state
        .store
        .set_user_price(
            &input.provider,
            &input.model,
            input.input_per_mtok,
            input.output_per_mtok,
            input.cached_per_mtok,
        )
        .await?)
}

/// Removes one of the user's prices; false when there was none.
#[tauri::command]
pub async fn remove_user_price(
    state: State<'_, AppState>,
    provider: String,
    model: String,
) -> CommandResult<bool> {
    Ok(state.store.remove_user_price(&provider, &model).await?)
}

/// Prices the runs `filter` matches again with the current prices; returns how many.
#[tauri::command]
pub async fn reprice_runs(state: State<'_, AppState>, filter: RunFilter) -> CommandResult<u64> {
    Ok(prices::reprice(&state.store, &filter, &mut |_| {}).await?)
}

/// Sets the monthly budget, or clears it with `null`.
#[tauri::command]
pub async fn set_monthly_budget(state: State<'_, AppState>, usd: Option<f64>) -> CommandResult<()> {
    Ok(state.store.set_monthly_budget(usd).await?)
}

/// This month's spend (in the viewer's time zone) against the budget; `null` without a budget.
#[tauri::command]
pub async fn budget_status(
    state: State<'_, AppState>,
    utc_offset_minutes: i32,
) -> CommandResult<Option<BudgetStatus>> {
    Ok(prices::budget_status(&state.store, utc_offset_minutes).await?)
}

/// Downloads the newest price table (genai-prices), or goes back to the bundled one.
#[tauri::command]
pub async fn update_price_table(
    state: State<'_, AppState>,
    bundled: bool,
) -> CommandResult<PriceSettings> {
    if bundled {
        update::use_bundled(&state.store).await?;
    } else {
        update::update(&state.store, update::DATA_URL).await?;
    }
    settings_of(&state.store).await
}

/// Prices, in the background, the runs not priced yet (those recorded before prices existed),
/// and tells the window when some got a cost. The app's start does not wait for it.
pub fn price_in_background<R: Runtime>(app: AppHandle<R>, store: Store) {
    tauri::async_runtime::spawn(async move {
        match prices::price_pending(&store, &mut |_| {}).await {
            Ok(0) => {}
            Ok(priced) => {
                let _ = app.emit(PRICES_CHANGED, priced);
            }
            Err(error) => eprintln!("promptline: pricing past runs failed: {error}"),
        }
    });
}
