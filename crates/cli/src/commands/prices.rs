//! `promptline prices` (the user's prices, the price table, the monthly budget) and
//! `promptline reprice` (price past runs again after a change).

use std::process::ExitCode;

use chrono::{Local, Offset};
use clap::{Args, Subcommand};
use promptline_core::prices::{self, update};
use promptline_core::Store;

use super::FilterArgs;
use crate::output::{self, count, usd};

/// `promptline prices ...`
#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// List the prices you set, the price table in use and the monthly budget
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Set your price for a model (USD per million tokens); it wins over the table
    Set(SetArgs),
    /// Remove a price you set (the table's price applies again)
    Rm {
        /// The model, as runs record it (or PROVIDER/MODEL)
        model: String,
        /// The provider the price is for [default: any provider]
        #[arg(long, value_name = "PROVIDER")]
        provider: Option<String>,
    },
    /// Download the newest price table the genai-prices project publishes
    Update {
        /// Download from here instead
        #[arg(long, value_name = "URL", env = "PROMPTLINE_PRICES_URL", default_value = update::DATA_URL)]
        url: String,
        /// Go back to the price table bundled with Promptline instead
        #[arg(long, conflicts_with = "url")]
        bundled: bool,
    },
    /// Set the monthly budget in USD (`promptline prices budget off` clears it)
    Budget {
        /// An amount of US dollars, or `off`
        amount: Option<String>,
    },
}

/// Arguments of `promptline prices set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The model, as runs record it (e.g. gpt-4o-mini, llama3.2:latest), or PROVIDER/MODEL
    pub model: String,
    /// USD per million input tokens
    #[arg(long, value_name = "USD")]
    pub input: f64,
    /// USD per million output tokens
    #[arg(long, value_name = "USD")]
    pub output: f64,
    /// USD per million cached input tokens [default: the input price]
    #[arg(long, value_name = "USD")]
    pub cached: Option<f64>,
    /// Only for this provider [default: any provider serving a model of this name]
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<String>,
}

/// Arguments of `promptline reprice`.
#[derive(Debug, Args)]
pub struct RepriceArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Runs a `prices` subcommand.
pub async fn execute(store: &Store, command: PricesCommand) -> anyhow::Result<ExitCode> {
    match command {
        PricesCommand::List { json } => list(store, json).await?,
        PricesCommand::Set(args) => {
            let (provider, model) = provider_and_model(store, args.provider, &args.model).await?;
            let price = store
                .set_user_price(&provider, &model, args.input, args.output, args.cached)
                .await?;
            outln!(
                "{} now costs {} per million input tokens and {} per million output tokens{}.",
                target(&price.provider, &price.model),
                usd(Some(price.input_per_mtok)),
                usd(Some(price.output_per_mtok)),
                price
                    .cached_per_mtok
                    .map(|c| format!(" ({} cached)", usd(Some(c))))
                    .unwrap_or_default()
            );
            reprice_hint();
        }
        PricesCommand::Rm { model, provider } => {
            let (provider, model) = provider_and_model(store, provider, &model).await?;
            if !store.remove_user_price(&provider, &model).await? {
                anyhow::bail!(
                    "you set no price for {}: `promptline prices list` shows the ones you did",
                    target(&provider, &model)
                );
            }
            outln!("Removed your price for {}.", target(&provider, &model));
            reprice_hint();
        }
        PricesCommand::Update { url, bundled } => {
            if bundled {
                update::use_bundled(store).await?;
                outln!("Using the price table bundled with Promptline.");
            } else {
                let report = update::update(store, &url).await?;
                outln!(
                    "Downloaded the price table from {} ({} KB): {} models of {} providers.",
                    report.url,
                    count(Some(report.bytes as i64 / 1024)),
                    count(Some(report.models as i64)),
                    count(Some(report.providers as i64)),
                );
            }
            reprice_hint();
        }
        PricesCommand::Budget { amount } => budget(store, amount.as_deref()).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Prices the runs a filter matches again.
pub async fn reprice(store: &Store, args: RepriceArgs) -> anyhow::Result<ExitCode> {
    let filter = args.filter.to_filter()?;
    let priced = prices::reprice(store, &filter, &mut |_| {}).await?;
    outln!(
        "Priced {} run{} again.",
        count(Some(priced as i64)),
        if priced == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Prices the runs recorded before prices existed (or imported without a cost), once, before a
/// command shows costs. Says so on a terminal when there are many.
pub async fn catch_up(store: &Store) -> anyhow::Result<()> {
    let pending = store.count_unpriced().await?;
    if pending == 0 {
        return Ok(());
    }
    let tell = pending >= 10_000 && output::stderr_is_terminal();
    if tell {
        eprint!("Pricing {} runs…", count(Some(pending)));
    }
    prices::price_pending(store, &mut |_| {}).await?;
    if tell {
        eprintln!(" done.");
    }
    Ok(())
}

fn reprice_hint() {
    eprintln!(
        "Runs already recorded keep their cost; price them again with `promptline reprice [filters]`."
    );
}

fn target(provider: &str, model: &str) -> String {
    if provider.is_empty() {
        format!("{model} (any provider)")
    } else {
        format!("{provider}/{model}")
    }
}

/// `--provider P MODEL`, or `P/MODEL` when `P` is a configured provider; otherwise the model on
/// any provider.
async fn provider_and_model(
    store: &Store,
    provider: Option<String>,
    model: &str,
) -> anyhow::Result<(String, String)> {
    if let Some(provider) = provider {
        return Ok((provider, model.to_owned()));
    }
    if let Some((prefix, rest)) = model.split_once('/') {
        let configured = store.list_providers().await?;
        if configured.iter().any(|p| p.name == prefix) {
            return Ok((prefix.to_owned(), rest.to_owned()));
        }
    }
    Ok((String::new(), model.to_owned()))
}

async fn list(store: &Store, json: bool) -> anyhow::Result<()> {
    let table = prices::table_info(store).await?;
    let user = store.user_prices().await?;
    let budget = prices::budget_status(store, utc_offset_minutes()).await?;
    if json {
        output::print_json(&serde_json::json!({
            "table": table,
            "user_prices": user,
            "budget": budget,
        }))?;
        return Ok(());
    }
    match (&table.url, table.fetched_at) {
        (Some(url), Some(at)) => outln!(
            "Price table: downloaded {} from {url}",
            output::local_time(at)
        ),
        _ => outln!("Price table: bundled with Promptline (genai-prices)"),
    }
    outln!(
        "  {} models of {} providers; `promptline prices update` downloads the newest.",
        count(Some(table.models as i64)),
        count(Some(table.providers as i64))
    );
    outln!();
    if user.is_empty() {
        outln!("Your prices: none. Set one: promptline prices set MODEL --input USD --output USD");
    } else {
        outln!(
            "{:<40}  {:>12}  {:>12}  {:>12}",
            "YOUR PRICES (USD / 1M tokens)",
            "INPUT",
            "OUTPUT",
            "CACHED"
        );
        for price in &user {
            outln!(
                "{:<40}  {:>12}  {:>12}  {:>12}",
                output::clip(&target(&price.provider, &price.model), 40),
                usd(Some(price.input_per_mtok)),
                usd(Some(price.output_per_mtok)),
                price
                    .cached_per_mtok
                    .map_or_else(|| "as input".to_owned(), |c| usd(Some(c))),
            );
        }
    }
    outln!();
    match budget {
        Some(status) => outln!(
            "Monthly budget: {}; spent this month: {}{}",
            usd(Some(status.budget_usd)),
            usd(Some(status.spend.cost_usd)),
            if status.exceeded {
                " (over budget)"
            } else {
                ""
            }
        ),
        None => outln!("Monthly budget: none. Set one: promptline prices budget USD"),
    }
    Ok(())
}

async fn budget(store: &Store, amount: Option<&str>) -> anyhow::Result<()> {
    match amount {
        None => match prices::budget_status(store, utc_offset_minutes()).await? {
            Some(status) => outln!(
                "Monthly budget: {}; spent this month: {} ({} runs, {} without a price){}",
                usd(Some(status.budget_usd)),
                usd(Some(status.spend.cost_usd)),
                count(Some(status.spend.runs)),
                count(Some(status.spend.runs - status.spend.priced_runs)),
                if status.exceeded {
                    ". Over budget."
                } else {
                    "."
                }
            ),
            None => outln!("No monthly budget. Set one: promptline prices budget USD"),
        },
        Some("off" | "none") => {
            store.set_monthly_budget(None).await?;
            outln!("Monthly budget cleared.");
        }
        Some(text) => {
            let value: f64 = text.trim_start_matches('$').parse().map_err(|_| {
                anyhow::anyhow!("`{text}` is not an amount: pass US dollars, e.g. 20, or `off`")
            })?;
            store.set_monthly_budget(Some(value)).await?;
            outln!("Monthly budget: {} a month.", usd(Some(value)));
        }
    }
    Ok(())
}

/// The local time zone's offset from UTC now, in minutes.
pub fn utc_offset_minutes() -> i32 {
    Local::now().offset().fix().local_minus_utc() / 60
}
