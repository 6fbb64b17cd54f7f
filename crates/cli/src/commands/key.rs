//! `promptline key`: API keys in the OS keychain. A key is read from standard input, so it never
//! appears in the shell history or the process list, and it is never printed.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use promptline_core::keys::{ApiKey, Keychain};
use promptline_core::Store;

/// Subcommands of `promptline key`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Store a provider's key, read from standard input: `promptline key set openai < key.txt`
    Set(KeyArgs),
    /// Remove a provider's stored key
    Rm(KeyArgs),
}

/// The provider a key belongs to.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The provider's name, as `promptline provider list` shows it
    pub provider: String,
}

/// Runs one `promptline key` subcommand.
pub async fn execute(store: &Store, command: KeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::Set(args) => {
            let provider = store.provider(&args.provider).await?;
            let key = read_key(&provider.name)?;
            let name = provider.name.clone();
            let stored = tokio::task::spawn_blocking(move || Keychain::set(&name, &key)).await??;
            eprintln!(
                "Stored the key for {} in {}.",
                provider.name,
                stored.describe()
            );
        }
        KeyCommand::Rm(args) => {
            let name = args.provider.trim().to_owned();
            let lookup = name.clone();
            if tokio::task::spawn_blocking(move || Keychain::delete(&lookup)).await?? {
                eprintln!("Removed the stored key for {name}.");
            } else {
                eprintln!("No key was stored for {name}.");
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
