//! `promptline import` and `export`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use promptline_core::store::transfer::ExportFormat;
use promptline_core::Store;

use super::FilterArgs;
use crate::output::{self, count};

/// Arguments of `promptline import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A JSONL file: Promptline's own export, or runs as written by datagen's gen_runs.py
    pub file: PathBuf,
}

/// Arguments of `promptline export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// jsonl (re-importable), json or csv
    #[arg(long, value_name = "FORMAT")]
    pub format: ExportFormat,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Write here instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Imports a JSONL file.
pub async fn import(store: &Store, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let file = File::open(&args.file)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if output::stderr_is_terminal() {
        let bar = ProgressBar::new(size);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {elapsed} (eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let name = args.file.display().to_string();
    let result = store
        .import_jsonl(
            &name,
            BufReader::with_capacity(1 << 20, file),
            &mut |bytes| bar.set_position(bytes),
        )
        .await;
    bar.finish_and_clear();
    let report = result?;
    // Runs the file carried no cost for are priced now, with this database's prices.
    super::prices::catch_up(store).await?;
    outln!(
        "Imported {} runs ({} already there, skipped) and {} new prompts.",
        count(Some(report.runs_added as i64)),
        count(Some(report.runs_skipped as i64)),
        count(Some(report.prompts_added as i64)),
    );
    Ok(ExitCode::SUCCESS)
}

/// Exports the runs matching the filters.
pub async fn export(store: &Store, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let filter = args.filter.to_filter()?;
    let written = match &args.output {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let written = store.export(&filter, args.format, &mut out).await?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            eprintln!(
                "Exported {} runs to {}.",
                count(Some(written as i64)),
                path.display()
            );
            written
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            let written = store.export(&filter, args.format, &mut out).await?;
            out.flush()?;
            written
        }
    };
    let _ = written;
    Ok(ExitCode::SUCCESS)
}
