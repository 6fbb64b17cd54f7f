//! The commands for judging and tidying the history: ratings, tags and notes, the facts two runs
//! differ in, retention rules, the storage report and compacting. Each a few lines over the core;
//! the retention rules also run at start and daily ([`spawn_retention`]).

use std::time::Duration;

use promptline_core::diff::{self, FieldDiff};
use promptline_core::store::retention::{
    NewRetentionRule, RetentionOutcome, RetentionPlan, RetentionRule,
};
use promptline_core::store::storage::{CompactOutcome, StorageReport};
use promptline_core::store::tags::TagCount;
use promptline_core::{Annotation, Rating, RunId, RunSummary, Store};
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::error::CommandResult;
use crate::state::AppState;

/// The event sent when the retention rules deleted runs in the background (the payload is how
/// many), so the window reloads what it shows.
pub const HISTORY_PRUNED: &str = "history-pruned";

/// How often the rules run while the app is open.
const RETENTION_PERIOD: Duration = Duration::from_secs(24 * 60 * 60);

/// Rates a run up or down, or clears its rating.
#[tauri::command]
pub async fn set_rating(
    state: State<'_, AppState>,
    id: RunId,
    rating: Option<Rating>,
) -> CommandResult<Annotation> {
    Ok(state.store.set_rating(&id, rating).await?)
}

/// Sets or clears (blank) a run's note.
#[tauri::command]
pub async fn set_note(
    state: State<'_, AppState>,
    id: RunId,
    note: Option<String>,
) -> CommandResult<Annotation> {
    Ok(state.store.set_note(&id, note.as_deref()).await?)
}

/// Tags a run.
#[tauri::command]
pub async fn add_tags(
    state: State<'_, AppState>,
    id: RunId,
    tags: Vec<String>,
) -> CommandResult<Annotation> {
    Ok(state.store.add_tags(&id, &tags).await?)
}

/// Takes tags off a run.
#[tauri::command]
pub async fn remove_tags(
    state: State<'_, AppState>,
    id: RunId,
    tags: Vec<String>,
) -> CommandResult<Annotation> {
    Ok(state.store.remove_tags(&id, &tags).await?)
}

/// The tags in use, most used first (the tag autocomplete and the tag filter).
#[tauri::command]
pub async fn tags_in_use(state: State<'_, AppState>) -> CommandResult<Vec<TagCount>> {
    Ok(state.store.tags_in_use().await?)
}

/// The facts of two runs side by side (the comparison's table); the texts are diffed in the
/// window, in a worker.
#[tauri::command]
pub async fn compare_fields(
    state: State<'_, AppState>,
    a: RunId,
    b: RunId,
) -> CommandResult<Vec<FieldDiff>> {
    let (a, b) = tokio::try_join!(state.store.run(&a), state.store.run(&b))?;
    Ok(diff::fields(&a, &b))
}

/// The run before this one among its prompt's runs, if any ("Compare with the previous run").
#[tauri::command]
pub async fn previous_run(
    state: State<'_, AppState>,
    id: RunId,
) -> CommandResult<Option<RunSummary>> {
    Ok(state.store.previous_run(&id).await?)
}

/// The saved retention rules.
#[tauri::command]
pub async fn retention_rules(state: State<'_, AppState>) -> CommandResult<Vec<RetentionRule>> {
    Ok(state.store.retention_rules().await?)
}

/// Saves a rule (replacing the one of its kind and scope).
#[tauri::command]
pub async fn set_retention_rule(
    state: State<'_, AppState>,
    rule: NewRetentionRule,
) -> CommandResult<RetentionRule> {
    Ok(state.store.set_retention_rule(&rule).await?)
}

/// Removes a rule.
#[tauri::command]
pub async fn remove_retention_rule(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    Ok(state.store.remove_retention_rule(id).await?)
}

/// What the rules (with `candidate`, a rule not yet saved) would delete now; the run ids are
/// left out (the window shows counts).
#[tauri::command]
pub async fn plan_retention(
    state: State<'_, AppState>,
    candidate: Option<NewRetentionRule>,
) -> CommandResult<RetentionPlan> {
    let mut plan = state
        .store
        .plan_retention(candidate.as_ref(), promptline_core::now())
        .await?;
    plan.run_ids.clear();
    Ok(plan)
}

/// Applies the rules now.
#[tauri::command]
pub async fn apply_retention(state: State<'_, AppState>) -> CommandResult<RetentionOutcome> {
    Ok(state.store.apply_retention(promptline_core::now()).await?)
}

/// The database's size and what takes the room.
#[tauri::command]
pub async fn storage_report(state: State<'_, AppState>) -> CommandResult<StorageReport> {
    Ok(state.store.storage_report().await?)
}

/// Rewrites the database file without its free space.
#[tauri::command]
pub async fn compact(state: State<'_, AppState>) -> CommandResult<CompactOutcome> {
    Ok(state.store.compact().await?)
}

/// Applies the retention rules now and then every day while the app runs, telling the window
/// ([`HISTORY_PRUNED`]) when runs went. A failure is reported on standard error and tried again
/// the next day: tidying must never stop the app.
pub fn spawn_retention<R: Runtime>(app: AppHandle<R>, store: Store) {
    tauri::async_runtime::spawn(async move {
        loop {
            match store.apply_retention(promptline_core::now()).await {
                Ok(outcome) if outcome.deleted > 0 => {
                    let _ = app.emit(HISTORY_PRUNED, outcome.deleted);
                }
                Ok(_) => {}
                Err(error) => eprintln!("retention rules: {error}"),
            }
            tokio::time::sleep(RETENTION_PERIOD).await;
        }
    });
}
