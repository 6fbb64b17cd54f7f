//! Moving history in: the Import… action (a JSONL file or an llm logs.db, chosen in the open
//! dialog) with progress events, the first-launch offer of llm's own logs.db, and the reads the
//! imported runs need (their thread, the sources in the history).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use promptline_core::importers::{self, llm, FileImport, ImportProgress};
use promptline_core::RunSummary;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Name of the event that reports how far an import has got ([`ImportProgress`]).
pub const IMPORT_PROGRESS: &str = "import-progress";

/// Progress events at most this often: enough for a smooth bar, few enough to cost nothing.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// An llm logs.db found where llm keeps it, for the first-launch offer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct LlmOffer {
    /// Where it is (`llm logs path`).
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A source of runs and how many the history holds from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SourceCount {
    /// `promptline`, `llm`, `jsonl`.
    pub source: String,
    /// Runs from it.
    pub runs: i64,
}

/// Imports `path` (JSONL or an llm logs.db, recognised by its contents) in one transaction,
/// sending [`IMPORT_PROGRESS`] events as it goes; returns the summary.
#[tauri::command]
pub async fn import_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<FileImport> {
    let store = state.store.clone();
    // The JSONL reader and the progress callback may not cross threads: the import gets its own.
    tauri::async_runtime::spawn_blocking(move || {
        let mut last = Instant::now() - PROGRESS_EVERY;
        let mut progress = |p: ImportProgress| {
            if last.elapsed() >= PROGRESS_EVERY || p.done == p.total {
                last = Instant::now();
                let _ = app.emit(IMPORT_PROGRESS, p);
            }
        };
        let path = PathBuf::from(path);
        tauri::async_runtime::block_on(importers::import_file(&store, &path, &mut progress))
            .map_err(CommandError::from)
    })
    .await
    .map_err(|e| CommandError::new("internal", format!("the import stopped: {e}")))?
}

/// llm's logs.db when it exists in llm's default place and nothing has been imported from llm
/// yet; `null` otherwise.
#[tauri::command]
pub async fn llm_import_offer(state: State<'_, AppState>) -> CommandResult<Option<LlmOffer>> {
    let Some(path) = llm::default_logs_path() else {
        return Ok(None);
    };
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(None);
    };
    if !meta.is_file() || meta.len() == 0 {
        return Ok(None);
    }
    let sources = state.store.sources_in_history().await?;
    if sources.iter().any(|(source, _)| source == llm::SOURCE) {
        return Ok(None);
    }
    Ok(Some(LlmOffer {
        path: path.display().to_string(),
        bytes: meta.len(),
    }))
}

/// The runs of a conversation, oldest first.
#[tauri::command]
pub async fn thread_runs(
    state: State<'_, AppState>,
    thread_id: String,
) -> CommandResult<Vec<RunSummary>> {
    Ok(state.store.thread_runs(&thread_id).await?)
}

/// The sources in the history with their run counts, most runs first.
#[tauri::command]
pub async fn list_sources(state: State<'_, AppState>) -> CommandResult<Vec<SourceCount>> {
    Ok(state
        .store
        .sources_in_history()
        .await?
        .into_iter()
        .map(|(source, runs)| SourceCount { source, runs })
        .collect())
}
