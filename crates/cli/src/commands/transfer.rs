//! `promptline import` and `export`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use promptline_core::importers::{self, FileImport, ImportFormat, ImportProgress, ProgressUnit};
use promptline_core::store::transfer::{ExportFormat, ImportReport};
use promptline_core::Store;

use super::FilterArgs;
use crate::output::{self, count, counted};

/// Arguments of `promptline import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A JSONL file (Promptline's export, or datagen's gen_runs.py) or an llm logs.db; the format
    /// is recognised by the contents
    #[arg(value_name = "FILE", required_unless_present = "from")]
    pub file: Option<PathBuf>,
    /// Import another tool's history from where it keeps it: `llm` reads $LLM_USER_PATH/logs.db,
    /// else llm's own user directory (what `llm logs path` prints)
    #[arg(long, value_name = "TOOL")]
    pub from: Option<ImportFrom>,
}

/// The tools `import --from` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFrom {
    /// Simon Willison's `llm` CLI (its logs.db)
    Llm,
}

/// Arguments of `promptline export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// jsonl (re-importable), json, csv, or otlp (send to an OpenTelemetry endpoint as spans)
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Format,
    /// With --format otlp: the traces URL [default: `promptline otel set`'s, or OTEL_EXPORTER_OTLP_*]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Write here instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Where `export` writes: a file format, or an OTLP endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSONL, JSON or CSV to a file or standard output.
    File(ExportFormat),
    /// OpenTelemetry spans to an OTLP/HTTP endpoint (a backfill).
    Otlp,
}

fn parse_format(text: &str) -> Result<Format, String> {
    if text.trim().eq_ignore_ascii_case("otlp") {
        return Ok(Format::Otlp);
    }
    text.parse()
        .map(Format::File)
        .map_err(|_| format!("unknown export format `{text}`: use jsonl, json, csv or otlp"))
}

/// Imports a JSONL file or an llm logs.db in one transaction, with a progress bar on a terminal
/// and a summary at the end.
pub async fn import(store: &Store, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let path = match (&args.file, args.from) {
        (Some(file), _) => file.clone(),
        (None, Some(ImportFrom::Llm)) => {
            let path = importers::llm::default_logs_path().ok_or_else(|| {
                anyhow::anyhow!(
                    "cannot find llm's user directory: set LLM_USER_PATH or pass the logs.db path"
                )
            })?;
            if !path.exists() {
                anyhow::bail!(
                    "there is no llm logs.db at {} (where `llm logs path` points when                      LLM_USER_PATH is {}): pass the file's path, or set LLM_USER_PATH to llm's                      directory",
                    path.display(),
                    if std::env::var_os(importers::llm::USER_PATH_ENV).is_some() {
                        "set as it is now"
                    } else {
                        "unset"
                    }
                );
            }
            path
        }
        (None, None) => anyhow::bail!("give a FILE to import, or --from llm"),
    };
    let format = importers::detect(&path)?;
    if args.from == Some(ImportFrom::Llm) && format != ImportFormat::Llm {
        anyhow::bail!(
            "{} is not an llm logs.db (not a SQLite file); nothing was imported",
            path.display()
        );
    }
    let bar = if output::stderr_is_terminal() {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    let mut styled = false;
    let started = Instant::now();
    let result = importers::import_file(store, &path, &mut |progress: ImportProgress| {
        if !styled {
            styled = true;
            let template = match progress.unit {
                ProgressUnit::Bytes => {
                    "{bar:40} {bytes}/{total_bytes} ({binary_bytes_per_sec}) {elapsed} (eta {eta})"
                }
                ProgressUnit::Runs => {
                    "{bar:40} {human_pos}/{human_len} runs ({per_sec}) {elapsed} (eta {eta})"
                }
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        bar.set_length(progress.total.max(progress.done));
        bar.set_position(progress.done);
    })
    .await;
    bar.finish_and_clear();
    let FileImport { format, report } = result?;
    // Runs the file carried no cost for are priced now, with this database's prices.
    super::prices::catch_up(store).await?;
    print_summary(&path, format, &report, started.elapsed())?;
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    path: &Path,
    format: ImportFormat,
    report: &ImportReport,
    took: Duration,
) -> std::io::Result<()> {
    outln!(
        "Imported {} ({} already there, skipped) from the {} {} in {:.1} s.",
        counted(report.runs_added as i64, "run", "runs"),
        count(Some(report.runs_skipped as i64)),
        format.describe(),
        path.display(),
        took.as_secs_f64(),
    );
    if report.threads > 0 {
        outln!(
            "  threads:    {} conversations",
            count(Some(report.threads as i64))
        );
    }
    if let (Some(first), Some(last)) = (report.first_at, report.last_at) {
        outln!(
            "  time span:  {} to {} (local time)",
            output::local_time(first),
            output::local_time(last)
        );
    }
    if report.prompts_added > 0 {
        outln!(
            "  prompts:    {} new",
            count(Some(report.prompts_added as i64))
        );
    }
    if format == ImportFormat::Llm && report.runs_added > 0 {
        outln!("See them: promptline history --source llm");
    }
    Ok(())
}

/// Exports the runs matching the filters.
pub async fn export(store: &Store, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let filter = args.filter.to_filter()?;
    let format = match args.format {
        Format::Otlp => {
            if args.output.is_some() {
                anyhow::bail!(
                    "--format otlp sends to an endpoint: use --endpoint URL, not --output"
                );
            }
            return super::otel::backfill(store, args.endpoint.as_deref(), &filter).await;
        }
        Format::File(format) => format,
    };
    if args.endpoint.is_some() {
        anyhow::bail!("--endpoint goes with --format otlp");
    }
    let written = match &args.output {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let written = store.export(&filter, format, &mut out).await?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            eprintln!(
                "Exported {} to {}.",
                counted(written as i64, "run", "runs"),
                path.display()
            );
            written
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            let written = store.export(&filter, format, &mut out).await?;
            out.flush()?;
            written
        }
    };
    let _ = written;
    Ok(ExitCode::SUCCESS)
}
