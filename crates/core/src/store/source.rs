//! `runs.source`: where a run came from (`promptline` for the CLI and the app, `mcp` for a run an
//! agent started through `promptline mcp`, ...).

use crate::error::{Error, Result};
use crate::store::Store;
use crate::RunId;

impl Store {
    /// Marks a recorded run as coming from `source` (a short lowercase word).
    pub async fn set_run_source(&self, id: &RunId, source: &str) -> Result<()> {
        let done = sqlx::query("UPDATE runs SET source = ? WHERE id = ?")
            .bind(source)
            .bind(id.as_str())
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("run", id.as_str()));
        }
        Ok(())
    }

    /// Where a run came from; `None` when there is no such run.
    pub async fn run_source(&self, id: &RunId) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT source FROM runs WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|(source,)| source))
    }
}
