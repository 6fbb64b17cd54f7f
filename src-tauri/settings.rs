//! Settings > Providers: thin commands over the core's provider store and the OS keychain.

use std::time::Duration;

use promptline_core::keys::{ApiKey, EnvKeys, KeySource, Keychain};
use promptline_core::providers::{self, NewProvider, ProviderConfig, ProviderEdit, ProviderKind};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::ipc::{ProviderInfo, ProviderInput, ProviderTest};
use crate::keys::{blocking, snapshot};
use crate::state::AppState;

/// How long a connection test waits.
const TEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Where each provider's key comes from, read on the blocking pool (the keychain may be slow).
async fn infos(configs: Vec<ProviderConfig>) -> CommandResult<Vec<ProviderInfo>> {
    blocking(move || configs.into_iter().map(info).collect()).await
}

async fn one_info(config: ProviderConfig) -> CommandResult<ProviderInfo> {
    blocking(move || info(config)).await
}

fn info(config: ProviderConfig) -> ProviderInfo {
    let key_source = if config.kind == ProviderKind::Echo {
        "none"
    } else if matches!(Keychain::get(&config.name), Ok(Some(_))) {
        "keychain"
    } else if matches!(EnvKeys.key_for(&config), Ok(Some(_))) {
        "env"
    } else {
        "none"
    };
    ProviderInfo {
        name: config.name,
        kind: config.kind.as_str().to_owned(),
        base_url: config.base_url,
        key_env: config.key_env,
        builtin: config.builtin,
        key_source: key_source.to_owned(),
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
    infos(state.store.list_providers().await?).await
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
    one_info(state.store.add_provider(&new).await?).await
}

/// Changes a provider's kind, base URL and key variable (its name stays).
#[tauri::command]
pub async fn update_provider(
    state: State<'_, AppState>,
    name: String,
    input: ProviderInput,
) -> CommandResult<ProviderInfo> {
    let edit = ProviderEdit {
        kind: Some(input.kind.parse()?),
        base_url: Some(input.base_url.trim().to_owned()),
        key_env: Some(key_env(&input)),
    };
    one_info(state.store.update_provider(&name, &edit).await?).await
}

/// Removes a provider and the key stored for it.
#[tauri::command]
pub async fn remove_provider(state: State<'_, AppState>, name: String) -> CommandResult<()> {
    state.store.remove_provider(&name).await?;
    // The configuration is gone; a keychain that cannot be reached keeps nothing usable anyway.
    let _ = blocking(move || Keychain::delete(&name)).await;
    Ok(())
}

/// Stores a provider's API key in the OS keychain; says where it went.
#[tauri::command]
pub async fn set_provider_key(
    state: State<'_, AppState>,
    name: String,
    key: String,
) -> CommandResult<String> {
    state.store.provider(&name).await?;
    let key = ApiKey::new(key.trim())
        .ok_or_else(|| CommandError::new("invalid_input", "Paste a key first: it is empty."))?;
    let stored = blocking(move || Keychain::set(&name, &key)).await??;
    Ok(stored.describe().to_owned())
}

/// Deletes a provider's key from the keychain; false when there was none.
#[tauri::command]
pub async fn delete_provider_key(name: String) -> CommandResult<bool> {
    Ok(blocking(move || Keychain::delete(&name)).await??)
}

/// Connects to a provider and lists its models.
#[tauri::command]
pub async fn test_provider(
    state: State<'_, AppState>,
    name: String,
) -> CommandResult<ProviderTest> {
    let config = state.store.provider(&name).await?;
    let keys = snapshot(vec![config.clone()]).await?;
    let provider = match providers::build(&config, &keys) {
        Ok(provider) => provider,
        Err(error) => return Ok(ProviderTest::failed(CommandError::from(error).message)),
    };
    Ok(
        match tokio::time::timeout(TEST_TIMEOUT, provider.list_models()).await {
            Ok(Ok(models)) => ProviderTest {
                ok: true,
                message: format!("Connected: {} models", models.len()),
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
