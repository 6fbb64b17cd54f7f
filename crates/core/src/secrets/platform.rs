//! The OS stores behind [`super::Vault`]: one entry per name (service [`crate::store::APP_IDENTIFIER`], user the
//! entry name). Values are opaque text here.

pub(crate) use imp::{delete, get, set};

#[cfg(target_os = "linux")]
mod imp {
    //! Linux: the Secret Service (GNOME Keyring, KWallet) when one runs; otherwise the kernel's
    //! keyutils store, in the user's persistent keyring (or the user keyring where the persistent
    //! one is not available), which is what headless machines and containers have.

    use keyring::credential::CredentialApi;
    use keyring::secret_service::SsCredential;
    use keyring::Error;
    use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

    use crate::keys::KeyStorage;
    use crate::store::APP_IDENTIFIER;

    fn secret_service(entry: &str) -> keyring::Result<SsCredential> {
        SsCredential::new_with_target(None, APP_IDENTIFIER, entry)
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

    fn description(entry: &str) -> String {
        format!("{APP_IDENTIFIER}:{entry}")
    }

    fn kernel_set(entry: &str, value: &str) -> keyring::Result<()> {
        // Adding a key under an existing description replaces it.
        kernel_ring()?
            .add_key(&description(entry), value.as_bytes())
            .map(|_| ())
            .map_err(kernel_error)
    }

    fn kernel_get(entry: &str) -> keyring::Result<(String, KeyStorage)> {
        let key = kernel_ring()?
            .search(&description(entry))
            .map_err(kernel_error)?;
        let bytes = key.read_to_vec().map_err(kernel_error)?;
        String::from_utf8(bytes)
            .map(|value| (value, KeyStorage::KernelKeyring))
            .map_err(|e| Error::BadEncoding(e.into_bytes()))
    }

    fn kernel_delete(entry: &str) -> keyring::Result<()> {
        kernel_ring()?
            .search(&description(entry))
            .and_then(|key| key.invalidate())
            .map_err(kernel_error)
    }

    pub fn set(entry: &str, value: &str) -> keyring::Result<KeyStorage> {
        match secret_service(entry).and_then(|c| c.set_password(value)) {
            Ok(()) => {
                // A copy left from a time without a Secret Service must not linger.
                let _ = kernel_delete(entry);
                Ok(KeyStorage::Keychain)
            }
            Err(e) if unreachable_store(&e) => {
                kernel_set(entry, value)?;
                Ok(KeyStorage::KernelKeyring)
            }
            Err(e) => Err(e),
        }
    }

    pub fn get(entry: &str) -> keyring::Result<(String, KeyStorage)> {
        match secret_service(entry).and_then(|c| c.get_password()) {
            Ok(value) => Ok((value, KeyStorage::Keychain)),
            Err(Error::NoEntry | Error::Ambiguous(_)) => kernel_get(entry),
            Err(e) if unreachable_store(&e) => kernel_get(entry),
            Err(e) => Err(e),
        }
    }

    pub fn delete(entry: &str) -> keyring::Result<()> {
        let from_service = secret_service(entry).and_then(|c| c.delete_credential());
        let from_kernel = kernel_delete(entry);
        match (from_service, from_kernel) {
            (Ok(()), _) | (_, Ok(())) => Ok(()),
            (Err(e), Err(Error::NoEntry)) if unreachable_store(&e) => Err(Error::NoEntry),
            (Err(Error::NoEntry), Err(e)) | (Err(e), _) => Err(e),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    //! macOS Keychain, Windows Credential Manager, and the Secret Service on the BSDs.

    use crate::keys::KeyStorage;
    use crate::store::APP_IDENTIFIER;

    pub fn set(entry: &str, value: &str) -> keyring::Result<KeyStorage> {
        keyring::Entry::new(APP_IDENTIFIER, entry)?.set_password(value)?;
        Ok(KeyStorage::Keychain)
    }

    pub fn get(entry: &str) -> keyring::Result<(String, KeyStorage)> {
        let value = keyring::Entry::new(APP_IDENTIFIER, entry)?.get_password()?;
        Ok((value, KeyStorage::Keychain))
    }

    pub fn delete(entry: &str) -> keyring::Result<()> {
        keyring::Entry::new(APP_IDENTIFIER, entry)?.delete_credential()
    }
}
