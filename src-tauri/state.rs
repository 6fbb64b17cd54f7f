//! What the app keeps while it runs: the store and a cancellation token per run under way.

use std::collections::HashMap;
use std::sync::Mutex;

use promptline_core::store::ChangeWatch;
use promptline_core::{RunId, Store};
use tokio_util::sync::CancellationToken;

/// Managed state shared by every command.
#[derive(Debug)]
pub struct AppState {
    /// The history database.
    pub store: Store,
    /// Runs under way, by id, so `cancel_run` can stop them.
    running: Mutex<HashMap<RunId, CancellationToken>>,
    /// The watch for changes made by other processes (opened on first use).
    changes: tokio::sync::OnceCell<ChangeWatch>,
}

impl AppState {
    /// State over an open store, with nothing running.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            running: Mutex::new(HashMap::new()),
            changes: tokio::sync::OnceCell::new(),
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
