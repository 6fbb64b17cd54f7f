//! Live export: the outbox, sent in batches while the app runs (a background task) or before a
//! CLI command exits (a bounded flush). A batch is leased in the outbox while in flight, taken out
//! only when the collector acknowledged it, and put back with a growing delay when it did not.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::client::{OtlpClient, SendFailure};
use super::config::ExportConfig;
use super::span::{self, SpanOptions};
use super::ExporterStatus;
use crate::domain::{now, to_micros};
use crate::error::Result;
use crate::store::Store;

/// Runs per request.
pub const BATCH: i64 = 256;

/// How often the background task looks at the outbox without being woken (runs recorded by
/// another process, such as a CLI command, land there too).
const POLL: Duration = Duration::from_secs(5);

/// The first and the longest wait after a failure.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// The exporter of one process. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LiveExporter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    client: Mutex<Option<Arc<OtlpClient>>>,
    /// Why the configuration could not be used (a bad environment variable, an unreachable
    /// keychain), when it could not.
    config_error: Mutex<Option<String>>,
    wake: Notify,
    /// The runs of the batch in flight, so a flush cut short can put them back.
    in_flight: Mutex<Vec<i64>>,
}

/// What a bounded flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Runs acknowledged.
    pub sent: usize,
    /// Runs still in the outbox afterwards.
    pub waiting: i64,
    /// The failure that stopped it, in words.
    pub error: Option<String>,
}

impl LiveExporter {
    /// The exporter for `store`, configured from its settings, the keychain and the environment.
    /// Turns the store's outbox on when an endpoint is configured. A configuration that cannot be
    /// used is no reason to fail a run: it is kept as the exporter's error and nothing is queued.
    pub async fn load(store: &Store) -> Self {
        let exporter = Self::off(store);
        exporter.reload().await;
        exporter
    }

    /// An exporter that sends nothing until [`LiveExporter::reload`] finds an endpoint.
    pub fn off(store: &Store) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: store.clone(),
                client: Mutex::new(None),
                config_error: Mutex::new(None),
                wake: Notify::new(),
                in_flight: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Reads the configuration again (after the settings changed).
    pub async fn reload(&self) {
        let loaded = super::load_config(&self.inner.store, None)
            .await
            .and_then(|config| config.map(OtlpClient::new).transpose());
        let (client, error) = match loaded {
            Ok(client) => (client.map(Arc::new), None),
            Err(e) => (None, Some(e.to_string())),
        };
        self.inner.store.set_live_export(client.is_some());
        *lock(&self.inner.client) = client;
        *lock(&self.inner.config_error) = error;
        self.inner.wake.notify_one();
    }

    /// The configuration in force, if any.
    pub fn config(&self) -> Option<ExportConfig> {
        self.client().map(|c| c.config().clone())
    }

    /// Why the configuration could not be used, if it could not.
    pub fn config_error(&self) -> Option<String> {
        lock(&self.inner.config_error).clone()
    }

    /// Whether an endpoint is configured.
    pub fn is_on(&self) -> bool {
        self.client().is_some()
    }

    fn client(&self) -> Option<Arc<OtlpClient>> {
        lock(&self.inner.client).clone()
    }

    /// Tells the background task that a run was recorded.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// The state for people.
    pub async fn status(&self) -> Result<ExporterStatus> {
        let config = self.config();
        let mut status = super::status(&self.inner.store, config.as_ref()).await?;
        if let Some(error) = self.config_error() {
            status.state = "failing".to_owned();
            status.last_error = Some(error);
        }
        Ok(status)
    }

    /// Starts the background task (the app): it sends what is due, then waits to be woken or for
    /// the next look, backing off after failures. It runs until the process ends.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        let exporter = self.clone();
        tokio::spawn(async move { exporter.run_forever().await })
    }

    /// The background task itself, for a runtime of the caller's choosing (the app's).
    pub async fn run_forever(self) {
        let mut backoff = BACKOFF_MIN;
        loop {
            let Some(client) = self.client() else {
                self.inner.wake.notified().await;
                continue;
            };
            match self.send_batch(&client).await {
                Ok(0) => {
                    backoff = BACKOFF_MIN;
                    let _ = tokio::time::timeout(POLL, self.inner.wake.notified()).await;
                }
                Ok(_) => backoff = BACKOFF_MIN,
                Err(failure) => {
                    let wait = failure.retry_after.unwrap_or(backoff).min(BACKOFF_MAX);
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    // Settings changed meanwhile (the wake) end the wait early: the user may have
                    // just fixed the endpoint.
                    let _ = tokio::time::timeout(wait, self.inner.wake.notified()).await;
                }
            }
        }
    }

    /// Sends what is due for at most `within` (a CLI command before it exits): batches until the
    /// outbox is empty, a send fails or the time is up. Whatever is not acknowledged stays in the
    /// outbox for the next process.
    pub async fn flush(&self, within: Duration) -> FlushReport {
        let mut report = FlushReport::default();
        let Some(client) = self.client() else {
            return report;
        };
        let work = async {
            loop {
                match self.send_batch(&client).await {
                    Ok(0) => break,
                    Ok(n) => report.sent += n,
                    Err(failure) => {
                        report.error = Some(failure.message);
                        break;
                    }
                }
            }
        };
        if tokio::time::timeout(within, work).await.is_err() {
            // The request in flight was dropped: its runs are due again at once, for the next
            // process, instead of when the lease runs out.
            let seqs = std::mem::take(&mut *lock(&self.inner.in_flight));
            let _ = self.inner.store.release_otel_outbox(&seqs, 0).await;
            report.error = Some(format!(
                "the collector at {} did not answer within {} s; the runs wait in the outbox",
                client.config().endpoint,
                within.as_secs_f64()
            ));
        }
        report.waiting = self.inner.store.otel_outbox_len().await.unwrap_or(0);
        report
    }

    /// Claims one batch, sends it and settles it; returns how many runs it acknowledged (0: none
    /// due).
    async fn send_batch(&self, client: &OtlpClient) -> Result<usize, SendFailure> {
        let store = &self.inner.store;
        let config = client.config();
        let lease_until = to_micros(now())
            + i64::try_from((config.timeout + Duration::from_secs(5)).as_micros()).unwrap_or(0);
        let seqs = store
            .claim_otel_outbox(BATCH, lease_until)
            .await
            .map_err(database)?;
        if seqs.is_empty() {
            return Ok(0);
        }
        *lock(&self.inner.in_flight) = seqs.clone();
        let result = self.settle(client, &seqs).await;
        lock(&self.inner.in_flight).clear();
        result
    }

    async fn settle(&self, client: &OtlpClient, seqs: &[i64]) -> Result<usize, SendFailure> {
        let store = &self.inner.store;
        let config = client.config();
        let sources = store
            .span_sources(seqs, config.capture_content)
            .await
            .map_err(database)?;
        let options = SpanOptions {
            capture_content: config.capture_content,
        };
        let spans = sources.iter().map(|run| span::span(run, options)).collect();
        match client.send(spans).await {
            Ok(accepted) => {
                store
                    .ack_otel(&config.endpoint, seqs)
                    .await
                    .map_err(database)?;
                let note = accepted
                    .rejected
                    .map(|(n, why)| format!("the collector dropped {n} spans it received: {why}"));
                let _ = store.note_otel_attempt(note.as_deref()).await;
                Ok(seqs.len())
            }
            Err(failure) => {
                let _ = store.note_otel_attempt(Some(&failure.message)).await;
                let delay = failure.retry_after.unwrap_or(BACKOFF_MIN);
                let due = to_micros(now()) + i64::try_from(delay.as_micros()).unwrap_or(0);
                let _ = store.release_otel_outbox(seqs, due).await;
                Err(failure)
            }
        }
    }
}

fn database(error: crate::Error) -> SendFailure {
    SendFailure {
        message: format!("cannot read the export outbox: {error}"),
        retry_after: None,
        transient: true,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
