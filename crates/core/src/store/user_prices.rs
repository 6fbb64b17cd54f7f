//! The `user_prices` table (prices the user set, which win over the table) and `price_settings`
//! (the monthly budget and a downloaded price data file).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use crate::domain::{from_micros, now, to_micros};
use crate::error::{Error, Result};
use crate::store::Store;

/// A price the user set, in US dollars per million tokens.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPrice {
    /// The provider it is for; empty for a model of this name on any provider.
    pub provider: String,
    /// The model as runs record it, e.g. `gpt-4o-mini` or `llama3.2:latest`.
    pub model: String,
    /// Input tokens, USD per million.
    pub input_per_mtok: f64,
    /// Output tokens, USD per million.
    pub output_per_mtok: f64,
    /// Cache reads, USD per million; `None`: at the input price.
    pub cached_per_mtok: Option<f64>,
    /// When it was last set (UTC).
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(FromRow)]
struct UserPriceRow {
    provider: String,
    model: String,
    input_per_mtok: f64,
    output_per_mtok: f64,
    cached_per_mtok: Option<f64>,
    updated_at: i64,
}

/// A price data file downloaded by `prices update`.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceData {
    /// The file as downloaded (genai-prices' v2 JSON).
    pub json: String,
    /// Where it came from.
    pub url: String,
    /// When it was downloaded.
    pub fetched_at: chrono::DateTime<chrono::Utc>,
}

fn check_rate(name: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "the {name} price must be a number of US dollars per million tokens, 0 or more (got {value})"
        )))
    }
}

impl Store {
    /// Every price the user set, by provider then model.
    pub async fn user_prices(&self) -> Result<Vec<UserPrice>> {
        let rows: Vec<UserPriceRow> = sqlx::query_as(
            "SELECT provider, model, input_per_mtok, output_per_mtok, cached_per_mtok, updated_at \
             FROM user_prices ORDER BY provider, model",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| UserPrice {
                provider: row.provider,
                model: row.model,
                input_per_mtok: row.input_per_mtok,
                output_per_mtok: row.output_per_mtok,
                cached_per_mtok: row.cached_per_mtok,
                updated_at: from_micros(row.updated_at),
            })
            .collect())
    }

    /// Sets (or replaces) the price of `model` on `provider` (empty: any provider).
    pub async fn set_user_price(
        &self,
        provider: &str,
        model: &str,
        input_per_mtok: f64,
        output_per_mtok: f64,
        cached_per_mtok: Option<f64>,
    ) -> Result<UserPrice> {
        let model = model.trim();
        if model.is_empty() {
            return Err(Error::invalid(
                "name the model the price is for, e.g. gpt-4o-mini",
            ));
        }
        check_rate("input", input_per_mtok)?;
        check_rate("output", output_per_mtok)?;
        if let Some(cached) = cached_per_mtok {
            check_rate("cached input", cached)?;
        }
        let at = now();
        sqlx::query(
            "INSERT INTO user_prices (provider, model, input_per_mtok, output_per_mtok, \
             cached_per_mtok, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (provider, model) DO UPDATE SET input_per_mtok = excluded.input_per_mtok, \
             output_per_mtok = excluded.output_per_mtok, cached_per_mtok = excluded.cached_per_mtok, \
             updated_at = excluded.updated_at",
        )
        .bind(provider.trim())
        .bind(model)
        .bind(input_per_mtok)
        .bind(output_per_mtok)
        .bind(cached_per_mtok)
        .bind(to_micros(at))
        .bind(to_micros(at))
        .execute(self.pool())
        .await?;
        Ok(UserPrice {
            provider: provider.trim().to_owned(),
            model: model.to_owned(),
            input_per_mtok,
            output_per_mtok,
            cached_per_mtok,
            updated_at: at,
        })
    }

    /// Removes the price of `model` on `provider`; false when there was none.
    pub async fn remove_user_price(&self, provider: &str, model: &str) -> Result<bool> {
        let removed = sqlx::query("DELETE FROM user_prices WHERE provider = ? AND model = ?")
            .bind(provider.trim())
            .bind(model.trim())
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(removed > 0)
    }

    /// The monthly budget in US dollars, if one is set.
    pub async fn monthly_budget(&self) -> Result<Option<f64>> {
        let (budget,): (Option<f64>,) =
            sqlx::query_as("SELECT monthly_budget_usd FROM price_settings WHERE id = 1")
                .fetch_one(self.pool())
                .await?;
        Ok(budget)
    }

    /// Sets the monthly budget (more than 0 US dollars), or clears it with `None`.
    pub async fn set_monthly_budget(&self, usd: Option<f64>) -> Result<()> {
        if let Some(usd) = usd {
            if !(usd.is_finite() && usd > 0.0) {
                return Err(Error::invalid(format!(
                    "a monthly budget is an amount of US dollars above 0 (got {usd}); clear it instead"
                )));
            }
        }
        sqlx::query("UPDATE price_settings SET monthly_budget_usd = ? WHERE id = 1")
            .bind(usd)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The price data file `prices update` downloaded, if any.
    pub async fn price_data(&self) -> Result<Option<PriceData>> {
        let row: (Option<String>, Option<String>, Option<i64>) = sqlx::query_as(
            "SELECT data_json, data_url, data_fetched_at FROM price_settings WHERE id = 1",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(match row {
            (Some(json), url, at) => Some(PriceData {
                json,
                url: url.unwrap_or_default(),
                fetched_at: from_micros(at.unwrap_or_default()),
            }),
            _ => None,
        })
    }

    /// When the downloaded price data was fetched, if there is any: a cheap way to tell whether
    /// the data changed since it was last read.
    pub async fn price_data_stamp(&self) -> Result<Option<i64>> {
        let (at,): (Option<i64>,) = sqlx::query_as(
            "SELECT CASE WHEN data_json IS NULL THEN NULL ELSE data_fetched_at END \
             FROM price_settings WHERE id = 1",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(at)
    }

    /// Keeps a downloaded price data file (replacing the previous one), or with `None` goes back
    /// to the bundled data.
    pub async fn set_price_data(&self, data: Option<&PriceData>) -> Result<()> {
        sqlx::query(
            "UPDATE price_settings SET data_json = ?, data_url = ?, data_fetched_at = ? WHERE id = 1",
        )
        .bind(data.map(|d| d.json.as_str()))
        .bind(data.map(|d| d.url.as_str()))
        .bind(data.map(|d| to_micros(d.fetched_at)))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
