//! `promptline models`: what the configured providers offer, asked of their APIs.

use std::process::ExitCode;

use clap::Args;
use promptline_core::keys::SystemKeys;
use promptline_core::providers;
use promptline_core::Store;

use crate::output;

/// Arguments of `promptline models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Only this provider's models
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Print JSON: one object per provider with its models or its error
    #[arg(long)]
    pub json: bool,
}

/// Lists `PROVIDER/MODEL` addresses, one per line; providers that cannot answer are named on
/// standard error with the reason.
pub async fn execute(store: &Store, args: ModelsArgs) -> anyhow::Result<ExitCode> {
    let mut listed = providers::list_models(store, &SystemKeys::for_store(store).await?).await?;
    if let Some(only) = &args.provider {
        listed.retain(|p| &p.provider == only);
        if listed.is_empty() {
            anyhow::bail!("no provider named `{only}`: see `promptline provider list`");
        }
    }
    if args.json {
        output::print_json(&listed)?;
        return Ok(ExitCode::SUCCESS);
    }
    for provider in &listed {
        for model in &provider.models {
            if provider.provider == model.as_str() {
                outln!("{model}");
            } else {
                outln!("{}/{model}", provider.provider);
            }
        }
    }
    for provider in &listed {
        if let Some(error) = &provider.error {
            eprintln!("{}: {error}", provider.provider);
        }
    }
    Ok(ExitCode::SUCCESS)
}
