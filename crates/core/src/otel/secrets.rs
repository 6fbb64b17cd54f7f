//! The collector's header values in the OS keychain, through the same [`Keychain`] the provider
//! keys use, under an account of their own (`otel/<uuid>`, named in the database's settings so two
//! databases on one machine keep their own; a provider name never contains `/`, so the accounts
//! cannot meet). The database, logs and messages only ever see the header names.

use crate::error::{Error, Result};
use crate::keys::{ApiKey, KeyStorage, Keychain};

use super::config::Headers;

/// A fresh keychain account name for a database's headers.
pub fn new_account() -> String {
    format!("otel/{}", uuid::Uuid::now_v7())
}

/// Stores `headers` under `account`, replacing what was there; says where they went.
pub fn store(account: &str, headers: &Headers) -> Result<KeyStorage> {
    let text = serde_json::to_string(headers.expose())?;
    let secret = ApiKey::new(text).ok_or_else(|| Error::invalid("no headers to store"))?;
    Keychain::set(account, &secret).map_err(|_| unreachable("store"))
}

/// The headers stored under `account` (none when there is no entry).
pub fn load(account: &str) -> Result<Headers> {
    match Keychain::get(account) {
        Ok(Some(secret)) => {
            let pairs: Vec<(String, String)> = serde_json::from_str(secret.expose())
                .map_err(|_| Error::invalid("the OTLP headers in the OS keychain are unreadable: set them again with `promptline otel set --header NAME=VALUE`"))?;
            Headers::new(pairs)
        }
        Ok(None) => Ok(Headers::default()),
        Err(_) => Err(unreachable("read")),
    }
}

/// Deletes the headers under `account`; returns whether there were any.
pub fn delete(account: &str) -> Result<bool> {
    Keychain::delete(account).map_err(|_| unreachable("delete"))
}

fn unreachable(action: &str) -> Error {
    // The keychain's own message speaks of provider keys; this one says what to do here.
    Error::invalid(format!(
        "cannot {action} the OTLP headers in the OS keychain (no Secret Service or kernel keyring \
         is reachable): set them in OTEL_EXPORTER_OTLP_HEADERS instead"
    ))
}
