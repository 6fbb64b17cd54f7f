//! Settings > Team and the background sync: thin commands over `promptline_core::sync`. A sync
//! runs every minute while connected; offline, it fails quietly into the status, and everything
//! else keeps working on the local history.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use promptline_core::keys::ApiKey;
use promptline_core::store::team::{SyncBacklog, TeamLink};
use promptline_core::sync::{self, SyncReport, Team};
use promptline_core::{Prompt, PromptId, Store};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::error::CommandResult;
use crate::state::AppState;

/// The event sent after every sync, background or not, with the new [`TeamStatus`].
pub const TEAM_SYNCED: &str = "team-synced";

/// How often the background sync runs while connected.
pub const SYNC_EVERY: Duration = Duration::from_secs(60);

/// One sync at a time: the background one and "Sync now" share this.
static SYNCING: AtomicBool = AtomicBool::new(false);

/// What Settings > Team shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TeamStatus {
    /// The linked server; `null` when not connected.
    pub link: Option<TeamLink>,
    /// What waits to be pushed.
    pub waiting: SyncBacklog,
    /// Whether a sync is under way.
    pub syncing: bool,
}

async fn status_of(store: &Store) -> CommandResult<TeamStatus> {
    Ok(TeamStatus {
        link: store.team_link().await?,
        waiting: store.sync_backlog().await?,
        syncing: SYNCING.load(Ordering::SeqCst),
    })
}

/// Syncs once unless one is under way; the outcome is recorded on the link either way.
async fn sync_once(store: &Store) -> promptline_core::Result<Option<SyncReport>> {
    if SYNCING.swap(true, Ordering::SeqCst) {
        return Ok(None);
    }
    let outcome = async {
        let team = match Team::open(store).await {
            Ok(Some(team)) => team,
            Ok(None) => return Ok(None),
            Err(error) => {
                store.record_sync(Some(&error.to_string())).await?;
                return Err(error);
            }
        };
        let report = team.sync_and_record(store).await;
        team.close().await;
        report.map(Some)
    }
    .await;
    SYNCING.store(false, Ordering::SeqCst);
    outcome
}

/// The link, the last sync and what waits.
#[tauri::command]
pub async fn team_status(state: State<'_, AppState>) -> CommandResult<TeamStatus> {
    status_of(&state.store).await
}

/// Links to the team server at `url` as its user; `password` (or one in the URL) goes to the
/// OS keychain. Then syncs once.
#[tauri::command]
pub async fn team_connect<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
    password: Option<String>,
) -> CommandResult<TeamStatus> {
    let typed = password.and_then(ApiKey::new);
    sync::connect(&state.store, &url, typed).await?;
    let _ = sync_once(&state.store).await;
    let status = status_of(&state.store).await?;
    let _ = app.emit(TEAM_SYNCED, &status);
    Ok(status)
}

/// Unlinks from the team server and forgets the password; pulled runs stay.
#[tauri::command]
pub async fn team_disconnect(state: State<'_, AppState>) -> CommandResult<TeamStatus> {
    sync::disconnect(&state.store).await?;
    status_of(&state.store).await
}

/// Syncs now and returns the new status (a failure is in `link.last_error`).
#[tauri::command]
pub async fn team_sync<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<TeamStatus> {
    let _ = sync_once(&state.store).await;
    let status = status_of(&state.store).await?;
    let _ = app.emit(TEAM_SYNCED, &status);
    Ok(status)
}

/// Shares a prompt with the team or makes it private again (pushed at the next sync).
#[tauri::command]
pub async fn share_prompt(
    state: State<'_, AppState>,
    id: PromptId,
    shared: bool,
) -> CommandResult<Prompt> {
    Ok(state.store.set_prompt_shared(&id, shared).await?)
}

/// Starts the background sync: every [`SYNC_EVERY`] while connected, telling the window after
/// each one.
pub fn start_background_sync<R: Runtime>(app: AppHandle<R>, store: Store) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(SYNC_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !matches!(store.team_link().await, Ok(Some(_))) {
                continue;
            }
            let _ = sync_once(&store).await;
            if let Ok(status) = status_of(&store).await {
                let _ = app.emit(TEAM_SYNCED, &status);
            }
        }
    });
}
