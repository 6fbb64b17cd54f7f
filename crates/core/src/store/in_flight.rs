//! The `runs_in_flight` table: runs recorded when they start, their partial responses as they
//! stream, and who runs them.
//!
//! A run starts as a `running` row in `runs` (with its prompt in `run_texts`) and a row here that
//! names its owner: this process's instance of the store. The owner is alive as long as it holds
//! an exclusive lock on a file of its own beside the database (`<db>-live/<owner>.lock`); the OS
//! releases the lock when the process ends, however it ends (`kill -9` included). At the next open
//! of the database, a run whose owner holds no lock any more becomes `interrupted`, with what had
//! been written of its response. A run of a live owner (the CLI while the app is open, or the
//! reverse) is left alone.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sqlx::SqliteConnection;

use crate::domain::{from_micros, now, to_micros, NewRun, Run, RunId, RunStatus, RunSummary};
use crate::error::{Error, Result};
use crate::store::runs::{insert_rows, insert_texts, json_object_text, preview_of, RunRow};
use crate::store::time_key::{self, KeyAllocator};
use crate::store::{Store, WriteTx};

/// The response so far of the run in flight `f`: its pieces in order.
pub(crate) const PARTIAL_RESPONSE: &str =
    "coalesce((SELECT group_concat(x.text, '' ORDER BY x.piece) \
     FROM run_pieces x WHERE x.seq = f.seq), '')";

/// This process's claim on the runs it has in flight in one database.
#[derive(Debug)]
pub(crate) struct Liveness {
    /// Where the owners' lock files are; `None` for an in-memory database, which no other process
    /// can see.
    dir: Option<PathBuf>,
    /// This store's owner id.
    owner: String,
    /// The lock file, held (locked) from the first run started until the process ends.
    held: Mutex<Option<File>>,
}

impl Liveness {
    /// The liveness of runs in the database at `db_path` (or of an in-memory one).
    pub(crate) fn for_database(db_path: Option<&Path>) -> Self {
        let dir = db_path.map(|path| {
            let mut name = path.file_name().unwrap_or_default().to_os_string();
            name.push("-live");
            path.with_file_name(name)
        });
        Self {
            dir,
            owner: uuid::Uuid::now_v7().to_string(),
            held: Mutex::new(None),
        }
    }

    fn lock_path(dir: &Path, owner: &str) -> PathBuf {
        dir.join(format!("{owner}.lock"))
    }

    /// Takes this owner's lock, once; runs started after this are known to be alive.
    fn claim(&self) -> Result<()> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.is_some() {
            return Ok(());
        }
        let cannot = |e: std::io::Error| {
            Error::invalid(format!(
                "cannot mark the run as in flight in {}: {e}",
                dir.display()
            ))
        };
        std::fs::create_dir_all(dir).map_err(cannot)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(Self::lock_path(dir, &self.owner))
            .map_err(cannot)?;
        file.lock().map_err(cannot)?;
        *held = Some(file);
        Ok(())
    }

    /// Whether `owner` is a process that is still running (it holds its lock). An owner whose
    /// lock file is gone, or can be locked, has ended; its lock file is removed.
    fn is_alive(&self, owner: &str) -> bool {
        if owner == self.owner {
            return true;
        }
        let Some(dir) = &self.dir else {
            return false;
        };
        let path = Self::lock_path(dir, owner);
        let Ok(file) = OpenOptions::new().write(true).open(&path) else {
            return false;
        };
        match file.try_lock() {
            Ok(()) => {
                let _ = std::fs::remove_file(&path);
                false
            }
            Err(_) => true,
        }
    }
}

/// A run recorded as `running`: pass it back to save its partial response and to complete it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    key: i64,
    /// The run's id.
    pub id: RunId,
}

impl Store {
    /// Records `run` as started: a `running` row with its prompt and no response yet, owned by
    /// this process. Complete it with [`Store::complete_run`].
    pub async fn begin_run(&self, run: &NewRun) -> Result<InFlight> {
        self.live.claim()?;
        let mut started = run.clone();
        started.status = RunStatus::Running;
        started.response.clear();
        started.stop_reason = None;
        started.error_message = None;
        // Priced when it ends, with its token counts (see `prices`).
        started.cost = None;
        let mut tx = WriteTx::begin(self.pool()).await?;
        let key = KeyAllocator::default()
            .allocate(&mut tx, to_micros(run.created_at))
            .await?;
        let rows = [RunRow::new(key, &started)?];
        let inserted = insert_rows(&mut tx, &rows).await?;
        if inserted.is_empty() {
            return Err(Error::invalid(format!(
                "a run with id `{}` already exists",
                run.id
            )));
        }
        insert_texts(&mut tx, &rows, &inserted).await?;
        sqlx::query("INSERT INTO runs_in_flight (seq, owner, pid, written_at) VALUES (?, ?, ?, ?)")
            .bind(key)
            .bind(&self.live.owner)
            .bind(i64::from(std::process::id()))
            .bind(to_micros(now()))
            .execute(&mut *tx)
            .await?;
        // Queued for export from the start (sent once it is no longer running), so a run whose
        // process dies is still sent when it is marked interrupted.
        crate::store::otel::enqueue(self, &mut tx, key).await?;
        tx.commit().await?;
        Ok(InFlight {
            key,
            id: run.id.clone(),
        })
    }

    /// Appends what arrived of a running run's response since the last write (`response` is all
    /// of it so far; the part after `saved_bytes` is new), with the time spent so far, in one
    /// short transaction. A run no longer running (deleted, or already completed) is left alone.
    pub async fn save_partial(
        &self,
        run: &InFlight,
        response: &str,
        saved_bytes: usize,
        execution_time_ms: i64,
        ttft_ms: Option<i64>,
    ) -> Result<()> {
        let piece = response.get(saved_bytes..).ok_or_else(|| {
            Error::invalid("a partial response must be saved at a character boundary")
        })?;
        let mut tx = WriteTx::begin(self.pool()).await?;
        let updated = sqlx::query(
            "UPDATE runs SET preview = CASE WHEN response_chars = 0 THEN ? ELSE preview END, \
             response_chars = response_chars + ?, execution_time_ms = ?, ttft_ms = ? \
             WHERE seq = ? AND status = 'running'",
        )
        .bind(preview_of(response, None))
        .bind(piece.chars().count() as i64)
        .bind(execution_time_ms)
        .bind(ttft_ms)
        .bind(run.key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated > 0 {
            sqlx::query("UPDATE runs_in_flight SET written_at = ? WHERE seq = ?")
                .bind(to_micros(now()))
                .bind(run.key)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO run_pieces (seq, piece, text) \
                 SELECT ?1, coalesce(max(piece) + 1, 0), ?2 FROM run_pieces WHERE seq = ?1",
            )
            .bind(run.key)
            .bind(piece)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Completes a running run in place with how it ended: same id, same time. When the run was
    /// deleted while it ran, it stays deleted and the run is returned as it would have been.
    pub async fn complete_run(&self, run: &InFlight, ended: &NewRun) -> Result<Run> {
        let mut tx = WriteTx::begin(self.pool()).await?;
        let row = RunRow::new(run.key, ended)?;
        let updated = sqlx::query(
            "UPDATE runs SET status = ?, tokens_used = ?, input_tokens = ?, output_tokens = ?, \
             execution_time_ms = ?, ttft_ms = ?, stop_reason = ?, error_message = ?, params = ?, \
             variables = ?, response_chars = ?, preview = ?, cached_tokens = ?, cache_write_tokens = ?, \
             reasoning_tokens = ?, cost_usd = ?, cost_source = ?, priced_as = ? \
             WHERE seq = ? AND status = 'running'",
        )
        .bind(ended.status.as_str())
        .bind(ended.tokens_used)
        .bind(ended.input_tokens)
        .bind(ended.output_tokens)
        .bind(ended.execution_time_ms)
        .bind(ended.ttft_ms)
        .bind(&ended.stop_reason)
        .bind(&ended.error_message)
        .bind(json_object_text(&ended.params)?)
        .bind(json_object_text(&ended.variables)?)
        .bind(ended.response.chars().count() as i64)
        .bind(row.preview())
        .bind(ended.token_details.cached_tokens)
        .bind(ended.token_details.cache_write_tokens)
        .bind(ended.token_details.reasoning_tokens)
        .bind(ended.cost.as_ref().and_then(|c| c.usd))
        .bind(ended.cost.as_ref().map(|c| c.source.as_str()))
        .bind(ended.cost.as_ref().and_then(|c| c.priced_as.as_deref()))
        .bind(run.key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated > 0 {
            sqlx::query("UPDATE run_texts SET response = ? WHERE seq = ?")
                .bind(&ended.response)
                .bind(run.key)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM runs_in_flight WHERE seq = ?")
                .bind(run.key)
                .execute(&mut *tx)
                .await?;
            crate::store::otel::enqueue(self, &mut tx, run.key).await?;
        }
        tx.commit().await?;
        if updated > 0 {
            self.run(&run.id).await
        } else {
            Ok(as_recorded(run.key, ended, row.preview().to_owned()))
        }
    }

    /// Marks as `interrupted` every run in flight whose process has ended, keeping what had been
    /// written of its response; returns how many. Runs of live processes are left alone.
    pub async fn recover_interrupted(&self) -> Result<u64> {
        let owners: Vec<(String, i64)> =
            sqlx::query_as("SELECT owner, max(pid) FROM runs_in_flight GROUP BY owner")
                .fetch_all(self.pool())
                .await?;
        let mut recovered = 0;
        for (owner, pid) in owners {
            if self.live.is_alive(&owner) {
                continue;
            }
            let mut tx = WriteTx::begin(self.pool()).await?;
            recovered += interrupt_owner(&mut tx, &owner, pid).await?;
            tx.commit().await?;
        }
        Ok(recovered)
    }
}

/// Turns the runs of an ended owner into `interrupted` ones.
async fn interrupt_owner(conn: &mut SqliteConnection, owner: &str, pid: i64) -> Result<u64> {
    let runs: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT f.seq, {PARTIAL_RESPONSE}, f.written_at FROM runs_in_flight f WHERE f.owner = ?"
    ))
    .bind(owner)
    .fetch_all(&mut *conn)
    .await?;
    for (key, response, written_at) in &runs {
        let last_write = from_micros(*written_at);
        let message = format!(
            "interrupted: the process that ran it (pid {pid}) ended before the run did; \
             the response is what had arrived by its last write, at {} UTC",
            last_write.format("%Y-%m-%d %H:%M:%S")
        );
        let spent_ms = ((written_at - time_key::micros_of(*key)) / 1000).max(0);
        sqlx::query(
            "UPDATE runs SET status = 'interrupted', error_message = ?, preview = ?, \
             response_chars = ?, execution_time_ms = ? WHERE seq = ? AND status = 'running'",
        )
        .bind(&message)
        .bind(preview_of(response, Some(&message)))
        .bind(response.chars().count() as i64)
        .bind(spent_ms)
        .bind(key)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE run_texts SET response = ? WHERE seq = ?")
            .bind(response)
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM runs_in_flight WHERE owner = ?")
        .bind(owner)
        .execute(&mut *conn)
        .await?;
    Ok(runs.len() as u64)
}

/// A run as it would have been stored under `key`.
pub(crate) fn as_recorded(key: i64, run: &NewRun, preview: String) -> Run {
    let object = |value: &serde_json::Value| {
        if value.is_null() {
            serde_json::json!({})
        } else {
            value.clone()
        }
    };
    Run {
        summary: RunSummary {
            id: run.id.clone(),
            prompt_id: run.prompt_id.clone(),
            created_at: from_micros(time_key::micros_of(key)),
            model: run.model.clone(),
            provider: run.provider.clone(),
            status: run.status,
            tokens_used: run.tokens_used,
            input_tokens: run.input_tokens,
            output_tokens: run.output_tokens,
            execution_time_ms: run.execution_time_ms,
            ttft_ms: run.ttft_ms,
            error_message: run.error_message.clone(),
            preview,
            response_chars: run.response.chars().count() as i64,
            owner: None,
            annotation: Default::default(),
            source: run.origin.source().to_owned(),
            thread_id: run.origin.thread_id.clone(),
            token_details: run.token_details,
            cost_usd: run.cost.as_ref().and_then(|c| c.usd),
            cost_source: run.cost.as_ref().map(|c| c.source),
            priced_as: run.cost.as_ref().and_then(|c| c.priced_as.clone()),
        },
        stop_reason: run.stop_reason.clone(),
        params: object(&run.params),
        variables: object(&run.variables),
        prompt_text: run.prompt_text.clone(),
        response: run.response.clone(),
        resolved_model: run.origin.resolved_model.clone(),
        system_prompt: run.origin.system_prompt.clone(),
        context: run.origin.context.clone(),
        prompt_version: run.origin.prompt_version,
    }
}
