//! The `deletions` and `deleted_rows` tables: deletes that can be undone.
//!
//! An undoable delete copies every row it removes into `deleted_rows` (as a JSON object of the
//! row's columns) before deleting, in the same transaction: the runs or the prompt, and the rows
//! of every table that refers to them by a foreign key (texts, partial responses, whatever later
//! migrations add). [`Store::undo_deletion`] puts them back under the same keys, so ids, time
//! keys, texts and search entries come back exactly; the tables' triggers rebuild the search index,
//! the model counts and the prompts' activity as they do for any insert. Kept rows are purged once
//! [`UNDO_KEEP`] has passed.
//!
//! The tables are found from the schema, not listed here, so a table added later that refers to
//! runs or prompts is kept and restored without a change to this module.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::{now, to_micros, PromptId, RunFilter, RunId};
use crate::error::{Error, Result};
use crate::store::filter::{self, Texts};
use crate::store::{Store, WriteTx};

/// How long deleted rows are kept for an undo.
pub const UNDO_KEEP: Duration = Duration::from_secs(10 * 60);

/// Tables that refer to others but are not history: never copied into a deletion.
const NOT_HISTORY: [&str; 2] = ["deletions", "deleted_rows"];

/// The deepest chain of references followed from a deleted row (runs -> texts is 1).
const MAX_DEPTH: i64 = 4;

/// A delete that can be undone for [`UNDO_KEEP`]: its id, and what went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    /// Pass it to [`Store::undo_deletion`].
    pub id: String,
    /// How many runs went (with a prompt: its runs).
    pub runs: u64,
    /// How many prompts went.
    pub prompts: u64,
}

/// What a deletion starts from.
enum Target<'a> {
    Runs(&'a [RunId]),
    Matching(&'a RunFilter),
    Prompt(&'a PromptId),
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The columns of `table`, in order.
async fn columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<String>> {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *conn)
            .await?;
    Ok(names.into_iter().map(|(name,)| name).collect())
}

/// Every (table, column, referenced column) whose foreign key points at `parent`.
async fn referrers(
    conn: &mut SqliteConnection,
    parent: &str,
) -> Result<Vec<(String, String, String)>> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT m.name, f.\"from\", f.\"to\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND f.\"table\" = ? ORDER BY m.name",
    )
    .bind(parent)
    .fetch_all(&mut *conn)
    .await?;
    let mut found = Vec::new();
    for (table, from, to) in rows {
        if NOT_HISTORY.contains(&table.as_str()) {
            continue;
        }
        let to = match to {
            Some(to) => to,
            // A reference to the parent's primary key.
            None => {
                let (pk,): (String,) =
                    sqlx::query_as("SELECT name FROM pragma_table_info(?) WHERE pk = 1")
                        .bind(parent)
                        .fetch_one(&mut *conn)
                        .await?;
                pk
            }
        };
        found.push((table, from, to));
    }
    Ok(found)
}

/// Copies the rows of `table` that `condition` selects into the deletion, then, one level down,
/// the rows that refer to them.
async fn keep_rows(
    conn: &mut SqliteConnection,
    deletion: &str,
    table: &str,
    condition: &str,
    depth: i64,
) -> Result<()> {
    let pairs = columns(conn, table)
        .await?
        .iter()
        .map(|c| format!("'{}', {}", c.replace('\'', "''"), quoted(c)))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "INSERT INTO deleted_rows (deletion_id, depth, table_name, row) \
         SELECT ?, ?, ?, json_object({pairs}) FROM {} WHERE {condition}",
        quoted(table)
    ))
    .bind(deletion)
    .bind(depth)
    .bind(table)
    .execute(&mut *conn)
    .await?;
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    for (child, from, to) in referrers(conn, table).await? {
        let child_condition = format!(
            "{} IN (SELECT {} FROM {} WHERE {condition})",
            quoted(&from),
            quoted(&to),
            quoted(table)
        );
        Box::pin(keep_rows(
            conn,
            deletion,
            &child,
            &child_condition,
            depth + 1,
        ))
        .await?;
    }
    Ok(())
}

impl Store {
    /// Deletes the runs with these ids, keeping them for an undo; says how many existed.
    pub async fn delete_runs_undoably(&self, ids: &[RunId]) -> Result<Deletion> {
        self.delete_undoably(Target::Runs(ids)).await
    }

    /// Deletes every run matching `filter`, keeping them for an undo.
    pub async fn delete_matching_runs_undoably(&self, filter: &RunFilter) -> Result<Deletion> {
        self.delete_undoably(Target::Matching(filter)).await
    }

    /// Deletes a prompt and its runs, keeping them for an undo.
    pub async fn delete_prompt_undoably(&self, id: &PromptId) -> Result<Deletion> {
        self.delete_undoably(Target::Prompt(id)).await
    }

    async fn delete_undoably(&self, target: Target<'_>) -> Result<Deletion> {
        self.purge_deletions(UNDO_KEEP).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = WriteTx::begin(self.pool()).await?;
        sqlx::query("CREATE TEMP TABLE IF NOT EXISTS doomed_runs (seq INTEGER PRIMARY KEY)")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM temp.doomed_runs")
            .execute(&mut *tx)
            .await?;
        let mut prompts: u64 = 0;
        match target {
            Target::Runs(ids) => {
                for chunk in ids.chunks(500) {
                    let mut query = QueryBuilder::<Sqlite>::new(
                        "INSERT OR IGNORE INTO temp.doomed_runs SELECT seq FROM runs WHERE id IN (",
                    );
                    let mut list = query.separated(", ");
                    for run in chunk {
                        list.push_bind(run.as_str());
                    }
                    query.push(")").build().execute(&mut *tx).await?;
                }
            }
            Target::Matching(filter) => {
                let mut query =
                    QueryBuilder::<Sqlite>::new("INSERT INTO temp.doomed_runs SELECT r.seq");
                if filter::push_from_where(&mut query, filter, None, Texts::Without).matches_any {
                    query.build().execute(&mut *tx).await?;
                }
            }
            Target::Prompt(prompt) => {
                let found: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM prompts WHERE id = ?")
                    .bind(prompt.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(Error::not_found("prompt", prompt.as_str()));
                }
                sqlx::query(
                    "INSERT INTO temp.doomed_runs SELECT seq FROM runs WHERE prompt_id = ?",
                )
                .bind(prompt.as_str())
                .execute(&mut *tx)
                .await?;
                prompts = 1;
            }
        }
        let (runs,): (i64,) = sqlx::query_as("SELECT count(*) FROM temp.doomed_runs")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO deletions (id, deleted_at, runs, prompts) VALUES (?, ?, ?, ?)")
            .bind(&id)
            .bind(to_micros(now()))
            .bind(runs)
            .bind(prompts as i64)
            .execute(&mut *tx)
            .await?;
        if let Target::Prompt(prompt) = target {
            // The prompt, and what refers to it (its runs by `prompt_id`, and their rows).
            let condition = format!("id = '{}'", prompt.as_str().replace('\'', "''"));
            keep_rows(&mut tx, &id, "prompts", &condition, 0).await?;
            sqlx::query("DELETE FROM prompts WHERE id = ?")
                .bind(prompt.as_str())
                .execute(&mut *tx)
                .await?;
        } else {
            keep_rows(
                &mut tx,
                &id,
                "runs",
                "seq IN (SELECT seq FROM temp.doomed_runs)",
                1,
            )
            .await?;
            sqlx::query("DELETE FROM runs WHERE seq IN (SELECT seq FROM temp.doomed_runs)")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM temp.doomed_runs")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Deletion {
            id,
            runs: runs as u64,
            prompts,
        })
    }

    /// Puts back what a deletion removed, exactly: same ids, time keys and texts, searchable
    /// again. Fails when the deletion is unknown or was purged.
    pub async fn undo_deletion(&self, id: &str) -> Result<Deletion> {
        let mut tx = WriteTx::begin(self.pool()).await?;
        let found: Option<(i64, i64)> =
            sqlx::query_as("SELECT runs, prompts FROM deletions WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((runs, prompts)) = found else {
            return Err(Error::invalid(format!(
                "nothing to undo: deletion `{id}` is unknown or older than {} minutes",
                UNDO_KEEP.as_secs() / 60
            )));
        };
        let groups: Vec<(i64, String)> = sqlx::query_as(
            "SELECT depth, table_name FROM deleted_rows WHERE deletion_id = ? \
             GROUP BY depth, table_name ORDER BY depth, min(rowid)",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        for (depth, table) in groups {
            restore_rows(&mut tx, id, depth, &table).await?;
            if table == "prompts" {
                // The runs going back in count themselves in through the triggers.
                sqlx::query(
                    "UPDATE prompts SET run_count = 0, last_run_at = NULL, last_status = NULL \
                     WHERE id IN (SELECT json_extract(row, '$.id') FROM deleted_rows \
                                  WHERE deletion_id = ? AND table_name = 'prompts')",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("DELETE FROM deletions WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Deletion {
            id: id.to_owned(),
            runs: runs as u64,
            prompts: prompts as u64,
        })
    }

    /// The newest deletion that can still be undone, if any.
    pub async fn last_deletion(&self) -> Result<Option<Deletion>> {
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT id, runs, prompts FROM deletions WHERE deleted_at >= ? \
             ORDER BY deleted_at DESC, id DESC LIMIT 1",
        )
        .bind(to_micros(now()) - UNDO_KEEP.as_micros() as i64)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(id, runs, prompts)| Deletion {
            id,
            runs: runs as u64,
            prompts: prompts as u64,
        }))
    }

    /// Forgets the rows of deletions made more than `older_than` ago; returns how many deletions.
    pub async fn purge_deletions(&self, older_than: Duration) -> Result<u64> {
        let cutoff = to_micros(now()) - older_than.as_micros() as i64;
        Ok(sqlx::query("DELETE FROM deletions WHERE deleted_at < ?")
            .bind(cutoff)
            .execute(self.pool())
            .await?
            .rows_affected())
    }
}

/// Inserts the kept rows of one table of a deletion, with the columns the table has now.
async fn restore_rows(
    conn: &mut SqliteConnection,
    deletion: &str,
    depth: i64,
    table: &str,
) -> Result<()> {
    let kept: Vec<(String,)> = sqlx::query_as(
        "SELECT j.key FROM json_each((SELECT row FROM deleted_rows \
         WHERE deletion_id = ? AND depth = ? AND table_name = ? LIMIT 1)) j",
    )
    .bind(deletion)
    .bind(depth)
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let kept: Vec<String> = kept.into_iter().map(|(key,)| key).collect();
    let now_columns = columns(conn, table).await?;
    let restored: Vec<&String> = now_columns.iter().filter(|c| kept.contains(c)).collect();
    if restored.is_empty() {
        return Ok(());
    }
    let names = restored
        .iter()
        .map(|c| quoted(c))
        .collect::<Vec<_>>()
        .join(", ");
    let values = restored
        .iter()
        .map(|c| format!("json_extract(row, '$.\"{}\"')", c.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "INSERT INTO {} ({names}) SELECT {values} FROM deleted_rows \
         WHERE deletion_id = ? AND depth = ? AND table_name = ? ORDER BY rowid",
        quoted(table)
    ))
    .bind(deletion)
    .bind(depth)
    .bind(table)
    .execute(&mut *conn)
    .await
    .map_err(|e| Error::invalid(format!("cannot undo the delete: {e}")))?;
    Ok(())
}
