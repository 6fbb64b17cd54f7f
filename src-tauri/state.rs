//! What the app keeps while it runs: the store and a cancellation token per run under way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use promptline_core::otel::LiveExporter;
use promptline_core::store::ChangeWatch;
use promptline_core::{RunId, Store};
use tokio_util::sync::CancellationToken;

/// Managed state shared by every command.
#[derive(Debug)]
pub struct AppState {
    /// The history database.
    pub store: Store,
    /// The OpenTelemetry exporter (off until [`LiveExporter::reload`] finds an endpoint).
    pub exporter: LiveExporter,
    /// Runs under way, by id, so `cancel_run` can stop them.
    running: Mutex<HashMap<RunId, CancellationToken>>,
    /// The watch for changes made by other processes (opened as the app starts, see [`Self::new`]).
    changes: Arc<tokio::sync::OnceCell<ChangeWatch>>,
}

impl AppState {
    /// State over an open store, with nothing running. Starts the live export in the background:
    /// the settings (and the keychain) are read off the main thread, then the outbox is sent for
    /// as long as the app runs.
    pub fn new(store: Store) -> Self {
        let exporter = LiveExporter::off(&store);
        let background = exporter.clone();
        tauri::async_runtime::spawn(async move {
            background.reload().await;
            background.run_forever().await;
        });
        // The watch must know the database's version before the window reads its first page:
        // opened lazily by the first poll, it took the version after a run the CLI recorded in
        // between, and that run never showed (e2e/promises.test.mjs caught it).
        let changes = Arc::new(tokio::sync::OnceCell::new());
        let (watch, watched) = (changes.clone(), store.clone());
        tauri::async_runtime::spawn(async move {
            let _ = watch.get_or_try_init(|| watched.watch_changes()).await;
        });
        Self {
            exporter,
            store,
            running: Mutex::new(HashMap::new()),
            changes,
        }
    }

    /// Whether the database changed since the previous call (a run recorded, completed or
    /// deleted here or in another process, such as the CLI).
    pub async fn history_changed(&self) -> promptline_core::Result<bool> {
        let watch = self
            .changes
            .get_or_try_init(|| self.store.watch_changes())
            .await?;
        watch.changed().await
    }

    /// Registers a run under way and returns the token that stops it.
    pub fn track(&self, id: &RunId) -> CancellationToken {
        let token = CancellationToken::new();
        self.lock().insert(id.clone(), token.clone());
        token
    }

    /// Forgets a run once it has been recorded.
    pub fn untrack(&self, id: &RunId) {
        self.lock().remove(id);
    }

    /// Asks a run to stop; false when no run with this id is under way.
    pub fn cancel(&self, id: &RunId) -> bool {
        match self.lock().get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RunId, CancellationToken>> {
        // A panic while holding the lock leaves the map usable; recover it rather than abort.
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
