//! API keys: kept in the OS keychain (or given by an environment variable), handed to providers,
//! and never written anywhere else. [`ApiKey`] never prints its value: not in `Debug`, not in an
//! error message, not in a log line. The database holds only the *name* of a key's environment
//! variable.
//!
//! Where a key comes from is a [`KeySource`], so the resolver can be given the system's keychain
//! ([`SystemKeys`]), the environment alone ([`EnvKeys`]) or anything a test needs.

use std::fmt;

use crate::domain::ProviderConfig;
use crate::error::{Error, Result};
use crate::store::APP_IDENTIFIER;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The OS keychain first, then the provider's environment variable. What the CLI and the app use.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemKeys;

impl KeySource for SystemKeys {
    fn key_for(&self, provider: &ProviderConfig) -> Result<Option<ApiKey>> {
        // A keychain that cannot be reached (no Secret Service, locked, no D-Bus) is no reason to
        // refuse a key the environment gives.
        if let Ok(Some(key)) = Keychain::get(&provider.name) {
            return Ok(Some(key));
        }
        EnvKeys.key_for(provider)
    }
}

/// The OS keychain, with one entry per configured provider (service [`APP_IDENTIFIER`], user
/// the provider's name).
#[derive(Debug, Clone, Copy, Default)]
pub struct Keychain;

impl Keychain {
    /// Stores `key` for `provider`, replacing any key it had; says where it went.
    pub fn set(provider: &str, key: &ApiKey) -> Result<KeyStorage> {
        platform::set(provider, key.expose()).map_err(|e| keychain_error("store", provider, e))
    }

    /// The stored key for `provider`, if any.
    pub fn get(provider: &str) -> Result<Option<ApiKey>> {
        match platform::get(provider) {
            Ok(key) => Ok(ApiKey::new(key)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error("read", provider, e)),
        }
    }

    /// Deletes the stored key for `provider`; returns whether there was one.
    pub fn delete(provider: &str) -> Result<bool> {
        match platform::delete(provider) {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keychain_error("delete", provider, e)),
        }
    }
}

fn keychain_error(action: &str, provider: &str, error: keyring::Error) -> Error {
    // keyring's errors describe the platform failure; none of them carries the secret.
    let cause = match &error {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => e.to_string(),
        other => other.to_string(),
    };
    Error::invalid(format!(
        "cannot {action} the key for `{provider}` in the OS keychain: {cause}. \
         Set the provider's environment variable instead (see `promptline provider list`)"
    ))
}

#[cfg(target_os = "linux")]
mod platform {
    //! Linux: the Secret Service (GNOME Keyring, KWallet) when one runs; otherwise the kernel's
    //! keyutils store, in the user's persistent keyring (or the user keyring where the persistent
    //! one is not available), which is what headless machines and containers have.

    use keyring::credential::CredentialApi;
    use keyring::secret_service::SsCredential;
    use keyring::Error;
    use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

    use super::{KeyStorage, APP_IDENTIFIER};

    fn secret_service(provider: &str) -> keyring::Result<SsCredential> {
        SsCredential::new_with_target(None, APP_IDENTIFIER, provider)
    }

    fn unreachable_store(error: &Error) -> bool {
        matches!(error, Error::PlatformFailure(_) | Error::NoStorageAccess(_))
    }

    fn kernel_error(error: KeyError) -> Error {
        match error {
            KeyError::KeyDoesNotExist
            | KeyError::KeyRevoked
            | KeyError::KeyExpired
            | KeyError::AccessDenied => Error::NoEntry,
            other => Error::PlatformFailure(Box::new(other)),
        }
    }

    fn kernel_ring() -> keyring::Result<KeyRing> {
        KeyRing::get_persistent(KeyRingIdentifier::Session)
            .or_else(|_| KeyRing::from_special_id(KeyRingIdentifier::User, true))
            .map_err(|e| Error::PlatformFailure(Box::new(e)))
    }

    fn description(provider: &str) -> String {
        format!("{APP_IDENTIFIER}:{provider}")
    }

    fn kernel_set(provider: &str, key: &str) -> keyring::Result<()> {
        // Adding a key under an existing description replaces it.
        kernel_ring()?
            .add_key(&description(provider), key.as_bytes())
            .map(|_| ())
            .map_err(kernel_error)
    }

    fn kernel_get(provider: &str) -> keyring::Result<String> {
        let key = kernel_ring()?
            .search(&description(provider))
            .map_err(kernel_error)?;
        let bytes = key.read_to_vec().map_err(kernel_error)?;
        String::from_utf8(bytes).map_err(|e| Error::BadEncoding(e.into_bytes()))
    }

    fn kernel_delete(provider: &str) -> keyring::Result<()> {
        kernel_ring()?
            .search(&description(provider))
            .and_then(|key| key.invalidate())
            .map_err(kernel_error)
    }

    pub(super) fn set(provider: &str, key: &str) -> keyring::Result<KeyStorage> {
        match secret_service(provider).and_then(|c| c.set_password(key)) {
            Ok(()) => {
                // A copy left from a time without a Secret Service must not linger.
                let _ = kernel_delete(provider);
                Ok(KeyStorage::Keychain)
            }
            Err(e) if unreachable_store(&e) => {
                kernel_set(provider, key)?;
                Ok(KeyStorage::KernelKeyring)
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn get(provider: &str) -> keyring::Result<String> {
        match secret_service(provider).and_then(|c| c.get_password()) {
            Ok(key) => Ok(key),
            Err(Error::NoEntry | Error::Ambiguous(_)) => kernel_get(provider),
            Err(e) if unreachable_store(&e) => kernel_get(provider),
            Err(e) => Err(e),
        }
    }

    pub(super) fn delete(provider: &str) -> keyring::Result<()> {
        let from_service = secret_service(provider).and_then(|c| c.delete_credential());
        let from_kernel = kernel_delete(provider);
        match (from_service, from_kernel) {
            (Ok(()), _) | (_, Ok(())) => Ok(()),
            (Err(e), Err(Error::NoEntry)) if unreachable_store(&e) => Err(Error::NoEntry),
            (Err(Error::NoEntry), Err(e)) | (Err(e), _) => Err(e),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    //! macOS Keychain, Windows Credential Manager, and the Secret Service on the BSDs.

    use super::{KeyStorage, APP_IDENTIFIER};

    pub(super) fn set(provider: &str, key: &str) -> keyring::Result<KeyStorage> {
        keyring::Entry::new(APP_IDENTIFIER, provider)?.set_password(key)?;
        Ok(KeyStorage::Keychain)
    }

    pub(super) fn get(provider: &str) -> keyring::Result<String> {
        keyring::Entry::new(APP_IDENTIFIER, provider)?.get_password()
    }

    pub(super) fn delete(provider: &str) -> keyring::Result<()> {
        keyring::Entry::new(APP_IDENTIFIER, provider)?.delete_credential()
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
