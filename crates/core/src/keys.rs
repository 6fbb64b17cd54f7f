//! API keys: kept in the OS keychain, bound to their database and origin (see [`crate::secrets`]),
//! or given by an environment variable; handed to providers and never written anywhere else.
//! [`ApiKey`] never prints its value: not in `Debug`, not in an error message, not in a log line.
//! The database holds only the *name* of a key's environment variable.
//!
//! Where a key comes from is a [`KeySource`], so the resolver can be given the system's
//! ([`SystemKeys`]: environment, then the keychain), the environment alone ([`EnvKeys`]) or
//! anything a test needs.
//!
//! # Precedence
//! **The provider's environment variable wins over a stored key.** A variable is set on purpose,
//! for one shell or one process (a CI job, a script trying another account), and is visible where
//! it is set; the stored key is the default everywhere else. A stored key is used only for the
//! origin (scheme, host, port) and database it was stored for: edit a provider's base URL to
//! another origin and it is not sent there.

use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::providers::{ProviderConfig, ProviderKind};
use crate::secrets::{legacy, DatabaseId, Origin, Purpose, SecretBinding, StoredSecret, Vault};
use crate::store::Store;

/// A secret API key. Its `Debug` output is redacted and it has no `Display`, so it cannot end up
/// in a message by accident; [`ApiKey::expose`] is the one way to read it, used when building a
/// request header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, trimming the whitespace and line ending that pasting or `echo` leave.
    /// Returns `None` for an empty key.
    pub fn new(key: impl Into<String>) -> Option<Self> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(Self(trimmed.to_owned()))
        }
    }

    /// The key itself, for a request header. Never format it into text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Where a stored key went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStorage {
    /// The OS keychain: Keychain on macOS, Credential Manager on Windows, the Secret Service
    /// (GNOME Keyring, KWallet) on Linux. Survives reboots.
    Keychain,
    /// The Linux kernel's keyutils store, used when no Secret Service is running. Kept in the
    /// user's persistent keyring, which the kernel expires after a few days unused and which
    /// does not survive a reboot.
    KernelKeyring,
}

impl KeyStorage {
    /// A sentence for people saying where the key is.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Keychain => "the OS keychain",
            Self::KernelKeyring => {
                "the kernel keyring (no Secret Service is running, so it lasts until reboot or a few days unused)"
            }
        }
    }
}

/// Finds the API key for a configured provider.
pub trait KeySource: Send + Sync {
    /// The key for `provider`, or `None` when there is none.
    fn key_for(&self, provider: &ProviderConfig) -> Result<Option<ApiKey>>;
}

/// Keys from environment variables only: the provider's `key_env` (e.g. `OPENAI_API_KEY`).
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvKeys;

impl KeySource for EnvKeys {
    fn key_for(&self, provider: &ProviderConfig) -> Result<Option<ApiKey>> {
        Ok(provider
            .key_env
            .as_deref()
            .and_then(|var| std::env::var(var).ok())
            .and_then(ApiKey::new))
    }
}

/// The keys of one database's providers: the provider's environment variable when it is set,
/// otherwise the key stored in the OS keychain for this database, this provider and the
/// provider's current origin. What the CLI, the app and the MCP server use.
///
/// Every method may block on the keychain (D-Bus on Linux): call them off async workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemKeys {
    database: DatabaseId,
}

impl SystemKeys {
    /// The keys of the database with this id.
    pub fn new(database: DatabaseId) -> Self {
        Self { database }
    }

    /// The keys of `store`'s database.
    pub async fn for_store(store: &Store) -> Result<Self> {
        Ok(Self::new(store.database_id().await?))
    }

    /// The database whose keys these are.
    pub fn database(&self) -> &DatabaseId {
        &self.database
    }

    /// What a key for `provider` at its current base URL is bound to; `None` for a provider that
    /// sends no key anywhere (the offline echo).
    pub fn binding(&self, provider: &ProviderConfig) -> Result<Option<SecretBinding>> {
        self.binding_at(&provider.name, provider.kind, &provider.base_url)
    }

    fn binding_at(
        &self,
        name: &str,
        kind: ProviderKind,
        base_url: &str,
    ) -> Result<Option<SecretBinding>> {
        if kind == ProviderKind::Echo || base_url.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(SecretBinding::new(
            self.database.clone(),
            Purpose::ProviderKey,
            name,
            Origin::parse(base_url)?,
        )))
    }

    /// The key stored for `provider` at its current origin. An entry stored by the provider's
    /// name alone (before keys were bound) is moved to the bound form for this database and
    /// origin the first time it is looked for, and the old entry deleted.
    pub fn stored_key(&self, provider: &ProviderConfig) -> Result<Option<ApiKey>> {
        let Some(binding) = self.binding(provider)? else {
            return Ok(None);
        };
        if let Some(key) = Vault::load(&binding)? {
            return Ok(Some(key));
        }
        let Some(old) = legacy::take(&provider.name) else {
            return Ok(None);
        };
        Vault::store(&binding, &old)?;
        legacy::delete(&provider.name);
        Ok(Some(old))
    }

    /// Stores `key` for `provider` at its current origin; says where it went.
    pub fn store_key(&self, provider: &ProviderConfig, key: &ApiKey) -> Result<KeyStorage> {
        let binding = self.binding(provider)?.ok_or_else(|| {
            Error::invalid(format!(
                "`{}` sends no key: it is the offline demo",
                provider.name
            ))
        })?;
        let stored = Vault::store(&binding, key)?;
        // An old name-only entry would otherwise be taken over later for another origin.
        legacy::delete(&provider.name);
        Ok(stored)
    }

    /// Deletes every key stored for the provider named `name` in this database, whatever its
    /// origin (and an old name-only entry); returns how many there were.
    pub fn remove_keys(&self, name: &str) -> Result<usize> {
        let mut removed = 0;
        for binding in Vault::bindings_of(&self.database, Purpose::ProviderKey, name)? {
            if Vault::remove(&binding)? {
                removed += 1;
            }
        }
        if legacy::delete(name) {
            removed += 1;
        }
        Ok(removed)
    }

    /// Deletes the key stored for `provider` at its current origin; returns whether there was one.
    pub fn remove_key(&self, provider: &ProviderConfig) -> Result<bool> {
        match self.binding(provider)? {
            Some(binding) => Vault::remove(&binding),
            None => Ok(false),
        }
    }

    /// Moves the key `provider` had at `old_base_url`'s origin to its current origin (after the
    /// user confirmed both). Returns whether there was one to move.
    pub fn move_key(&self, provider: &ProviderConfig, old_base_url: &str) -> Result<bool> {
        let (Some(from), Some(to)) = (
            self.binding_at(&provider.name, provider.kind, old_base_url)?,
            self.binding(provider)?,
        ) else {
            return Ok(false);
        };
        if from == to {
            return Ok(false);
        }
        Vault::relocate(&from, &to)
    }

    /// Where each provider's key will come from, in the order given (the keychain is listed once).
    pub fn statuses(&self, providers: &[ProviderConfig]) -> Vec<KeyStatus> {
        let stored = Vault::list().unwrap_or_default();
        providers
            .iter()
            .map(|provider| self.status_with(provider, &stored))
            .collect()
    }

    /// Where `provider`'s key will come from.
    pub fn status(&self, provider: &ProviderConfig) -> KeyStatus {
        let stored = Vault::list().unwrap_or_default();
        self.status_with(provider, &stored)
    }

    fn status_with(&self, provider: &ProviderConfig, stored: &[StoredSecret]) -> KeyStatus {
        let binding = match self.binding(provider) {
            Ok(Some(binding)) => binding,
            Ok(None) | Err(_) => return KeyStatus::not_needed(provider),
        };
        let env_set = matches!(EnvKeys.key_for(provider), Ok(Some(_)));
        let keychain = self.stored_key(provider).ok().flatten().is_some();
        let storage = stored
            .iter()
            .find(|s| s.binding == binding)
            .map(|s| s.storage)
            .or(keychain.then_some(KeyStorage::Keychain));
        let source = if env_set {
            KeyOrigin::Env
        } else if keychain {
            KeyOrigin::Keychain
        } else if provider.key_env.is_some() {
            KeyOrigin::Missing
        } else {
            KeyOrigin::None
        };
        let mut elsewhere: Vec<Origin> = stored
            .iter()
            .map(|s| &s.binding)
            .filter(|b| {
                b.database == self.database
                    && b.purpose == Purpose::ProviderKey
                    && b.owner == provider.name
                    && b.origin != binding.origin
            })
            .map(|b| b.origin.clone())
            .collect();
        elsewhere.sort();
        KeyStatus {
            source,
            env: provider.key_env.clone(),
            origin: Some(binding.origin),
            stored: keychain.then_some(storage).flatten(),
            stored_for_other_origins: elsewhere,
        }
    }
}

impl KeySource for SystemKeys {
    fn key_for(&self, provider: &ProviderConfig) -> Result<Option<ApiKey>> {
        if let Some(key) = EnvKeys.key_for(provider)? {
            return Ok(Some(key));
        }
        // A keychain that cannot be reached (no Secret Service, locked, no D-Bus), or an entry
        // that fails its binding check, stops a provider that needs a key with the reason and
        // the variable that would do instead; a local server that needs none runs without.
        match self.stored_key(provider) {
            Ok(key) => Ok(key),
            Err(error) if provider.key_env.is_some() => Err(error),
            Err(_) => Ok(None),
        }
    }
}

/// Which source a provider's key will come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOrigin {
    /// The provider's environment variable (it wins over a stored key).
    Env,
    /// The key stored in the keychain for this database and the provider's current origin.
    Keychain,
    /// It needs a key (it names a variable) and neither source has one.
    Missing,
    /// It sends no key: a local server without a variable, or the offline echo.
    None,
}

impl KeyOrigin {
    /// The word shown in listings: `env`, `keychain`, `missing`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Env => "env",
            Self::Keychain => "keychain",
            Self::Missing => "missing",
            Self::None => "none",
        }
    }
}

/// Where a provider's key comes from, for listings (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyStatus {
    /// The source a run will use.
    pub source: KeyOrigin,
    /// The provider's key variable, if it has one.
    pub env: Option<String>,
    /// The origin a key goes to (`None` for the offline echo).
    pub origin: Option<Origin>,
    /// Where the key stored for this origin is, when there is one (also when the variable
    /// overrides it).
    pub stored: Option<KeyStorage>,
    /// Origins this provider has keys stored for that are not its current one (left behind by a
    /// base URL edit); never sent anywhere.
    pub stored_for_other_origins: Vec<Origin>,
}

impl KeyStatus {
    fn not_needed(provider: &ProviderConfig) -> Self {
        Self {
            source: KeyOrigin::None,
            env: provider.key_env.clone(),
            origin: None,
            stored: None,
            stored_for_other_origins: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_redacts_the_key() {
        let key = ApiKey::new("  sk-very-secret\n").unwrap();
        assert_eq!(key.expose(), "sk-very-secret");
        assert!(!format!("{key:?}").contains("secret"));
        assert!(!format!("{:?}", Some(key)).contains("very"));
        assert!(ApiKey::new(" \n").is_none());
    }
}

/// Raw OS keychain entries by account name, for secrets that keep their own binding (the OTLP
/// headers live under a per-database account, `otel/<uuid>`). Provider keys go through
/// [`crate::secrets::Vault`], which binds each to its database and origin.
#[derive(Debug, Clone, Copy)]
pub struct Keychain;

impl Keychain {
    /// Stores `secret` under `account`, replacing what was there; says where it went.
    pub fn set(account: &str, secret: &ApiKey) -> Result<KeyStorage, keyring::Error> {
        crate::secrets::platform::set(account, secret.expose())
    }

    /// The secret under `account`, if there is one.
    pub fn get(account: &str) -> Result<Option<ApiKey>, keyring::Error> {
        match crate::secrets::platform::get(account) {
            Ok((value, _)) => Ok(ApiKey::new(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes the secret under `account`; says whether there was one.
    pub fn delete(account: &str) -> Result<bool, keyring::Error> {
        match crate::secrets::platform::delete(account) {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
