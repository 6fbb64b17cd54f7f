//! API keys read off the async workers. The OS keychain may wait on D-Bus (seconds when no Secret
//! Service answers), so keys are read once per command on the blocking pool, then handed to the
//! core as a [`KeySnapshot`].

use std::collections::HashMap;

use promptline_core::keys::{ApiKey, KeySource, SystemKeys};
use promptline_core::providers::ProviderConfig;

use crate::error::{CommandError, CommandResult};

/// The keys of some providers, read beforehand.
#[derive(Default)]
pub struct KeySnapshot {
    keys: HashMap<String, Option<ApiKey>>,
}

impl KeySource for KeySnapshot {
    fn key_for(&self, provider: &ProviderConfig) -> promptline_core::Result<Option<ApiKey>> {
        Ok(self.keys.get(&provider.name).cloned().flatten())
    }
}

/// Reads the keys of `configs` (keychain first, then the environment) on the blocking pool.
pub async fn snapshot(configs: Vec<ProviderConfig>) -> CommandResult<KeySnapshot> {
    tauri::async_runtime::spawn_blocking(move || {
        let keys = configs
            .iter()
            .map(|config| {
                let key = SystemKeys.key_for(config).ok().flatten();
                (config.name.clone(), key)
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
        return Err(CommandError::new(
            "missing_key",
            format!(
                "No API key for {name}. Add one in Settings > Providers.",
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
