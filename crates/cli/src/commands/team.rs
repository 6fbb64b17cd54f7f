//! `promptline team` and `promptline sync`: share history through the team's PostgreSQL server.
//! Passwords come from the URL or standard input and go to the OS keychain (members) or nowhere
//! (the admin's); they are never printed.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use promptline_core::keys::ApiKey;
use promptline_core::sync::{self, admin, Team};
use promptline_core::Store;
use serde::Serialize;

use crate::output;

/// Subcommands of `promptline team`.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Set up (or update) the team schema on the server, as its admin
    Init {
        /// postgres://ADMIN[:PASSWORD]@HOST[:PORT]/DATABASE: a role with CREATEROLE that may create
        /// schemas in the database
        #[arg(env = "PROMPTLINE_TEAM_ADMIN_URL", value_name = "ADMIN_URL")]
        admin_url: String,
    },
    /// Add a member: a login role with the password read from standard input, and its user row
    AddUser {
        /// The member's name (lower-case letters, digits, `_`): their PostgreSQL role
        name: String,
        /// The admin's URL, as for `team init`
        #[arg(
            long = "server",
            env = "PROMPTLINE_TEAM_ADMIN_URL",
            value_name = "ADMIN_URL"
        )]
        admin_url: String,
    },
    /// Remove a member: their role, and their prompts and runs on the server
    RemoveUser {
        /// The member's name
        name: String,
        /// The admin's URL, as for `team init`
        #[arg(
            long = "server",
            env = "PROMPTLINE_TEAM_ADMIN_URL",
            value_name = "ADMIN_URL"
        )]
        admin_url: String,
    },
    /// Link this history to the team server as yourself (the password goes to the OS keychain)
    Connect(ConnectArgs),
    /// Unlink from the team server and forget the password; pulled runs stay
    Disconnect,
    /// Show the link, the last sync and what waits to be pushed
    Status {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

/// `promptline team connect`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// postgres://YOU[:PASSWORD]@HOST[:PORT]/DATABASE; without a password, it is asked for
    #[arg(value_name = "URL")]
    pub url: String,
    /// Read the password from standard input instead of asking
    #[arg(long)]
    pub password_stdin: bool,
}

/// `promptline sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs one `promptline team` subcommand.
pub async fn execute(store: &Store, command: TeamCommand) -> anyhow::Result<ExitCode> {
    match command {
        TeamCommand::Init { admin_url } => {
            let applied = admin::init(&admin_url).await?;
            if applied == 0 {
                outln!("The team schema is up to date.");
            } else {
                outln!(
                    "Set up the team schema ({applied} migration{}). Add members with \
                     `promptline team add-user NAME --server ADMIN_URL`.",
                    if applied == 1 { "" } else { "s" }
                );
            }
        }
        TeamCommand::AddUser { name, admin_url } => {
            let password = super::key::read_secret(&format!(
                "Type a password for {name} and press Enter (it is not shown):"
            ))?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no password on standard input: pipe one in, e.g. \
                     `promptline team add-user {name} --server ADMIN_URL < password.txt`"
                )
            })?;
            admin::add_user(&admin_url, &name, &password).await?;
            outln!(
                "Added {name}. They connect with: promptline team connect postgres://{name}@HOST:PORT/DATABASE"
            );
        }
        TeamCommand::RemoveUser { name, admin_url } => {
            if admin::remove_user(&admin_url, &name).await? {
                outln!("Removed {name}, their role and their rows on the server.");
            } else {
                outln!("No member named {name}.");
            }
        }
        TeamCommand::Connect(args) => connect(store, args).await?,
        TeamCommand::Disconnect => {
            if sync::disconnect(store).await? {
                outln!("Disconnected. Your history and what was pulled stay here.");
            } else {
                outln!("Not connected to a team.");
            }
        }
        TeamCommand::Status { json } => status(store, json).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn connect(store: &Store, args: ConnectArgs) -> anyhow::Result<()> {
    let url = sync::url::TeamUrl::parse(&args.url)?;
    let typed: Option<ApiKey> = if url.password.is_some() {
        None
    } else if args.password_stdin || std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        super::key::read_secret(&format!(
            "Password for {} on {} (Enter for none; it is not shown):",
            url.user, url.host
        ))?
    } else {
        None
    };
    let connected = sync::connect(store, &args.url, typed).await?;
    outln!(
        "Connected to {} as {}.",
        connected.link.url,
        connected.link.user_name
    );
    if let Some(storage) = connected.password_storage {
        outln!("The password is in {}.", storage.describe());
    }
    outln!("Run `promptline sync` to push your history and pull what the team shares.");
    Ok(())
}

#[derive(Serialize)]
struct Status {
    link: Option<promptline_core::store::team::TeamLink>,
    waiting: promptline_core::store::team::SyncBacklog,
}

async fn status(store: &Store, json: bool) -> anyhow::Result<()> {
    let status = Status {
        link: store.team_link().await?,
        waiting: store.sync_backlog().await?,
    };
    if json {
        return output::print_json(&status);
    }
    let Some(link) = &status.link else {
        outln!("Not connected to a team. Connect: promptline team connect postgres://YOU@HOST/DATABASE");
        return Ok(());
    };
    outln!("server:     {}", link.url);
    outln!("user:       {}", link.user_name);
    let last = link
        .last_sync_at
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| "never".into());
    outln!("last sync:  {last}");
    if let Some(error) = &link.last_error {
        outln!("last error: {error}");
    }
    let w = status.waiting;
    outln!(
        "waiting:    {} prompts, {} runs, {} deletions",
        w.prompts,
        w.runs,
        w.deletions
    );
    Ok(())
}

/// Runs `promptline sync`.
pub async fn sync_now(store: &Store, args: SyncArgs) -> anyhow::Result<ExitCode> {
    let team = match Team::open(store).await {
        Ok(team) => team,
        Err(error) => {
            // Kept for `team status` and the app.
            store.record_sync(Some(&error.to_string())).await?;
            return Err(error.into());
        }
    };
    let Some(team) = team else {
        anyhow::bail!(
            "not connected to a team: run `promptline team connect postgres://YOU@HOST/DATABASE` first"
        );
    };
    let started = std::time::Instant::now();
    let outcome = team.sync_and_record(store).await;
    team.close().await;
    let report = outcome?;
    if args.json {
        output::print_json(&report)?;
    } else {
        outln!(
            "Pushed {} prompts, {} runs, {} deletions; pulled {} prompts, {} runs; removed {} ({} ms).",
            report.pushed_prompts,
            report.pushed_runs,
            report.pushed_deletions,
            report.pulled_prompts,
            report.pulled_runs,
            report.removed,
            started.elapsed().as_millis()
        );
        if report.held_runs > 0 {
            outln!(
                "{} runs wait: their prompt is a teammate's that is no longer shared with you.",
                report.held_runs
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
