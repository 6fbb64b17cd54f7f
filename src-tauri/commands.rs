//! The app's commands: each a few lines over promptline-core. Errors cross as [`CommandError`].

use std::io::BufWriter;
use std::sync::Arc;
use std::time::Duration;

use promptline_core::providers::{self, ModelRef};
use promptline_core::runner::{self, RunSpec, DEFAULT_TIMEOUT};
use promptline_core::store::search::SearchHit;
use promptline_core::store::transfer::ExportFormat;
use promptline_core::{
    template, Cursor, Deletion, Prompt, PromptEdit, PromptId, PromptSummary, Run, RunFilter,
    RunHead, RunId, RunStats,
};
use tauri::{AppHandle, Emitter, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;

use crate::error::{CommandError, CommandResult};
use crate::ipc::{
    ModelOption, PromptInput, RunEventPayload, RunFinishedPayload, RunsPage, StartRun, RUN_EVENT,
    RUN_FINISHED,
};
use crate::state::AppState;

/// How many prompts the list shows at most.
const PROMPT_LIST_LIMIT: i64 = 500;

/// Prompts, most recently active first, optionally only those whose name contains `search`.
#[tauri::command]
pub async fn list_prompts(
    state: State<'_, AppState>,
    search: Option<String>,
) -> CommandResult<Vec<PromptSummary>> {
    let search = search.filter(|s| !s.trim().is_empty());
    Ok(state
        .store
        .list_prompts(search.as_deref(), PROMPT_LIST_LIMIT)
        .await?)
}

/// One prompt.
#[tauri::command]
pub async fn get_prompt(state: State<'_, AppState>, id: PromptId) -> CommandResult<Prompt> {
    Ok(state.store.prompt(&id).await?)
}

/// Saves a new prompt.
#[tauri::command]
pub async fn create_prompt(
    state: State<'_, AppState>,
    input: PromptInput,
) -> CommandResult<Prompt> {
    Ok(state.store.create_prompt(&input.into_new()).await?)
}

/// Replaces a prompt's name, template and default model.
#[tauri::command]
pub async fn update_prompt(
    state: State<'_, AppState>,
    id: PromptId,
    input: PromptInput,
) -> CommandResult<Prompt> {
    Ok(state.store.edit_prompt(&id, &input.into_edit()).await?)
}

/// Deletes a prompt and its runs, undoably; says how many runs went with it.
#[tauri::command]
pub async fn delete_prompt(state: State<'_, AppState>, id: PromptId) -> CommandResult<Deletion> {
    Ok(state.store.delete_prompt_undoably(&id).await?)
}

/// How many runs a prompt has (for the delete confirmation).
#[tauri::command]
pub async fn prompt_run_count(state: State<'_, AppState>, id: PromptId) -> CommandResult<i64> {
    Ok(state.store.prompt_run_count(&id).await?)
}

/// A page of the timeline, newest first, starting after `cursor`.
#[tauri::command]
pub async fn runs_page(
    state: State<'_, AppState>,
    filter: RunFilter,
    cursor: Option<String>,
    limit: i64,
) -> CommandResult<RunsPage> {
    let cursor = cursor.map(|c| c.parse::<Cursor>()).transpose()?;
    let page = state
        .store
        .runs_page(&filter, cursor.as_ref(), limit)
        .await?;
    Ok(RunsPage {
        items: page.items,
        next_cursor: page.next_cursor.map(|c| c.to_string()),
    })
}

/// How many runs match `filter`.
#[tauri::command]
pub async fn count_runs(state: State<'_, AppState>, filter: RunFilter) -> CommandResult<i64> {
    Ok(state.store.count_runs(&filter).await?)
}

/// Runs per day and per model under `filter` (the analytics view); days are calendar days at the
/// viewer's offset from UTC.
#[tauri::command]
pub async fn run_stats(
    state: State<'_, AppState>,
    filter: RunFilter,
    utc_offset_minutes: i32,
) -> CommandResult<RunStats> {
    Ok(state.store.run_stats(&filter, utc_offset_minutes).await?)
}

/// Where `query` hits each of these runs (the runs in view whose preview does not show it).
#[tauri::command]
pub async fn search_hits(
    state: State<'_, AppState>,
    ids: Vec<RunId>,
    query: String,
) -> CommandResult<Vec<SearchHit>> {
    Ok(state.store.search_hits(&ids, &query).await?)
}

/// One run in full (loaded when a timeline entry is expanded).
#[tauri::command]
pub async fn get_run(state: State<'_, AppState>, id: RunId) -> CommandResult<Run> {
    Ok(state.store.run(&id).await?)
}

/// How many characters of the response [`get_run_head`] sends: a few screens, quick to render.
pub const HEAD_CHARS: i64 = 65_536;

/// Most characters one [`response_piece`] sends, whatever the window asks for.
pub const MAX_PIECE_CHARS: i64 = 1_048_576;

/// One run with the first [`HEAD_CHARS`] characters of its response and the response's full
/// length (what the expanded run shows first; the rest comes by [`response_piece`]).
#[tauri::command]
pub async fn get_run_head(state: State<'_, AppState>, id: RunId) -> CommandResult<RunHead> {
    Ok(state.store.run_head(&id, HEAD_CHARS).await?)
}

/// Up to `max_chars` (at most [`MAX_PIECE_CHARS`]) characters of a run's response from character
/// `start_char`; empty past its end.
#[tauri::command]
pub async fn response_piece(
    state: State<'_, AppState>,
    id: RunId,
    start_char: i64,
    max_chars: i64,
) -> CommandResult<String> {
    let max_chars = max_chars.min(MAX_PIECE_CHARS);
    Ok(state
        .store
        .response_piece(&id, start_char, max_chars)
        .await?)
}

/// Puts a run's whole `response` or `prompt` on the clipboard from here, so a response of many
/// megabytes never crosses to the window; returns how many characters were copied.
#[tauri::command]
pub async fn copy_run_text<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: RunId,
    what: String,
) -> CommandResult<i64> {
    let run = state.store.run(&id).await?;
    let text = match what.as_str() {
        "response" => run.response,
        "prompt" => run.prompt_text,
        other => {
            return Err(CommandError::new(
                "invalid_input",
                format!("cannot copy `{other}`: say `response` or `prompt`"),
            ))
        }
    };
    let chars = text.chars().count() as i64;
    app.clipboard().write_text(text).map_err(|e| {
        CommandError::new("clipboard", format!("the clipboard refused the text: {e}"))
    })?;
    Ok(chars)
}

/// Deletes these runs, undoably; says how many existed.
#[tauri::command]
pub async fn delete_runs(state: State<'_, AppState>, ids: Vec<RunId>) -> CommandResult<Deletion> {
    Ok(state.store.delete_runs_undoably(&ids).await?)
}

/// Deletes every run matching `filter`, undoably; says how many.
#[tauri::command]
pub async fn delete_matching_runs(
    state: State<'_, AppState>,
    filter: RunFilter,
) -> CommandResult<Deletion> {
    Ok(state.store.delete_matching_runs_undoably(&filter).await?)
}

/// Whether the history changed since the last call, here or in another process (the window
/// polls it to show runs the CLI records, and runs in flight as they stream).
#[tauri::command]
pub async fn history_changed(state: State<'_, AppState>) -> CommandResult<bool> {
    Ok(state.history_changed().await?)
}

/// Puts back what a delete removed (the Undo in its toast).
#[tauri::command]
pub async fn undo_deletion(state: State<'_, AppState>, id: String) -> CommandResult<Deletion> {
    Ok(state.store.undo_deletion(&id).await?)
}

/// The models the picker offers: the built-in `echo`, then every model found in the history.
#[tauri::command]
pub async fn list_models(state: State<'_, AppState>) -> CommandResult<Vec<ModelOption>> {
    let history = state.store.provider_models_in_history().await?;
    Ok(crate::models::options(&history))
}

/// The models the configured providers offer (asking each of them, so it may take a moment);
/// providers that cannot list theirs are left out here and explain why in Settings.
#[tauri::command]
pub async fn list_provider_models(state: State<'_, AppState>) -> CommandResult<Vec<ModelOption>> {
    let keys = crate::keys::snapshot(&state.store, state.store.list_providers().await?).await?;
    let listed = providers::list_models(&state.store, &keys).await?;
    Ok(crate::models::from_providers(&listed))
}

/// Writes the runs matching `filter` to `path` (chosen in the save dialog); returns how many.
#[tauri::command]
pub async fn export_runs(
    state: State<'_, AppState>,
    filter: RunFilter,
    format: String,
    path: String,
) -> CommandResult<u64> {
    let format: ExportFormat = format.parse()?;
    let store = state.store.clone();
    // The export writes through a `dyn Write`, which may not cross threads: give it its own.
    let written = tauri::async_runtime::spawn_blocking(move || {
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        let count = tauri::async_runtime::block_on(store.export(&filter, format, &mut out))?;
        std::io::Write::flush(&mut out)?;
        Ok::<u64, CommandError>(count)
    })
    .await
    .map_err(|e| CommandError::new("internal", format!("the export stopped: {e}")))?;
    written
}

/// Starts a run and returns its id at once. Its text arrives as [`RUN_EVENT`] events and its end
/// as one [`RUN_FINISHED`] event. A bad model or a missing variable fails here, before anything
/// is sent or recorded.
#[tauri::command]
pub async fn start_run<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: StartRun,
) -> CommandResult<RunId> {
    let model = ModelRef::parse(&request.model)?;
    let mut configs = Vec::new();
    if model.provider != providers::echo::PROVIDER_NAME {
        // Unknown provider: say where to add it in the app, not on the command line.
        configs.push(state.store.provider(&model.provider).await?);
    }
    let keys = crate::keys::snapshot(&state.store, configs.clone()).await?;
    configs
        .iter()
        .try_for_each(|c| crate::keys::require_key(c, &keys))?;
    let provider = providers::for_model(&state.store, &keys, &model).await?;
    template::render(&request.template, &request.variables)?;
    let params = request.params.unwrap_or_else(|| serde_json::json!({}));
    let prompt_version = match (&request.prompt_id, request.prompt_version) {
        (Some(_), Some(version)) => Some(version),
        (Some(id), None) => {
            state
                .store
                .version_for_template(id, &request.template, &params)
                .await?
        }
        (None, _) => None,
    };
    let default_timeout = state.store.user_settings().await?.default_timeout_secs;
    let mut spec = RunSpec::new(request.template, model);
    spec.prompt_id = request.prompt_id;
    spec.prompt_version = prompt_version;
    spec.variables = request.variables;
    spec.params = params;
    spec.timeout = request
        .timeout_secs
        .or(default_timeout)
        .filter(|&secs| secs > 0)
        .map_or(DEFAULT_TIMEOUT, |secs| Duration::from_secs(secs.into()));
    let run_id = spec.id.clone();
    let cancel = state.track(&run_id);
    let store = state.store.clone();
    tauri::async_runtime::spawn(finish_run(app, store, provider, spec, cancel));
    Ok(run_id)
}

async fn finish_run<R: Runtime>(
    app: AppHandle<R>,
    store: promptline_core::Store,
    provider: Arc<dyn providers::Provider>,
    spec: RunSpec,
    cancel: tokio_util::sync::CancellationToken,
) {
    let run_id = spec.id.clone();
    let events = app.clone();
    let on_event = |event: &providers::ProviderEvent| {
        let payload = RunEventPayload::new(run_id.clone(), event);
        // A closed window cannot receive events; the run is still recorded.
        let _ = events.emit(RUN_EVENT, payload);
    };
    let outcome = runner::execute(&store, provider, spec, cancel, on_event).await;
    if let Some(state) = tauri::Manager::try_state::<AppState>(&app) {
        state.untrack(&run_id);
        // The run is in the outbox (when export is on): send it now rather than at the next look.
        state.exporter.wake();
    }
    let payload = match outcome {
        Ok(run) => RunFinishedPayload {
            run_id,
            run: Some(run.summary),
            error: None,
        },
        Err(error) => RunFinishedPayload {
            run_id,
            run: None,
            error: Some(CommandError::from(error)),
        },
    };
    let _ = app.emit(RUN_FINISHED, payload);
}

/// Stops a run under way; false when it had already ended.
#[tauri::command]
pub fn cancel_run(state: State<'_, AppState>, id: RunId) -> bool {
    state.cancel(&id)
}

impl PromptInput {
    fn into_new(self) -> promptline_core::NewPrompt {
        promptline_core::NewPrompt {
            name: self.name,
            template: self.template,
            default_model: self.default_model,
            params: self.params.unwrap_or_default(),
        }
    }

    fn into_edit(self) -> PromptEdit {
        PromptEdit {
            name: Some(self.name),
            template: Some(self.template),
            default_model: Some(self.default_model),
            params: self.params,
            // The window saves as the user types: a burst of edits is one version.
            amend_draft: true,
        }
    }
}
