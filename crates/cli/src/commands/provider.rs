//! `promptline provider`: the APIs model addresses point at, kept in the database so the desktop
//! app sees the same ones.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use promptline_core::keys::{KeyOrigin, KeyStatus, SystemKeys};
use promptline_core::providers::{NewProvider, ProviderConfig, ProviderEdit, ProviderKind};
use promptline_core::secrets::Origin;
use promptline_core::Store;
use serde::Serialize;

use crate::output;

/// Subcommands of `promptline provider`.
#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Add a provider: `provider add openrouter --kind openai --base-url https://openrouter.ai/api/v1 --key-env OPENROUTER_API_KEY`
    Add(AddArgs),
    /// List the configured providers and where each one's key comes from
    List(ListArgs),
    /// Remove a provider and its stored keys (its runs stay in the history)
    Rm(RmArgs),
    /// Change a provider's kind, base URL or key variable: `provider edit lite --base-url http://localhost:4000/v1`
    Edit(EditArgs),
}

/// Arguments of `promptline provider edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The provider's name
    pub name: String,
    /// The API it speaks: openai, anthropic, gemini or echo
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<ProviderKind>,
    /// Where the API is now. A key stored for the old origin (scheme, host, port) stays with it
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The environment variable holding its key (its name, not the key)
    #[arg(long, value_name = "VAR", conflicts_with = "no_key_env")]
    pub key_env: Option<String>,
    /// Clear the key variable (a local server that needs no key)
    #[arg(long)]
    pub no_key_env: bool,
    /// Move the key stored for the old origin to the new one (you trust the new server with it)
    #[arg(long)]
    pub move_key: bool,
}

/// Arguments of `promptline provider add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The name model addresses use: NAME/MODEL
    pub name: String,
    /// The API it speaks: openai (any OpenAI-compatible server), anthropic, gemini or echo
    #[arg(long, value_parser = parse_kind)]
    pub kind: ProviderKind,
    /// Where the API is, e.g. http://localhost:1234/v1 (not needed for echo)
    #[arg(long, value_name = "URL", required_if_eq_any = [("kind", "openai"), ("kind", "anthropic"), ("kind", "gemini")])]
    pub base_url: Option<String>,
    /// The environment variable holding its key; when set, it takes precedence over a stored key (its name, not the key)
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
}

/// Arguments of `promptline provider list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `promptline provider rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The provider's name
    pub name: String,
}

fn parse_kind(text: &str) -> Result<ProviderKind, String> {
    text.parse()
        .map_err(|e: promptline_core::Error| e.to_string())
}

/// A provider as `provider list --json` prints it: the configuration plus where its key comes
/// from and for which origin.
#[derive(Debug, Serialize)]
struct Listed {
    #[serde(flatten)]
    config: ProviderConfig,
    /// `env`, `keychain`, `missing` or `none` (needs none): the source a run will use.
    key: &'static str,
    /// Where its key comes from, in full.
    key_status: KeyStatus,
}

fn key_cell(name: &str, status: &KeyStatus) -> String {
    let var = status.env.as_deref().unwrap_or("");
    let mut cell = match status.source {
        KeyOrigin::Env if status.stored.is_some() => {
            format!("${var} (overrides the stored key)")
        }
        KeyOrigin::Env => format!("${var}"),
        KeyOrigin::Keychain => "keychain".to_owned(),
        KeyOrigin::Missing => format!("missing: promptline key set {name} or set {var}"),
        KeyOrigin::None => "none".to_owned(),
    };
    if !status.stored_for_other_origins.is_empty() {
        let others: Vec<String> = status
            .stored_for_other_origins
            .iter()
            .map(Origin::to_string)
            .collect();
        cell.push_str(&format!(" [a key left for {}]", others.join(", ")));
    }
    cell
}

/// Runs one `promptline provider` subcommand.
pub async fn execute(store: &Store, command: ProviderCommand) -> anyhow::Result<ExitCode> {
    match command {
        ProviderCommand::Add(args) => {
            let added = store
                .add_provider(&NewProvider {
                    name: args.name,
                    kind: args.kind,
                    base_url: args.base_url.unwrap_or_default(),
                    key_env: args.key_env,
                })
                .await?;
            outln!("{}", added.name);
            let next = if added.kind == ProviderKind::Echo {
                String::new()
            } else if let Some(var) = &added.key_env {
                format!(
                    "; give it a key with `promptline key set {}` or by setting {var}",
                    added.name
                )
            } else {
                "; it sends no key (run `promptline key set` to give it one)".to_owned()
            };
            eprintln!(
                "Added {} ({} API at {}){next}. Try: promptline models",
                added.name,
                added.kind,
                if added.base_url.is_empty() {
                    "-"
                } else {
                    &added.base_url
                }
            );
        }
        ProviderCommand::List(args) => {
            let configs = store.list_providers().await?;
            let keys = SystemKeys::for_store(store).await?;
            let statuses = {
                let configs = configs.clone();
                tokio::task::spawn_blocking(move || keys.statuses(&configs)).await?
            };
            let listed: Vec<Listed> = configs
                .into_iter()
                .zip(statuses)
                .map(|(config, key_status)| Listed {
                    key: key_status.source.as_str(),
                    config,
                    key_status,
                })
                .collect();
            if args.json {
                output::print_json(&listed)?;
                return Ok(ExitCode::SUCCESS);
            }
            if listed.is_empty() {
                eprintln!("No providers. Add one: promptline provider add NAME --kind openai --base-url URL");
                return Ok(ExitCode::SUCCESS);
            }
            outln!(
                "{:<14}  {:<9}  {:<44}  {:<32}  KEY (the variable wins over a stored key)",
                "NAME",
                "KIND",
                "BASE URL",
                "KEY GOES TO"
            );
            for item in &listed {
                let base = if item.config.base_url.is_empty() {
                    "(offline demo)"
                } else {
                    item.config.base_url.as_str()
                };
                let origin = item
                    .key_status
                    .origin
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), Origin::to_string);
                outln!(
                    "{:<14}  {:<9}  {:<44}  {:<32}  {}",
                    item.config.name,
                    item.config.kind,
                    base,
                    origin,
                    key_cell(&item.config.name, &item.key_status)
                );
            }
        }
        ProviderCommand::Rm(args) => {
            store.remove_provider(&args.name).await?;
            let keys = SystemKeys::for_store(store).await?;
            let name = args.name.trim().to_owned();
            let removed = {
                let name = name.clone();
                tokio::task::spawn_blocking(move || keys.remove_keys(&name)).await?
            };
            let keys_note = match removed {
                Ok(0) => String::new(),
                Ok(1) => " and its stored key".to_owned(),
                Ok(n) => format!(" and its {n} stored keys"),
                Err(error) => format!(" (its stored key could not be removed: {error})"),
            };
            eprintln!("Removed {name}{keys_note}; its runs stay in the history.");
        }
        ProviderCommand::Edit(args) => edit(store, args).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn edit(store: &Store, args: EditArgs) -> anyhow::Result<()> {
    let before = store.provider(&args.name).await?;
    let edit = ProviderEdit {
        kind: args.kind,
        base_url: args.base_url.clone(),
        key_env: if args.no_key_env {
            Some(None)
        } else {
            args.key_env.clone().map(Some)
        },
    };
    let after = store.update_provider(&args.name, &edit).await?;
    let keys = SystemKeys::for_store(store).await?;
    let (old, new) = (keys.binding(&before)?, keys.binding(&after)?);
    eprintln!(
        "Changed {} ({} API at {}).",
        after.name,
        after.kind,
        if after.base_url.is_empty() {
            "-"
        } else {
            &after.base_url
        }
    );
    let (Some(old), Some(new)) = (old, new) else {
        return Ok(());
    };
    if old.origin == new.origin {
        return Ok(());
    }
    let had_key = {
        let old = old.clone();
        tokio::task::spawn_blocking(move || promptline_core::secrets::Vault::load(&old))
            .await?
            .ok()
            .flatten()
            .is_some()
    };
    if !had_key {
        return Ok(());
    }
    if args.move_key {
        let (keys, config, from) = (keys.clone(), after.clone(), before.base_url.clone());
        tokio::task::spawn_blocking(move || keys.move_key(&config, &from)).await??;
        eprintln!(
            "Moved its stored key from {} to {}: it is sent to {} from now on.",
            old.origin, new.origin, new.origin
        );
    } else {
        eprintln!(
            "Its stored key stays with {} and is not sent to {}. Store one for the new origin with \
             `promptline key set {}`, or move the old one there with \
             `promptline key move {} --from {}`.",
            old.origin, new.origin, after.name, after.name, old.origin
        );
    }
    Ok(())
}
