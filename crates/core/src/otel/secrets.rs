//! The collector's header values in the OS keychain, as a secret bound to this history database
//! and to the endpoint's origin (see [`crate::secrets`]): another database, or an endpoint on
//! another scheme, host or port, never gets them. The database, logs and messages only ever see
//! the header names.

use crate::error::{Error, Result};
use crate::keys::{ApiKey, KeyStorage, Keychain};
use crate::secrets::{DatabaseId, Origin, Purpose, SecretBinding, Vault};

use super::config::Headers;

/// The owner of the headers' binding: a database has one exporter.
const OWNER: &str = "exporter";

/// Where the headers for `endpoint` are kept for `database`.
pub fn binding(database: &DatabaseId, endpoint: &str) -> Result<SecretBinding> {
    Ok(SecretBinding::new(
        database.clone(),
        Purpose::OtlpHeaders,
        OWNER,
        Origin::parse(endpoint)?,
    ))
}

/// Stores `headers` under `binding`, replacing what was there; says where they went.
pub fn store(binding: &SecretBinding, headers: &Headers) -> Result<KeyStorage> {
    let text = serde_json::to_string(headers.expose())?;
    let secret = ApiKey::new(text).ok_or_else(|| Error::invalid("no headers to store"))?;
    Vault::store(binding, &secret).map_err(|_| unreachable("store"))
}

/// The headers stored under `binding` (none when there is no entry).
pub fn load(binding: &SecretBinding) -> Result<Headers> {
    match Vault::load(binding) {
        Ok(Some(secret)) => parse(&secret),
        Ok(None) => Ok(Headers::default()),
        Err(_) => Err(unreachable("read")),
    }
}

/// Deletes the headers under `binding`; returns whether there were any.
pub fn delete(binding: &SecretBinding) -> Result<bool> {
    Vault::remove(binding).map_err(|_| unreachable("delete"))
}

/// The headers an earlier version stored under a bare account name (`otel/<uuid>`, named in the
/// database's settings), moved under `binding` and deleted from the old entry. Nothing is
/// deleted before the new entry is written.
pub fn migrate_legacy(account: &str, binding: &SecretBinding) -> Result<Headers> {
    let headers = match Keychain::get(account) {
        Ok(Some(secret)) => parse(&secret)?,
        Ok(None) => Headers::default(),
        Err(_) => return Err(unreachable("read")),
    };
    if !headers.is_empty() && load(binding)?.is_empty() {
        store(binding, &headers)?;
    }
    Keychain::delete(account).map_err(|_| unreachable("delete"))?;
    Ok(headers)
}

fn parse(secret: &ApiKey) -> Result<Headers> {
    let pairs: Vec<(String, String)> = serde_json::from_str(secret.expose()).map_err(|_| {
        Error::invalid(
            "the OTLP headers in the OS keychain are unreadable: set them again with \
             `promptline otel set --header NAME=VALUE`",
        )
    })?;
    Headers::new(pairs)
}

fn unreachable(action: &str) -> Error {
    // The keychain's own message speaks of provider keys; this one says what to do here.
    Error::invalid(format!(
        "cannot {action} the OTLP headers in the OS keychain (no Secret Service or kernel keyring \
         is reachable): set them in OTEL_EXPORTER_OTLP_HEADERS instead"
    ))
}
