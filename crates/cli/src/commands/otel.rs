//! `promptline otel`: where runs are sent as OpenTelemetry spans; the live export's flush before a
//! command exits; `promptline export --format otlp`, the backfill.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use promptline_core::otel::{self, backfill, client::OtlpClient, Headers, LiveExporter};
use promptline_core::{RunFilter, Store};

use crate::output::{self, count, counted};

/// How long a command that recorded runs waits for the collector before it exits.
pub const FLUSH_WITHIN: Duration = Duration::from_millis(1500);

/// Subcommands of `promptline otel`.
#[derive(Debug, Subcommand)]
pub enum OtelCommand {
    /// Send every run to an OTLP/HTTP traces endpoint from now on (the app and the CLI)
    Set(SetArgs),
    /// Show where runs are sent, how many wait and the last error
    Show(ShowArgs),
    /// Stop sending runs; forget the endpoint and the headers
    Off,
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On
    On,
    /// Off
    Off,
}

/// Arguments of `promptline otel set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The traces URL, e.g. http://localhost:4318/v1/traces [default: the one already set]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// A request header such as 'Authorization=Basic ...' (repeat for each; replaces the stored
    /// ones; the values go to the OS keychain)
    #[arg(long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// Remove the stored headers
    #[arg(long, conflicts_with = "headers")]
    pub no_headers: bool,
    /// Put prompts, responses and variable values in the spans [default: off]
    #[arg(long, value_name = "on|off")]
    pub content: Option<Switch>,
}

/// Arguments of `promptline otel show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Print it as JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs one `promptline otel` subcommand.
pub async fn execute(store: &Store, command: OtelCommand) -> anyhow::Result<ExitCode> {
    match command {
        OtelCommand::Set(args) => set(store, args).await,
        OtelCommand::Show(args) => show(store, args).await,
        OtelCommand::Off => {
            let dropped = otel::turn_off(store).await?;
            eprintln!("Runs are no longer sent; the endpoint and its headers are forgotten.");
            if dropped > 0 {
                eprintln!(
                    "{} waiting to be sent: send them with `promptline export --format otlp --endpoint URL`.",
                    counted(dropped as i64, "run was", "runs were")
                );
            }
            if let Some(var) = environment_endpoint() {
                eprintln!(
                    "Note: {var} is set in this shell, so commands run here still send runs."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn set(store: &Store, args: SetArgs) -> anyhow::Result<ExitCode> {
    let headers = if args.no_headers {
        Some(Headers::default())
    } else if args.headers.is_empty() {
        None
    } else {
        let pairs = args
            .headers
            .iter()
            .map(|pair| Headers::parse_pair(pair))
            .collect::<Result<Vec<_>, _>>()?;
        Some(Headers::new(pairs)?)
    };
    let change = otel::SettingsChange {
        endpoint: args.endpoint.clone(),
        headers,
        capture_content: args.content.map(|s| s == Switch::On),
    };
    let saved = otel::save_settings(store, change).await?;
    let settings = store.otel_settings().await?;
    let endpoint = settings.endpoint.unwrap_or_default();
    eprintln!("Runs are sent to {endpoint} from now on (the app and the CLI).");
    if let Some(place) = saved.stored {
        eprintln!("The header values are in {}.", place.describe());
    }
    if let Some(origin) = saved.headers_left_behind {
        eprintln!(
            "The headers were given for {origin} and are not sent to another server: they were \
             removed. Give them again for this endpoint with --header NAME=VALUE."
        );
    }
    eprintln!(
        "Content (prompts, responses, variable values): {}.",
        if settings.capture_content {
            "sent"
        } else {
            "not sent (turn on with --content on)"
        }
    );
    if !endpoint.contains("/v1/traces") {
        eprintln!(
            "Note: the endpoint is the full traces URL; most receivers end in /v1/traces \
             (e.g. http://localhost:4318/v1/traces)."
        );
    }
    if let Some(var) = environment_endpoint() {
        eprintln!("Note: {var} is set in this shell and wins over the saved endpoint here.");
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(store: &Store, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let exporter = LiveExporter::load(store).await;
    let status = exporter.status().await?;
    if args.json {
        output::print_json(&status)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(endpoint) = &status.endpoint else {
        match &status.last_error {
            Some(error) => println!("Not sending runs: {error}"),
            None => println!(
                "Not sending runs. Set an endpoint with `promptline otel set --endpoint URL`."
            ),
        }
        return Ok(ExitCode::SUCCESS);
    };
    println!(
        "endpoint   {endpoint} (from {})",
        status.endpoint_source.as_deref().unwrap_or("settings")
    );
    let headers = if status.header_names.is_empty() {
        "none".to_owned()
    } else {
        format!("{} (values hidden)", status.header_names.join(", "))
    };
    println!("headers    {headers}");
    println!(
        "content    {}",
        if status.capture_content { "on" } else { "off" }
    );
    println!("state      {}", status.state);
    println!("waiting    {}", counted(status.waiting, "run", "runs"));
    if let Some(at) = status.last_sent_at {
        println!("last sent  {}", output::local_time(at));
    }
    if let Some(error) = &status.last_error {
        println!("last error {error}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The exporter for a command that records runs: loaded before the runs, so they go into the
/// outbox in the transaction that records them.
pub async fn live(store: &Store) -> LiveExporter {
    LiveExporter::load(store).await
}

/// Sends the outbox before the command exits, waiting [`FLUSH_WITHIN`] at most; says on standard
/// error when runs were left waiting.
pub async fn flush_before_exit(exporter: &LiveExporter) {
    if !exporter.is_on() {
        return;
    }
    let report = exporter.flush(FLUSH_WITHIN).await;
    if let Some(error) = report.error {
        eprintln!(
            "note: {} to be sent as OpenTelemetry spans: {error}",
            counted(report.waiting, "run waits", "runs wait")
        );
    }
}

fn environment_endpoint() -> Option<&'static str> {
    [
        otel::config::ENV_TRACES_ENDPOINT,
        otel::config::ENV_ENDPOINT,
    ]
    .into_iter()
    .find(|var| std::env::var(var).is_ok_and(|v| !v.trim().is_empty()))
}

/// `promptline export --format otlp`: sends past runs matching `filter`, with a progress bar.
pub async fn backfill(
    store: &Store,
    endpoint: Option<&str>,
    filter: &RunFilter,
) -> anyhow::Result<ExitCode> {
    let Some(config) = otel::load_config(store, endpoint).await? else {
        anyhow::bail!(
            "no OTLP endpoint: pass --endpoint URL (e.g. http://localhost:4318/v1/traces), \
             set one with `promptline otel set --endpoint URL`, or set OTEL_EXPORTER_OTLP_ENDPOINT"
        );
    };
    let target = config.endpoint.clone();
    let client = OtlpClient::new(config)?;
    let bar = if output::stderr_is_terminal() {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs {elapsed} ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let result = backfill::backfill(
        store,
        &client,
        filter,
        &mut |total| bar.set_length(total),
        &mut |sent| bar.set_position(sent),
    )
    .await;
    bar.finish_and_clear();
    let report = result?;
    let seconds = started.elapsed().as_secs_f64();
    let rate = if seconds > 0.0 {
        format!(" ({:.0} runs/s)", report.sent as f64 / seconds)
    } else {
        String::new()
    };
    eprintln!(
        "Sent {} to {target} in {seconds:.1} s{rate}; {} already sent before were skipped.",
        counted(report.sent as i64, "run", "runs"),
        count(Some(report.already_sent as i64)),
    );
    if report.dropped_by_collector > 0 {
        eprintln!(
            "The collector reported {} spans as dropped after receiving them.",
            count(Some(report.dropped_by_collector as i64))
        );
    }
    Ok(ExitCode::SUCCESS)
}
