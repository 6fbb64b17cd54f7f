//! The run panel's controls and Settings > General: prompt versions, duplicating a prompt, what
//! the panel remembers per prompt, and the defaults beyond providers. Each a few lines over the
//! core.

use promptline_core::{Prompt, PromptId, PromptMemory, PromptVersion, UserSettings};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Every kept version of a prompt, newest first, with how many runs ran each.
#[tauri::command]
pub async fn prompt_versions(
    state: State<'_, AppState>,
    id: PromptId,
) -> CommandResult<Vec<PromptVersion>> {
    Ok(state.store.prompt_versions(&id).await?)
}

/// Saves a copy of a prompt (not its runs) and returns the copy.
#[tauri::command]
pub async fn duplicate_prompt(state: State<'_, AppState>, id: PromptId) -> CommandResult<Prompt> {
    Ok(state.store.duplicate_prompt(&id).await?)
}

/// What the run panel remembered for a prompt: variable values, picked models, chips, timeout.
#[tauri::command]
pub async fn prompt_memory(
    state: State<'_, AppState>,
    id: PromptId,
) -> CommandResult<PromptMemory> {
    Ok(state.store.prompt_memory(&id).await?)
}

/// Keeps what the run panel holds for a prompt, for the next launch.
#[tauri::command]
pub async fn save_prompt_memory(
    state: State<'_, AppState>,
    id: PromptId,
    memory: PromptMemory,
) -> CommandResult<()> {
    Ok(state.store.save_prompt_memory(&id, &memory).await?)
}

/// The default model, default timeout and theme.
#[tauri::command]
pub async fn user_settings(state: State<'_, AppState>) -> CommandResult<UserSettings> {
    Ok(state.store.user_settings().await?)
}

/// Replaces the default model, default timeout and theme; returns them as saved.
#[tauri::command]
pub async fn save_user_settings(
    state: State<'_, AppState>,
    settings: UserSettings,
) -> CommandResult<UserSettings> {
    Ok(state.store.save_user_settings(&settings).await?)
}
