//! API keys read off the async workers. The OS keychain may wait on D-Bus (seconds when no Secret
//! Service answers), so keys are read once per command on the blocking pool, then handed to the
//! core as a [`KeySnapshot`].

use std::collections::HashMap;

use promptline_core::keys::{ApiKey, KeySource, SystemKeys};
use promptline_core::providers::ProviderConfig;
use promptline_core::Store;

use crate::error::{CommandError, CommandResult};

/// The keys of some providers, read beforehand, each for the base URL it was read for: a
/// provider whose base URL changed since gets none (the snapshot never carries a key elsewhere).
#[derive(Default)]
pub struct KeySnapshot {
    keys: HashMap<(String, String), Result<Option<ApiKey>, String>>,
}

impl KeySource for KeySnapshot {
    fn key_for(&self, provider: &ProviderConfig) -> promptline_core::Result<Option<ApiKey>> {
        match self
            .keys
            .get(&(provider.name.clone(), provider.base_url.clone()))
        {
            Some(Ok(key)) => Ok(key.clone()),
            Some(Err(message)) => Err(promptline_core::Error::invalid(message.clone())),
            None => Ok(None),
        }
    }
}

/// This database's keys (the provider's environment variable first, then the keychain).
pub async fn system_keys(store: &Store) -> CommandResult<SystemKeys> {
    Ok(SystemKeys::for_store(store).await?)
}

/// Reads the keys of `configs` (environment first, then the keychain) on the blocking pool.
pub async fn snapshot(store: &Store, configs: Vec<ProviderConfig>) -> CommandResult<KeySnapshot> {
    let system = system_keys(store).await?;
    tauri::async_runtime::spawn_blocking(move || {
        let keys = configs
            .iter()
            .map(|config| {
                let key = system.key_for(config).map_err(|e| e.to_string());
                ((config.name.clone(), config.base_url.clone()), key)
            })
            .collect();
        KeySnapshot { keys }
    })
    .await
    .map_err(|e| CommandError::new("internal", format!("reading keys failed: {e}")))
}

/// Fails with `missing_key` and where to add one when a provider that needs a key has none.
pub fn require_key(config: &ProviderConfig, keys: &KeySnapshot) -> CommandResult<()> {
    if config.key_env.is_some() && keys.key_for(config)?.is_none() {
        let var = config.key_env.as_deref().unwrap_or_default();
        let origin = promptline_core::secrets::Origin::parse(&config.base_url)
            .map_or_else(|_| config.base_url.clone(), |o| o.to_string());
        return Err(CommandError::new(
            "missing_key",
            format!(
                "No API key for {name} at {origin}. Add one in Settings > Providers \
                 (or set {var}, which takes precedence over a stored key).",
                name = config.name
            ),
        ));
    }
    Ok(())
}

/// Runs a blocking keychain call on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> T + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(call)
        .await
        .map_err(|e| CommandError::new("internal", format!("the keychain call failed: {e}")))
}
