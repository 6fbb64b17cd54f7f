//! `promptline provider`: the APIs model addresses point at, kept in the database so the desktop
//! app sees the same ones.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use promptline_core::keys::Keychain;
use promptline_core::providers::{NewProvider, ProviderConfig, ProviderKind};
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
    /// Remove a provider (its runs stay in the history)
    Rm(RmArgs),
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
    /// The environment variable holding its key when the keychain has none (its name, not the key)
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

/// A provider as `provider list --json` prints it: the configuration plus where its key is.
#[derive(Debug, Serialize)]
struct Listed {
    #[serde(flatten)]
    config: ProviderConfig,
    /// `keychain`, `env`, `missing` or `none` (needs none).
    key: &'static str,
}

fn key_source(config: &ProviderConfig) -> &'static str {
    if config.kind == ProviderKind::Echo {
        return "none";
    }
    if matches!(Keychain::get(&config.name), Ok(Some(_))) {
        return "keychain";
    }
    match &config.key_env {
        Some(var) if std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) => "env",
        Some(_) => "missing",
        None => "none",
    }
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
            let listed: Vec<Listed> = store
                .list_providers()
                .await?
                .into_iter()
                .map(|config| Listed {
                    key: key_source(&config),
                    config,
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
            outln!("{:<14}  {:<9}  {:<50}  KEY", "NAME", "KIND", "BASE URL");
            for item in &listed {
                let key = match (item.key, &item.config.key_env) {
                    ("env", Some(var)) => format!("${var}"),
                    ("missing", Some(var)) => {
                        format!(
                            "missing: promptline key set {} or set {var}",
                            item.config.name
                        )
                    }
                    (source, _) => source.to_owned(),
                };
                let base = if item.config.base_url.is_empty() {
                    "(offline demo)"
                } else {
                    item.config.base_url.as_str()
                };
                outln!(
                    "{:<14}  {:<9}  {:<50}  {key}",
                    item.config.name,
                    item.config.kind,
                    base
                );
            }
        }
        ProviderCommand::Rm(args) => {
            store.remove_provider(&args.name).await?;
            let had_key = Keychain::delete(&args.name).unwrap_or(false);
            eprintln!(
                "Removed {}{}; its runs stay in the history.",
                args.name.trim(),
                if had_key { " and its stored key" } else { "" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
