//! Settings > Integrations: where runs are sent as OpenTelemetry spans. Thin commands over the
//! core's exporter; header values go to the OS keychain and never come back to the window.

use promptline_core::otel::{self, ExporterStatus, Headers, SettingsChange};
use tauri::State;

use crate::error::CommandResult;
use crate::ipc::OtelInput;
use crate::state::AppState;

/// The exporter's state: endpoint, header names, content switch, connected / N waiting / last
/// error.
#[tauri::command]
pub async fn otel_status(state: State<'_, AppState>) -> CommandResult<ExporterStatus> {
    Ok(state.exporter.status().await?)
}

/// Saves the endpoint, the content switch and (when given) a new set of headers, then starts
/// sending with them.
#[tauri::command]
pub async fn otel_save(
    state: State<'_, AppState>,
    input: OtelInput,
) -> CommandResult<ExporterStatus> {
    let headers = match input.headers {
        Some(pairs) => Some(Headers::new(
            pairs
                .into_iter()
                .map(|h| (h.name.trim().to_owned(), h.value.trim().to_owned()))
                .filter(|(name, _)| !name.is_empty()),
        )?),
        None => None,
    };
    otel::save_settings(
        &state.store,
        SettingsChange {
            endpoint: Some(input.endpoint),
            headers,
            capture_content: Some(input.capture_content),
        },
    )
    .await?;
    state.exporter.reload().await;
    Ok(state.exporter.status().await?)
}

/// Stops sending: forgets the endpoint and the headers and empties the outbox; returns how many
/// runs were waiting.
#[tauri::command]
pub async fn otel_off(state: State<'_, AppState>) -> CommandResult<u64> {
    let dropped = otel::turn_off(&state.store).await?;
    state.exporter.reload().await;
    Ok(dropped)
}
