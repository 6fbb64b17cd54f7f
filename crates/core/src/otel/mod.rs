//! The OpenTelemetry exporter: every finished run as an OTLP span in the GenAI semantic
//! conventions, sent over OTLP/HTTP to whatever the user's team watches (Langfuse, Phoenix,
//! Jaeger, Tempo, Datadog, Honeycomb, an OpenTelemetry Collector).
//!
//! - [`config`]: the endpoint, headers and switches, from the settings, the keychain and `OTEL_*`.
//! - [`span`]: a run as a span; [`semconv`]: the attribute names.
//! - [`client`]: one POST per batch; [`live`]: the outbox, sent in the background with backoff;
//!   [`backfill`]: past history, resumable.
//!
//! It reads the store and never the other way round: a run is recorded (and queued in the outbox
//! in the same transaction) whatever the network does.

pub mod backfill;
pub mod client;
pub mod config;
pub mod live;
pub mod secrets;
pub mod semconv;
pub mod span;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use config::{ExportConfig, Headers};
pub use live::LiveExporter;

use crate::domain::from_micros;
use crate::error::{Error, Result};
use crate::keys::KeyStorage;
use crate::store::otel::OtelSettings;
use crate::store::Store;

/// The exporter's state as Settings > Integrations and `otel show` present it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExporterStatus {
    /// `off` (no endpoint), `waiting` (nothing sent yet), `connected` (the last send worked) or
    /// `failing` (the last send failed; `last_error` says how).
    pub state: String,
    /// The traces URL in use.
    pub endpoint: Option<String>,
    /// Where it came from: `settings`, `$OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, ...
    pub endpoint_source: Option<String>,
    /// The endpoint saved in the settings (what the form edits), even when the environment wins.
    pub saved_endpoint: Option<String>,
    /// The names of the headers sent (values are never shown).
    pub header_names: Vec<String>,
    /// Whether prompts and responses go into the spans.
    pub capture_content: bool,
    /// Runs in the outbox.
    pub waiting: i64,
    /// When a batch was last acknowledged.
    pub last_sent_at: Option<DateTime<Utc>>,
    /// The last failure, in words, when it came after the last success.
    pub last_error: Option<String>,
    /// When that was.
    pub last_error_at: Option<DateTime<Utc>>,
}

/// What `otel set` / the Integrations form changes; `None` keeps a value as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    /// The new traces URL.
    pub endpoint: Option<String>,
    /// The new header set (replacing the old one; empty removes them all).
    pub headers: Option<Headers>,
    /// Content capture on or off.
    pub capture_content: Option<bool>,
}

/// Runs blocking keychain work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::invalid(format!("the keychain task failed: {e}")))?
}

/// The headers saved for `store`'s endpoint, from the keychain. Headers an earlier version kept
/// under a bare account name are moved to the bound entry on the way (once).
pub async fn stored_headers(store: &Store, settings: &OtelSettings) -> Result<Headers> {
    let Some(endpoint) = settings.endpoint.clone() else {
        return Ok(Headers::default());
    };
    let binding = secrets::binding(&store.database_id().await?, &endpoint)?;
    let Some(account) = settings.keychain_account.clone() else {
        return blocking(move || secrets::load(&binding)).await;
    };
    let target = binding.clone();
    blocking(move || secrets::migrate_legacy(&account, &target)).await?;
    store
        .save_otel_settings(Some(&endpoint), settings.capture_content, None)
        .await?;
    blocking(move || secrets::load(&binding)).await
}

/// The configuration in force for `store` in this process: settings, keychain, environment;
/// `endpoint_flag` (a backfill's `--endpoint`) wins.
pub async fn load_config(
    store: &Store,
    endpoint_flag: Option<&str>,
) -> Result<Option<ExportConfig>> {
    let settings = store.otel_settings().await?;
    let headers = stored_headers(store, &settings).await?;
    config::resolve(&settings, headers, endpoint_flag, &|name| {
        std::env::var(name).ok()
    })
}

/// What [`save_settings`] did with the header values.
#[derive(Debug, Clone, Default)]
pub struct SavedSettings {
    /// Where new header values went, when some were given.
    pub stored: Option<KeyStorage>,
    /// The origin whose headers did not follow the endpoint to another origin (they were
    /// given for that server only, and are deleted): the caller says to give them again.
    pub headers_left_behind: Option<String>,
}

/// Saves a change to the settings: header values to the keychain first (so a keychain that fails
/// changes nothing), then the endpoint and switch to the database. Headers are bound to the
/// endpoint's origin: a new endpoint on the same origin keeps them, one on another origin does not
/// take them along.
pub async fn save_settings(store: &Store, change: SettingsChange) -> Result<SavedSettings> {
    let current = store.otel_settings().await?;
    let endpoint = match change.endpoint.as_deref().or(current.endpoint.as_deref()) {
        Some(url) => config::validate_endpoint(url)?,
        None => {
            return Err(Error::invalid(
                "no endpoint is set: give one, e.g. --endpoint http://localhost:4318/v1/traces",
            ))
        }
    };
    // Headers of an earlier version move to their bound entry first.
    let old_headers = stored_headers(store, &current).await?;
    let database = store.database_id().await?;
    let old = match current.endpoint.as_deref() {
        Some(url) => Some(secrets::binding(&database, url)?),
        None => None,
    };
    let new = secrets::binding(&database, &endpoint)?;
    let moved_away = old.as_ref().filter(|old| old.origin != new.origin).cloned();
    let content = change.capture_content.unwrap_or(current.capture_content);
    let mut saved = SavedSettings::default();
    match change.headers {
        Some(headers) if headers.is_empty() => {
            let target = new.clone();
            blocking(move || secrets::delete(&target)).await?;
        }
        Some(headers) => {
            let target = new.clone();
            saved.stored = Some(blocking(move || secrets::store(&target, &headers)).await?);
        }
        None => {
            if moved_away.is_some() && !old_headers.is_empty() {
                saved.headers_left_behind = moved_away.as_ref().map(|old| old.origin.to_string());
            }
        }
    }
    if let Some(old) = moved_away {
        blocking(move || secrets::delete(&old)).await?;
    }
    store
        .save_otel_settings(Some(&endpoint), content, None)
        .await?;
    Ok(saved)
}

/// Turns live export off: forgets the endpoint and the headers (keychain entry deleted) and empties
/// the outbox. Returns how many runs were waiting (a backfill can still send them).
pub async fn turn_off(store: &Store) -> Result<u64> {
    let current = store.otel_settings().await?;
    stored_headers(store, &current).await?;
    if let Some(endpoint) = current.endpoint.as_deref() {
        let binding = secrets::binding(&store.database_id().await?, endpoint)?;
        blocking(move || secrets::delete(&binding)).await?;
    }
    store.save_otel_settings(None, false, None).await?;
    store.clear_otel_outbox().await
}

/// The state for people: the configuration in force (`config`, as [`load_config`] gave it) and
/// what the settings recorded of the last attempts.
pub async fn status(store: &Store, config: Option<&ExportConfig>) -> Result<ExporterStatus> {
    let settings = store.otel_settings().await?;
    let waiting = store.otel_outbox_len().await?;
    let state = match (config, &settings.last_error, settings.last_sent_at) {
        (None, _, _) => "off",
        (Some(_), Some(_), _) => "failing",
        (Some(_), None, Some(_)) => "connected",
        (Some(_), None, None) => "waiting",
    };
    Ok(ExporterStatus {
        state: state.to_owned(),
        endpoint: config.map(|c| c.endpoint.clone()),
        endpoint_source: config.map(|c| c.endpoint_source.describe()),
        saved_endpoint: settings.endpoint.clone(),
        header_names: config.map(|c| c.headers.names()).unwrap_or_default(),
        capture_content: config.is_some_and(|c| c.capture_content),
        waiting,
        last_sent_at: settings.last_sent_at.map(from_micros),
        last_error: config.and(settings.last_error),
        last_error_at: config.and(settings.last_error_at.map(from_micros)),
    })
}
