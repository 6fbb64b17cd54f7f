//! The price table: the genai-prices data bundled with the crate, or the newer file that
//! `prices update` keeps in the database. Decoding a file takes tens of milliseconds, so the
//! decoded table is kept for as long as the file does not change.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use genai_prices::Calculator;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::Store;

/// One decoded table and where it came from.
#[derive(Clone)]
pub(crate) enum Table {
    /// The data the crate was released with.
    Bundled,
    /// A downloaded file.
    Downloaded(Arc<Calculator>),
}

impl Table {
    pub(crate) fn calculator(&self) -> &Calculator {
        match self {
            Self::Bundled => Calculator::bundled(),
            Self::Downloaded(calculator) => calculator,
        }
    }
}

/// The last downloaded table decoded in this process.
static DOWNLOADED: Mutex<Option<(i64, Arc<Calculator>)>> = Mutex::new(None);

/// The table in use for `store`: its downloaded file when it has one, otherwise the bundled data.
pub(crate) async fn current(store: &Store) -> Result<Table> {
    let Some(stamp) = store.price_data_stamp().await? else {
        return Ok(Table::Bundled);
    };
    if let Some((cached, calculator)) = lock().as_ref() {
        if *cached == stamp {
            return Ok(Table::Downloaded(calculator.clone()));
        }
    }
    let Some(data) = store.price_data().await? else {
        return Ok(Table::Bundled);
    };
    // The file was checked when it was downloaded; should it not decode now (a newer file from a
    // later release read by an older one), the bundled data still prices runs.
    let Ok(calculator) = Calculator::from_json(data.json.as_bytes()) else {
        return Ok(Table::Bundled);
    };
    let calculator = Arc::new(calculator);
    *lock() = Some((stamp, calculator.clone()));
    Ok(Table::Downloaded(calculator))
}

fn lock() -> std::sync::MutexGuard<'static, Option<(i64, Arc<Calculator>)>> {
    DOWNLOADED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Which price table is in use, for `prices list` and Settings > Prices.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTableInfo {
    /// `bundled` (the data this release shipped with) or `downloaded` (`prices update`).
    pub source: String,
    /// Where a downloaded file came from.
    pub url: Option<String>,
    /// When it was downloaded.
    pub fetched_at: Option<DateTime<Utc>>,
    /// How many providers the table prices.
    pub providers: usize,
    /// How many models it prices.
    pub models: usize,
}

/// Describes the price table `store` uses.
pub async fn table_info(store: &Store) -> Result<PriceTableInfo> {
    let table = current(store).await?;
    let calculator = table.calculator();
    let providers = calculator.providers().count();
    let models = calculator.providers().map(|p| p.models().count()).sum();
    Ok(match table {
        Table::Bundled => PriceTableInfo {
            source: "bundled".into(),
            url: None,
            fetched_at: None,
            providers,
            models,
        },
        Table::Downloaded(_) => {
            let data = store.price_data().await?;
            PriceTableInfo {
                source: "downloaded".into(),
                url: data.as_ref().map(|d| d.url.clone()),
                fetched_at: data.map(|d| d.fetched_at),
                providers,
                models,
            }
        }
    })
}
