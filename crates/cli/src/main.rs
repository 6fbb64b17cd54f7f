//! `promptline`: run prompts and script the run history from a terminal.

/// `println!` that returns the write error instead of panicking, so a closed pipe
/// (`promptline stats | head -1`) ends the command quietly (see `is_broken_pipe`).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?;
    }};
}

mod commands;
mod mcp;
mod output;
mod timearg;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use promptline_core::Store;

/// Run LLM prompts and keep, search and export the history of every run.
#[derive(Debug, Parser)]
#[command(name = "promptline", version, about, max_term_width = 100)]
struct Cli {
    /// The database file [default: the desktop app's, in the OS data directory]
    #[arg(long, global = true, env = "PROMPTLINE_DB", value_name = "PATH")]
    db: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add, list, show, edit and remove saved prompts
    #[command(subcommand)]
    Prompt(commands::prompt::PromptCommand),
    /// Run a saved prompt or a text, print the response and record the run
    Run(commands::run::RunArgs),
    /// List recorded runs, newest first
    History(commands::history::HistoryArgs),
    /// Show one run in full
    Show(commands::history::ShowArgs),
    /// Delete runs: by id, or every run a filter matches (asks unless --yes; --dry-run lists them)
    Rm(commands::history::RmArgs),
    /// Import runs from a JSONL file or the llm CLI's logs.db (one transaction; ids are kept)
    Import(commands::transfer::ImportArgs),
    /// Export runs as JSONL, JSON or CSV
    Export(commands::transfer::ExportArgs),
    /// Runs per day by status and per model: runs, errors, latency (p50, p95), tokens and cost
    Stats(commands::stats::StatsArgs),
    /// What runs cost: your prices, the price table, the monthly budget
    #[command(subcommand)]
    Prices(commands::prices::PricesCommand),
    /// Price past runs again (after a price or the price table changed)
    Reprice(commands::prices::RepriceArgs),
    /// Add, list and remove providers: the APIs that `PROVIDER/MODEL` addresses point at
    #[command(subcommand)]
    Provider(commands::provider::ProviderCommand),
    /// Store or remove a provider's API key in the OS keychain
    #[command(subcommand)]
    Key(commands::key::KeyCommand),
    /// List the models the configured providers offer, as PROVIDER/MODEL
    Models(commands::models::ModelsArgs),
    /// Share history through the team's PostgreSQL server: init, add-user, connect, status
    #[command(subcommand)]
    Team(commands::team::TeamCommand),
    /// Push your prompts, runs and deletions to the team server and pull what teammates shared
    Sync(commands::team::SyncArgs),
    /// Show or change the defaults shared with the app: default model, default timeout, theme
    Settings(commands::settings::SettingsArgs),
    /// Print where the database is
    DbPath,
    /// Compare two runs: a unified diff of the responses (and prompts) and the facts that differ
    Diff(commands::diff::DiffArgs),
    /// Rate a run up or down (none clears the rating)
    Rate(commands::annotate::RateArgs),
    /// Add tags to a run
    Tag(commands::annotate::TagArgs),
    /// Take tags off a run
    Untag(commands::annotate::TagArgs),
    /// Set a run's note ("" clears it); notes are searched with --query
    Note(commands::annotate::NoteArgs),
    /// Add, list and remove retention rules (which runs `gc` deletes)
    #[command(subcommand)]
    Retention(commands::tidy::RetentionCommand),
    /// Apply the retention rules (or --dry-run to see what they would delete)
    Gc(commands::tidy::GcArgs),
    /// Rewrite the database file without its free space (and switch it to incremental vacuum)
    Compact(commands::tidy::CompactArgs),
    /// Send runs to OpenTelemetry tools (Langfuse, Phoenix, Jaeger, ...): set, show, off
    #[command(subcommand)]
    Otel(commands::otel::OtelCommand),
    /// Serve the history and saved prompts to agents over the Model Context Protocol (stdio)
    Mcp(commands::mcp::McpArgs),
}

/// Exit codes beyond 0 (success) and 1 (a run that ended in an error).
pub mod exit {
    /// Bad input, a missing item, or a database failure: nothing was run.
    pub const FAILURE: u8 = 2;
    /// A run hit its time limit (as `timeout(1)` does).
    pub const TIMEOUT: u8 = 124;
    /// A run was cancelled with Ctrl-C.
    pub const CANCELLED: u8 = 130;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start: {error}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

/// A reader that stops early (`promptline export ... | head`) is not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().or_else(|| {
            match cause.downcast_ref::<promptline_core::Error>() {
                Some(promptline_core::Error::Io(io)) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Whether a command shows or writes costs, so runs still unpriced are priced first.
fn shows_costs(command: &Command) -> bool {
    matches!(
        command,
        Command::Prompt(_)
            | Command::History(_)
            | Command::Show(_)
            | Command::Export(_)
            | Command::Stats(_)
            | Command::Prices(_)
    )
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let db_path = match cli.db {
        Some(path) => path,
        None => promptline_core::store::default_db_path()?,
    };
    if let Command::DbPath = cli.command {
        outln!("{}", db_path.display());
        return Ok(ExitCode::SUCCESS);
    }
    // One connection: a command's queries run one after another, and each extra connection would
    // load the schema again.
    // (The MCP server is long-lived and answers requests concurrently: a pool.)
    let connections = if matches!(cli.command, Command::Mcp(_)) {
        4
    } else {
        1
    };
    let store = Store::open_with_connections(&db_path, connections).await?;
    if shows_costs(&cli.command) {
        commands::prices::catch_up(&store).await?;
    }
    let code = match cli.command {
        Command::Prompt(command) => commands::prompt::execute(&store, command).await?,
        Command::Run(args) => {
            // Loaded first, so the runs go into the export outbox as they are recorded.
            let exporter = commands::otel::live(&store).await;
            let code = commands::run::execute(&store, args).await?;
            commands::otel::flush_before_exit(&exporter).await;
            code
        }
        Command::History(args) => commands::history::list(&store, args).await?,
        Command::Show(args) => commands::history::show(&store, args).await?,
        Command::Rm(args) => commands::history::remove(&store, args).await?,
        Command::Import(args) => commands::transfer::import(&store, args).await?,
        Command::Export(args) => commands::transfer::export(&store, args).await?,
        Command::Stats(args) => commands::stats::execute(&store, args).await?,
        Command::Prices(command) => commands::prices::execute(&store, command).await?,
        Command::Reprice(args) => commands::prices::reprice(&store, args).await?,
        Command::Provider(command) => commands::provider::execute(&store, command).await?,
        Command::Key(command) => commands::key::execute(&store, command).await?,
        Command::Models(args) => commands::models::execute(&store, args).await?,
        Command::Team(command) => commands::team::execute(&store, command).await?,
        Command::Sync(args) => commands::team::sync_now(&store, args).await?,
        Command::Mcp(args) => commands::mcp::execute(&store, args).await?,
        Command::Settings(args) => commands::settings::execute(&store, args).await?,
        Command::DbPath => ExitCode::SUCCESS,
        Command::Diff(args) => commands::diff::execute(&store, args).await?,
        Command::Rate(args) => commands::annotate::rate(&store, args).await?,
        Command::Tag(args) => commands::annotate::tag(&store, args).await?,
        Command::Untag(args) => commands::annotate::untag(&store, args).await?,
        Command::Note(args) => commands::annotate::note(&store, args).await?,
        Command::Retention(command) => commands::tidy::retention(&store, command).await?,
        Command::Gc(args) => commands::tidy::gc(&store, args).await?,
        Command::Compact(args) => commands::tidy::compact(&store, args).await?,
        Command::Otel(command) => commands::otel::execute(&store, command).await?,
    };
    store.close().await;
    Ok(code)
}
