//! What each connection to the history database runs with, read back from SQLite itself: the
//! README's "a recorded run survives a power cut" rests on `synchronous = FULL` in WAL mode on
//! every connection that writes, not on the options the pool was built with.

use serde::Serialize;

use super::Store;
use crate::error::Result;

/// One live connection's settings, as SQLite reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionSettings {
    /// `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    pub synchronous: i64,
    /// `PRAGMA journal_mode`, e.g. `wal`.
    pub journal_mode: String,
    /// `PRAGMA foreign_keys`: whether deletes cascade as the schema says.
    pub foreign_keys: bool,
}

impl ConnectionSettings {
    /// `PRAGMA synchronous` for FULL.
    pub const FULL: i64 = 2;
}

impl Store {
    /// The settings of every connection the pool can hold: all of them are taken at once (so the
    /// pool opens as many as it may) and each is asked. A connection opened later is made from
    /// the same options.
    pub async fn connection_settings(&self) -> Result<Vec<ConnectionSettings>> {
        let most = self.pool().options().get_max_connections() as usize;
        let mut held = Vec::with_capacity(most);
        for _ in 0..most {
            held.push(self.pool().acquire().await?);
        }
        let mut settings = Vec::with_capacity(most);
        for conn in &mut held {
            let (synchronous,): (i64,) = sqlx::query_as("PRAGMA synchronous")
                .fetch_one(&mut **conn)
                .await?;
            let (journal_mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
                .fetch_one(&mut **conn)
                .await?;
            let (foreign_keys,): (bool,) = sqlx::query_as("PRAGMA foreign_keys")
                .fetch_one(&mut **conn)
                .await?;
            settings.push(ConnectionSettings {
                synchronous,
                journal_mode,
                foreign_keys,
            });
        }
        Ok(settings)
    }
}
