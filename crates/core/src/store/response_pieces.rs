//! A run's response read a piece at a time: the detail view shows the head at once and asks for
//! the rest as it is read, so a response of many megabytes never crosses to the window in one go.
//!
//! Offsets and lengths count characters (Unicode scalar values): SQLite's `substr` and `length`
//! count characters on TEXT, so a piece never splits a UTF-8 sequence and the pieces, joined in
//! order, are exactly the stored response.

use sqlx::FromRow;

use crate::domain::{RunHead, RunId};
use crate::error::{Error, Result};
use crate::store::runs::{FullRow, FULL_COLUMNS, FULL_FROM};
use crate::store::Store;

/// The columns of [`FULL_COLUMNS`] as a subquery names them, but for the response.
const HEAD_COLUMNS: &str = "id, prompt_id, created_at, model, provider, status, tokens_used, \
     input_tokens, output_tokens, execution_time_ms, ttft_ms, error_message, preview, response_chars, \
     source, thread_id, cached_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_source, \
     priced_as, rating, tags, note, owner, stop_reason, params, variables, prompt_text, \
     resolved_model, system_prompt, context, prompt_version";

#[derive(FromRow)]
struct HeadRow {
    #[sqlx(flatten)]
    full: FullRow,
    response_total_chars: i64,
}

impl Store {
    /// The run with its response cut to its first `head_chars` characters (all of it when it is
    /// shorter), and how many characters the whole response has. For a run in flight, the text
    /// streamed so far.
    pub async fn run_head(&self, id: &RunId, head_chars: i64) -> Result<RunHead> {
        // The subquery is flattened into the outer one: the response is never copied out whole.
        // A finished run's length is the count every write of its response keeps beside it;
        // counting the characters of 50 MB again would cost as much as the head itself.
        let sql = format!(
            "SELECT {HEAD_COLUMNS}, substr(response, 1, ?) AS response, \
             CASE WHEN status = 'running' THEN length(response) ELSE response_chars END \
             AS response_total_chars \
             FROM (SELECT {FULL_COLUMNS} {FULL_FROM} WHERE r.id = ?)"
        );
        let row: Option<HeadRow> = sqlx::query_as(&sql)
            .bind(head_chars.max(0))
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        let row = row.ok_or_else(|| Error::not_found("run", id.as_str()))?;
        Ok(RunHead {
            run: row.full.into_run()?,
            response_total_chars: row.response_total_chars,
        })
    }

    /// Up to `max_chars` characters of the run's response from character `start_char` (counted
    /// from 0). Empty past the end, or for a negative or zero `max_chars`.
    pub async fn response_piece(
        &self,
        id: &RunId,
        start_char: i64,
        max_chars: i64,
    ) -> Result<String> {
        let sql = format!(
            "SELECT substr(response, ?, ?) FROM (SELECT {FULL_COLUMNS} {FULL_FROM} WHERE r.id = ?)"
        );
        let piece: Option<(String,)> = sqlx::query_as(&sql)
            // substr counts from 1.
            .bind(start_char.max(0).saturating_add(1))
            .bind(max_chars.max(0))
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        piece
            .map(|(text,)| text)
            .ok_or_else(|| Error::not_found("run", id.as_str()))
    }
}
