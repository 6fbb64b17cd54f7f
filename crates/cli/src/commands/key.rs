//! `promptline key`: API keys in the OS keychain, each bound to this database and the provider's
//! origin (`promptline_core::secrets`). A key is read from standard input, so it never
//! appears in the shell history or the process list, and it is never printed.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use promptline_core::keys::{ApiKey, SystemKeys};
use promptline_core::secrets::{DatabaseId, Origin, Purpose, SecretBinding, StoredSecret, Vault};
use promptline_core::Store;
use serde::Serialize;

use crate::output;

/// Subcommands of `promptline key`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Store a provider's key for its current origin, read from standard input: `promptline key set openai < key.txt`
    Set(KeyArgs),
    /// Remove a provider's stored key (for its current origin unless --origin names another)
    Rm(RmArgs),
    /// Move a provider's key from an origin it was stored for to the provider's current origin
    Move(MoveArgs),
    /// List every secret Promptline keeps in the keychain (never the values): provider, origin, database
    List(ListArgs),
}

/// The provider a key belongs to.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The provider's name, as `promptline provider list` shows it
    pub provider: String,
}

/// Arguments of `promptline key rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The provider's name (the OWNER column of `key list`)
    pub provider: String,
    /// The origin the key is bound to, when it is not the provider's current one (as `key list` shows it)
    #[arg(long, value_name = "URL")]
    pub origin: Option<String>,
    /// The database the key belongs to, when it is not this one (the DATABASE column of `key list`)
    #[arg(long, value_name = "ID")]
    pub database: Option<String>,
}

/// Arguments of `promptline key move`.
#[derive(Debug, Args)]
pub struct MoveArgs {
    /// The provider's name
    pub provider: String,
    /// The origin the key is stored for now (as `key list` shows it)
    #[arg(long, value_name = "URL")]
    pub from: String,
}

/// Arguments of `promptline key list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// A stored secret as `key list --json` prints it.
#[derive(Debug, Serialize)]
struct Listed {
    #[serde(flatten)]
    stored: StoredSecret,
    /// Whether it belongs to the database this command opened.
    this_database: bool,
    /// Whether a provider of this database uses it now (its name and current origin match).
    in_use: bool,
}

/// Runs one `promptline key` subcommand.
pub async fn execute(store: &Store, command: KeyCommand) -> anyhow::Result<ExitCode> {
    let keys = SystemKeys::for_store(store).await?;
    match command {
        KeyCommand::Set(args) => {
            let provider = store.provider(&args.provider).await?;
            let Some(binding) = keys.binding(&provider)? else {
                anyhow::bail!("{} is the offline demo: it needs no key", provider.name);
            };
            let key = read_key(&provider.name)?;
            let stored =
                tokio::task::spawn_blocking(move || keys.store_key(&provider, &key)).await??;
            eprintln!(
                "Stored the key for {} in {}, for {} only (this database).",
                binding.owner,
                stored.describe(),
                binding.origin
            );
            if let Some(var) = store.provider(&binding.owner).await?.key_env {
                if std::env::var(&var).is_ok_and(|v| !v.trim().is_empty()) {
                    eprintln!("Note: ${var} is set, and it takes precedence over the stored key while it is.");
                }
            }
        }
        KeyCommand::Rm(args) => {
            let name = args.provider.trim().to_owned();
            let database = match &args.database {
                Some(id) => DatabaseId::new(id.trim())?,
                None => keys.database().clone(),
            };
            let origin = match &args.origin {
                Some(url) => Origin::parse(url)?,
                None => {
                    let provider = store.provider(&name).await.map_err(|_| {
                        anyhow::anyhow!(
                            "no provider named `{name}` in this database: pass --origin URL \
                             (and --database ID) as `promptline key list` shows them"
                        )
                    })?;
                    keys.binding(&provider)?
                        .map(|b| b.origin)
                        .ok_or_else(|| anyhow::anyhow!("{name} sends no key"))?
                }
            };
            let binding = SecretBinding::new(database, Purpose::ProviderKey, &name, origin);
            let shown = binding.origin.clone();
            if tokio::task::spawn_blocking(move || Vault::remove(&binding)).await?? {
                eprintln!("Removed the stored key for {name} at {shown}.");
            } else {
                eprintln!("No key was stored for {name} at {shown} (see `promptline key list`).");
            }
        }
        KeyCommand::Move(args) => {
            let provider = store.provider(&args.provider).await?;
            let from = Origin::parse(&args.from)?.to_string();
            let Some(to) = keys.binding(&provider)? else {
                anyhow::bail!("{} sends no key", provider.name);
            };
            let name = provider.name.clone();
            let moved = {
                let from = from.clone();
                tokio::task::spawn_blocking(move || keys.move_key(&provider, &from)).await??
            };
            if moved {
                eprintln!(
                    "Moved the key of {name} from {from} to {}: it is sent there from now on.",
                    to.origin
                );
            } else {
                anyhow::bail!(
                    "no key of {name} is stored for {from} (or that is its current origin already): \
                     see `promptline key list`"
                );
            }
        }
        KeyCommand::List(args) => {
            let current: Vec<SecretBinding> = store
                .list_providers()
                .await?
                .iter()
                .filter_map(|p| keys.binding(p).ok().flatten())
                .collect();
            let listed: Vec<Listed> = tokio::task::spawn_blocking(Vault::list)
                .await??
                .into_iter()
                .map(|stored| Listed {
                    this_database: &stored.binding.database == keys.database(),
                    in_use: current.contains(&stored.binding),
                    stored,
                })
                .collect();
            if args.json {
                output::print_json(&listed)?;
                return Ok(ExitCode::SUCCESS);
            }
            if listed.is_empty() {
                eprintln!("No secrets stored. Store a key: promptline key set PROVIDER");
                return Ok(ExitCode::SUCCESS);
            }
            outln!(
                "{:<9}  {:<14}  {:<36}  {:<34}  STATE",
                "PURPOSE",
                "OWNER",
                "ORIGIN",
                "DATABASE"
            );
            for item in &listed {
                let b = &item.stored.binding;
                let database = if item.this_database {
                    format!("{} (this)", b.database)
                } else {
                    b.database.to_string()
                };
                let state = match (item.this_database, item.in_use) {
                    (true, true) => "in use",
                    (true, false) => "not the provider's current origin: never sent",
                    (false, _) => "another database",
                };
                outln!(
                    "{:<9}  {:<14}  {:<36}  {:<34}  {state}",
                    b.purpose.as_str(),
                    b.owner,
                    b.origin.to_string(),
                    database
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_key(provider: &str) -> anyhow::Result<ApiKey> {
    read_secret(&format!(
        "Paste the API key for {provider} and press Enter (it is not shown):"
    ))?
    .ok_or_else(|| {
        anyhow::anyhow!(
            "no key on standard input: pipe it in, e.g. `promptline key set {provider} < key.txt`"
        )
    })
}

/// Reads a secret from standard input: asked for with `ask` and not echoed on a terminal, read
/// in full when piped. `None` when it is empty.
pub fn read_secret(ask: &str) -> anyhow::Result<Option<ApiKey>> {
    let stdin = std::io::stdin();
    let mut text = String::new();
    if stdin.is_terminal() {
        eprintln!("{ask}");
        let hidden = set_echo(false);
        let read = stdin.read_line(&mut text);
        if hidden {
            set_echo(true);
            eprintln!();
        }
        read?;
    } else {
        stdin.lock().read_to_string(&mut text)?;
    }
    Ok(ApiKey::new(text))
}

/// Turns the terminal's echo off or on with `stty`, so a pasted key is not shown; returns whether
/// it worked (where it does not, the key is read with echo on).
fn set_echo(on: bool) -> bool {
    if !cfg!(unix) {
        return false;
    }
    std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .status()
        .is_ok_and(|status| status.success())
}
