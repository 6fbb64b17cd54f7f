//! Settings > Providers: thin commands over the core's provider store and the OS keychain.

use std::time::Duration;

use promptline_core::keys::{ApiKey, KeyStatus, SystemKeys};
use promptline_core::providers::{self, NewProvider, ProviderConfig, ProviderEdit};
use promptline_core::secrets::Origin;
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::ipc::{KeyMove, ProviderInfo, ProviderInput, ProviderTest};
use crate::keys::{blocking, snapshot, system_keys};
use crate::state::AppState;

/// How long a connection test waits.
const TEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Where each provider's key comes from, read on the blocking pool (the keychain may be slow).
async fn infos(keys: SystemKeys, configs: Vec<ProviderConfig>) -> CommandResult<Vec<ProviderInfo>> {
    blocking(move || {
        let statuses = keys.statuses(&configs);
        configs.into_iter().zip(statuses).map(info).collect()
    })
    .await
}

async fn one_info(keys: SystemKeys, config: ProviderConfig) -> CommandResult<ProviderInfo> {
    Ok(infos(keys, vec![config]).await?.remove(0))
}

fn info((config, status): (ProviderConfig, KeyStatus)) -> ProviderInfo {
    ProviderInfo {
        name: config.name,
        kind: config.kind.as_str().to_owned(),
        base_url: config.base_url,
        key_env: config.key_env,
        builtin: config.builtin,
        key_source: status.source.as_str().to_owned(),
        key_origin: status.origin.as_ref().map(Origin::to_string),
        key_stored: status.stored.is_some(),
        keys_elsewhere: status
            .stored_for_other_origins
            .iter()
            .map(Origin::to_string)
            .collect(),
    }
}

fn key_env(input: &ProviderInput) -> Option<String> {
    input
        .key_env
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Every configured provider, with where its key comes from (never the key).
#[tauri::command]
pub async fn list_providers(state: State<'_, AppState>) -> CommandResult<Vec<ProviderInfo>> {
    let keys = system_keys(&state.store).await?;
    infos(keys, state.store.list_providers().await?).await
}

/// Adds a provider.
#[tauri::command]
pub async fn add_provider(
    state: State<'_, AppState>,
    input: ProviderInput,
) -> CommandResult<ProviderInfo> {
    let new = NewProvider {
        name: input.name.trim().to_owned(),
        kind: input.kind.parse()?,
        base_url: input.base_url.trim().to_owned(),
        key_env: key_env(&input),
    };
    let keys = system_keys(&state.store).await?;
    one_info(keys, state.store.add_provider(&new).await?).await
}

/// Whether saving `base_url` for the provider `name` would leave its stored key behind (the new
/// base URL is on another origin): the app then asks to paste a key for the new origin, or to move
/// the old one after a confirmation naming both origins. `null` when the key goes along or there
/// is none.
#[tauri::command]
pub async fn key_move_question(
    state: State<'_, AppState>,
    name: String,
    base_url: String,
) -> CommandResult<Option<KeyMove>> {
    let config = state.store.provider(&name).await?;
    let keys = system_keys(&state.store).await?;
    let Some(from) = keys.binding(&config)? else {
        return Ok(None);
    };
    let Ok(to) = Origin::parse(&base_url) else {
        // Saving will refuse the URL with what to write instead.
        return Ok(None);
    };
    if to == from.origin {
        return Ok(None);
    }
    let stored =
        blocking(move || promptline_core::secrets::Vault::load(&from).map(|k| (k.is_some(), from)))
            .await??;
    Ok(stored.0.then(|| KeyMove {
        from: stored.1.origin.to_string(),
        to: to.to_string(),
    }))
}

/// Changes a provider's kind, base URL and key variable (its name stays). A key stored for the
/// old origin stays with it unless `move_key` is true (the user confirmed moving it to the new
/// base URL's origin).
#[tauri::command]
pub async fn update_provider(
    state: State<'_, AppState>,
    name: String,
    input: ProviderInput,
    move_key: Option<bool>,
) -> CommandResult<ProviderInfo> {
    let edit = ProviderEdit {
        kind: Some(input.kind.parse()?),
        base_url: Some(input.base_url.trim().to_owned()),
        key_env: Some(key_env(&input)),
    };
    let before = state.store.provider(&name).await?;
    let after = state.store.update_provider(&name, &edit).await?;
    let keys = system_keys(&state.store).await?;
    if move_key == Some(true) {
        let (keys, config) = (keys.clone(), after.clone());
        blocking(move || keys.move_key(&config, &before.base_url)).await??;
    }
    one_info(keys, after).await
}

/// Removes a provider and every key stored for it in this database.
#[tauri::command]
pub async fn remove_provider(state: State<'_, AppState>, name: String) -> CommandResult<()> {
    state.store.remove_provider(&name).await?;
    let keys = system_keys(&state.store).await?;
    // The configuration is gone; a keychain that cannot be reached keeps nothing usable anyway.
    let _ = blocking(move || keys.remove_keys(&name)).await;
    Ok(())
}

/// Stores a provider's API key in the OS keychain, for its current origin; says where it went.
#[tauri::command]
pub async fn set_provider_key(
    state: State<'_, AppState>,
    name: String,
    key: String,
) -> CommandResult<String> {
    let config = state.store.provider(&name).await?;
    let key = ApiKey::new(key.trim())
        .ok_or_else(|| CommandError::new("invalid_input", "Paste a key first: it is empty."))?;
    let keys = system_keys(&state.store).await?;
    let stored = blocking(move || keys.store_key(&config, &key)).await??;
    Ok(stored.describe().to_owned())
}

/// Deletes a provider's key for its current origin from the keychain; false when there was none.
#[tauri::command]
pub async fn delete_provider_key(state: State<'_, AppState>, name: String) -> CommandResult<bool> {
    let config = state.store.provider(&name).await?;
    let keys = system_keys(&state.store).await?;
    Ok(blocking(move || keys.remove_key(&config)).await??)
}

/// Connects to a provider and lists its models.
#[tauri::command]
pub async fn test_provider(
    state: State<'_, AppState>,
    name: String,
) -> CommandResult<ProviderTest> {
    let config = state.store.provider(&name).await?;
    let keys = snapshot(&state.store, vec![config.clone()]).await?;
    let provider = match providers::build(&config, &keys) {
        Ok(provider) => provider,
        Err(error) => return Ok(ProviderTest::failed(CommandError::from(error).message)),
    };
    Ok(
        match tokio::time::timeout(TEST_TIMEOUT, provider.list_models()).await {
            Ok(Ok(models)) => ProviderTest {
                ok: true,
                message: match models.len() {
                    1 => "Connected: 1 model".to_owned(),
                    n => format!("Connected: {} models", thousands(n)),
                },
                models,
            },
            Ok(Err(error)) => ProviderTest::failed(error.message),
            Err(_) => ProviderTest::failed(format!(
                "{name} did not answer within {} s: is the base URL right and the server up?",
                TEST_TIMEOUT.as_secs()
            )),
        },
    )
}

/// `n` with thousands separators (`1,234`).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
