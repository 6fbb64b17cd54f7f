//! Moving history in and out: JSONL import, and streamed JSONL, JSON and CSV export.

use std::collections::HashSet;
use std::io::{BufRead, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::{
    to_micros, Annotation, ContextMessage, CostSource, NewRun, PromptId, Rating, Run, RunCost,
    RunFilter, RunId, RunOrigin, RunStatus, TokenDetails,
};
use crate::error::{Error, Result};
use crate::store::time_key::{self, KeyAllocator};
use crate::store::{annotations, prompts, runs, tags, Store, CACHE_SIZE};

/// The trigger that indexes new run texts for search (see the init migration).
const FTS_INSERT_TRIGGER: &str = "run_texts_fts_after_insert";

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON object per line; what `import` reads back.
    Jsonl,
    /// One JSON array.
    Json,
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
}

impl std::str::FromStr for ExportFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" => Ok(Self::Jsonl),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            _ => Err(Error::invalid(format!(
                "unknown export format `{s}`: use jsonl, json or csv"
            ))),
        }
    }
}

/// Most runs one import statement carries. Each statement is a hop to the database thread, and a
/// run would cost several (its prompt, its time key, its row, its texts); at 100 runs a statement
/// the hops vanish in the profile while a statement stays far below SQLite's limit of bound values.
const IMPORT_BATCH_RUNS: usize = 100;

/// Text bytes after which an import batch is written early, so a file of very long responses
/// does not pile up in memory.
const IMPORT_BATCH_BYTES: usize = 8 << 20;

/// What an import did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Runs added.
    pub runs_added: u64,
    /// Runs skipped because a run with the same id was already there.
    pub runs_skipped: u64,
    /// Prompts created for prompt ids that were not yet prompts.
    pub prompts_added: u64,
    /// Distinct conversations (thread ids) among the runs read.
    pub threads: u64,
    /// The time of the earliest run read.
    pub first_at: Option<DateTime<Utc>>,
    /// The time of the latest run read.
    pub last_at: Option<DateTime<Utc>>,
}

/// One line of an import file: Promptline's own export, or the JSONL of `datagen/gen_runs.py`
/// (whose `options` and `system` become `params`). Unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct ImportLine {
    id: String,
    #[serde(default)]
    prompt_id: Option<String>,
    prompt_text: String,
    #[serde(default)]
    response: Option<String>,
    model: String,
    #[serde(default)]
    provider: Option<String>,
    status: String,
    #[serde(default)]
    error_message: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    tokens_used: Option<i64>,
    #[serde(default)]
    input_tokens: Option<i64>,
    #[serde(default)]
    output_tokens: Option<i64>,
    #[serde(default)]
    execution_time_ms: Option<i64>,
    #[serde(default)]
    ttft_ms: Option<i64>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    params: Option<serde_json::Value>,
    #[serde(default)]
    options: Option<serde_json::Value>,
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    thread_id: Option<String>,
    #[serde(default)]
    resolved_model: Option<String>,
    #[serde(default)]
    system_prompt: Option<String>,
    #[serde(default)]
    context: Option<Vec<ContextMessage>>,
    cached_tokens: Option<i64>,
    #[serde(default)]
    cache_write_tokens: Option<i64>,
    #[serde(default)]
    reasoning_tokens: Option<i64>,
    /// The provider's own usage details, as datagen (and `llm`) keep them.
    #[serde(default)]
    token_details: Option<serde_json::Value>,
    #[serde(default)]
    cost_usd: Option<f64>,
    #[serde(default)]
    cost_source: Option<String>,
    #[serde(default)]
    priced_as: Option<String>,
    rating: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    note: Option<String>,
    /// The version of its prompt it ran (exports before versions have none).
    #[serde(default)]
    prompt_version: Option<i64>,
}

/// The source of JSONL runs whose line does not name one.
pub const SOURCE_JSONL: &str = "jsonl";

impl ImportLine {
    /// The annotation the line carries (rating, tags, note), checked like the CLI checks them.
    fn annotation(&mut self) -> std::result::Result<Annotation, String> {
        let rating = match self.rating.take().as_deref().map(str::trim) {
            None | Some("") | Some("none") => None,
            Some(text) => Some(text.parse::<Rating>().map_err(|e| e.to_string())?),
        };
        let mut tags = self
            .tags
            .take()
            .unwrap_or_default()
            .iter()
            .map(|t| tags::normalize_tag(t))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.to_string())?;
        tags.sort();
        tags.dedup();
        let note =
            annotations::normalize_note(self.note.take().as_deref()).map_err(|e| e.to_string())?;
        Ok(Annotation { rating, tags, note })
    }

    fn into_new_run(self) -> std::result::Result<NewRun, String> {
        if self.id.trim().is_empty() {
            return Err("`id` is empty".into());
        }
        let mut status: RunStatus = self.status.parse().map_err(|e: Error| e.to_string())?;
        let mut error_message = self.error_message;
        if status == RunStatus::Running {
            // Exported while in flight: no process here will ever complete it.
            status = RunStatus::Interrupted;
            error_message.get_or_insert_with(|| {
                "interrupted: the run was still in flight when it was exported".to_owned()
            });
        }
        time_key::first_key(to_micros(self.created_at)).map_err(|e| e.to_string())?;
        for (name, value) in [
            ("tokens_used", self.tokens_used),
            ("input_tokens", self.input_tokens),
            ("output_tokens", self.output_tokens),
            ("execution_time_ms", self.execution_time_ms),
            ("ttft_ms", self.ttft_ms),
            ("cached_tokens", self.cached_tokens),
            ("cache_write_tokens", self.cache_write_tokens),
            ("reasoning_tokens", self.reasoning_tokens),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(format!("`{name}` is negative"));
            }
        }
        let params = match self.params.or(self.options) {
            None | Some(serde_json::Value::Null) => serde_json::Map::new(),
            Some(serde_json::Value::Object(map)) => map,
            Some(_) => return Err("`params` must be a JSON object".into()),
        };
        // gen_runs.py calls the system prompt `system`; Promptline's export, `system_prompt`.
        let system_prompt = self.system_prompt.or(self.system);
        let variables = match self.variables {
            None | Some(serde_json::Value::Null) => serde_json::json!({}),
            Some(v @ serde_json::Value::Object(_)) => v,
            Some(_) => return Err("`variables` must be a JSON object".into()),
        };
        let provider = self
            .provider
            .unwrap_or_else(|| provider_for_model(&self.model).to_owned());
        if self.prompt_version.is_some_and(|v| v < 1) {
            return Err("`prompt_version` must be 1 or more".into());
        }
        if self.cost_usd.is_some_and(|c| !(c.is_finite() && c >= 0.0)) {
            return Err("`cost_usd` must be a number of US dollars, 0 or more".into());
        }
        let details = self
            .token_details
            .as_ref()
            .map(token_details_of)
            .unwrap_or_default();
        let token_details = TokenDetails {
            cached_tokens: self.cached_tokens.or(details.cached_tokens),
            cache_write_tokens: self.cache_write_tokens.or(details.cache_write_tokens),
            reasoning_tokens: self.reasoning_tokens.or(details.reasoning_tokens),
        };
        // A cost the file carries is kept with where it came from (an export read back is the
        // same history); a file that does not say is `imported`. Runs without a cost are priced
        // after the import, with this database's prices.
        let cost = self.cost_usd.map(|usd| RunCost {
            usd: Some(usd),
            source: match self.cost_source.as_deref().map(str::parse) {
                Some(Ok(source @ (CostSource::Table | CostSource::User | CostSource::Free))) => {
                    source
                }
                _ => CostSource::Imported,
            },
            priced_as: self.priced_as,
        });
        let prompt_version = self
            .prompt_version
            .filter(|_| self.prompt_id.as_deref().is_some_and(|p| !p.is_empty()));
        Ok(NewRun {
            id: RunId(self.id),
            prompt_id: self.prompt_id.filter(|p| !p.is_empty()).map(PromptId),
            created_at: self.created_at,
            model: self.model,
            provider,
            status,
            tokens_used: self.tokens_used,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            execution_time_ms: self.execution_time_ms,
            ttft_ms: self.ttft_ms,
            stop_reason: self.stop_reason,
            error_message,
            params: serde_json::Value::Object(params),
            variables,
            prompt_text: self.prompt_text,
            response: self.response.unwrap_or_default(),
            origin: RunOrigin {
                source: Some(
                    self.source
                        .filter(|s| !s.trim().is_empty())
                        .unwrap_or_else(|| SOURCE_JSONL.to_owned()),
                ),
                thread_id: self.thread_id.filter(|t| !t.is_empty()),
                resolved_model: self.resolved_model.filter(|m| !m.is_empty()),
                system_prompt,
                context: self.context.unwrap_or_default(),
                prompt_version,
            },
            token_details,
            cost,
        })
    }
}

/// Cache and reasoning counts from a provider's usage details as `llm` and datagen keep them:
/// OpenAI's `prompt_tokens_details.cached_tokens` and `*_tokens_details.reasoning_tokens`,
/// Anthropic's `cache_read_input_tokens` and `cache_creation_input_tokens`, Gemini's
/// `cachedContentTokenCount` and `thoughtsTokenCount`.
fn token_details_of(details: &serde_json::Value) -> TokenDetails {
    let count = |path: &str| {
        details
            .pointer(path)
            .and_then(serde_json::Value::as_i64)
            .filter(|n| *n >= 0)
    };
    TokenDetails {
        cached_tokens: count("/prompt_tokens_details/cached_tokens")
            .or_else(|| count("/input_tokens_details/cached_tokens"))
            .or_else(|| count("/cache_read_input_tokens"))
            .or_else(|| count("/cachedContentTokenCount")),
        cache_write_tokens: count("/cache_creation_input_tokens"),
        reasoning_tokens: count("/completion_tokens_details/reasoning_tokens")
            .or_else(|| count("/output_tokens_details/reasoning_tokens"))
            .or_else(|| count("/thoughtsTokenCount")),
    }
}

/// The provider an imported run most likely came from, judged by its model name, for runs whose
/// file does not say. `unknown` when the name is not one of the well-known families.
pub fn provider_for_model(model: &str) -> &'static str {
    let m = model.to_ascii_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| m.starts_with(p));
    if starts(&["gpt-", "o1", "o3", "o4", "chatgpt", "text-", "davinci"]) {
        "openai"
    } else if starts(&["claude"]) {
        "anthropic"
    } else if starts(&["gemini", "gemma"]) {
        "gemini"
    } else if starts(&["deepseek"]) {
        "deepseek"
    } else if starts(&["mistral", "mixtral", "codestral"]) {
        "mistral"
    } else if m.contains(':') {
        "ollama"
    } else if m == "echo" {
        "echo"
    } else {
        "unknown"
    }
}

impl Store {
    /// Imports runs from JSONL in one transaction. Ids are kept, so a second import of the same
    /// file adds nothing; a prompt id that is not yet a prompt becomes one, named from the start of
    /// its text. A malformed line aborts the import with its line number and changes nothing.
    ///
    /// `progress` is called now and then with the number of bytes read so far.
    pub async fn import_jsonl(
        &self,
        source_name: &str,
        reader: impl BufRead,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportReport> {
        let lines = JsonlRuns {
            source_name,
            lines: reader.lines().enumerate(),
            bytes: 0,
            progress,
        };
        self.import_annotated(futures_util::stream::iter(lines))
            .await
    }

    /// Imports runs in one transaction, whatever they come from (a JSONL file, another tool's
    /// database): the one write path of every import. Ids are kept, so runs already present are
    /// skipped; a prompt id that is not yet a prompt becomes one. The first error the stream
    /// yields aborts the import and changes nothing.
    pub async fn import_runs(
        &self,
        runs: impl Stream<Item = Result<NewRun>> + Unpin,
    ) -> Result<ImportReport> {
        self.import_annotated(runs.map(|run| run.map(|run| (run, Annotation::default()))))
            .await
    }

    /// [`Store::import_runs`] for runs that come with their rating, tags and note.
    async fn import_annotated(
        &self,
        runs: impl Stream<Item = Result<(NewRun, Annotation)>> + Unpin,
    ) -> Result<ImportReport> {
        let mut conn = self.pool().acquire().await?;
        // A bulk load touches many index pages again and again: a larger cache keeps them from
        // being spilled to the WAL over and over. Set back below, on this connection only.
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(&mut *conn)
            .await?;
        let result = import_in_transaction(&mut conn, runs).await;
        sqlx::query(&format!("PRAGMA cache_size = {CACHE_SIZE}"))
            .execute(&mut *conn)
            .await?;
        // Back to the pool before anything else asks it for one (a pool may hold a single one).
        drop(conn);
        let report = result?;
        if report.runs_added > 0 {
            self.optimize().await?;
        }
        Ok(report)
    }
}

/// The runs of a JSONL file, one a line, reporting the bytes read as it goes.
struct JsonlRuns<'a, L> {
    source_name: &'a str,
    lines: std::iter::Enumerate<L>,
    bytes: u64,
    progress: &'a mut dyn FnMut(u64),
}

impl<L: Iterator<Item = std::io::Result<String>>> Iterator for JsonlRuns<'_, L> {
    type Item = Result<(NewRun, Annotation)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some((index, line)) = self.lines.next() else {
                (self.progress)(self.bytes);
                return None;
            };
            let line_no = index + 1;
            let bad = |message: String| Error::BadImportLine {
                path: self.source_name.to_owned(),
                line: line_no,
                message,
            };
            let line = match line {
                Ok(line) => line,
                Err(e) => return Some(Err(bad(format!("cannot read: {e}")))),
            };
            self.bytes += line.len() as u64 + 1;
            if line_no % 1000 == 0 {
                (self.progress)(self.bytes);
            }
            if line.trim().is_empty() {
                continue;
            }
            return Some(
                serde_json::from_str::<ImportLine>(&line)
                    .map_err(|e| bad(format!("not a run: {e}")))
                    .and_then(|mut parsed| {
                        let annotation = parsed.annotation().map_err(bad)?;
                        Ok((parsed.into_new_run().map_err(bad)?, annotation))
                    }),
            );
        }
    }
}

/// The body of [`Store::import_runs`]: everything in one transaction on one connection.
///
/// Indexing text for search row by row (through the insert trigger) costs several times what one
/// bulk insert of all new rows does, so the trigger is dropped inside the transaction and put back
/// after the bulk insert. The write lock is held throughout, so no other writer can slip a run in
/// unindexed, and a failure rolls the trigger back with everything else.
async fn import_in_transaction(
    conn: &mut SqliteConnection,
    mut runs: impl Stream<Item = Result<(NewRun, Annotation)>> + Unpin,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut known_prompts: HashSet<String> = HashSet::new();
    let mut threads: HashSet<String> = HashSet::new();
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    // The keys of the runs this import adds, for the search index at the end.
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS imported_keys (seq INTEGER PRIMARY KEY)")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM temp.imported_keys")
        .execute(&mut *tx)
        .await?;
    let (trigger_sql,): (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?")
            .bind(FTS_INSERT_TRIGGER)
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(&format!("DROP TRIGGER {FTS_INSERT_TRIGGER}"))
        .execute(&mut *tx)
        .await?;
    let mut batch = ImportBatch::default();
    while let Some(item) = runs.next().await {
        let (run, annotation) = item?;
        if let Some(thread) = &run.origin.thread_id {
            if !threads.contains(thread) {
                threads.insert(thread.clone());
            }
        }
        report.first_at = Some(
            report
                .first_at
                .map_or(run.created_at, |t| t.min(run.created_at)),
        );
        report.last_at = Some(
            report
                .last_at
                .map_or(run.created_at, |t| t.max(run.created_at)),
        );
        if batch.push(run, annotation) {
            batch
                .flush(&mut tx, &mut known_prompts, &mut report)
                .await?;
        }
    }
    batch
        .flush(&mut tx, &mut known_prompts, &mut report)
        .await?;
    report.threads = threads.len() as u64;
    // In key order: the search index takes rising rowids without flushing what it buffers. A
    // larger buffer for the bulk insert means fewer, larger segments and less merging.
    set_fts_buffer(&mut tx, IMPORT_FTS_BUFFER).await?;
    sqlx::query(
        "INSERT INTO runs_fts (rowid, prompt_text, response) \
         SELECT t.seq, t.prompt_text, t.response \
         FROM temp.imported_keys k JOIN run_texts t ON t.seq = k.seq ORDER BY k.seq",
    )
    .execute(&mut *tx)
    .await?;
    set_fts_buffer(&mut tx, FTS_BUFFER).await?;
    sqlx::query("DELETE FROM temp.imported_keys")
        .execute(&mut *tx)
        .await?;
    sqlx::query(&trigger_sql).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(report)
}

/// The search index's write buffer (`hashsize`), as the init migration sets it.
const FTS_BUFFER: i64 = 16 << 20;

/// The write buffer during an import's bulk indexing.
const IMPORT_FTS_BUFFER: i64 = 64 << 20;

async fn set_fts_buffer(conn: &mut SqliteConnection, bytes: i64) -> Result<()> {
    sqlx::query("INSERT INTO runs_fts (runs_fts, rank) VALUES ('hashsize', ?)")
        .bind(bytes)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Parsed runs waiting to be written together.
#[derive(Default)]
struct ImportBatch {
    runs: Vec<NewRun>,
    /// Each run's annotation, in the order of `runs`.
    annotations: Vec<Annotation>,
    text_bytes: usize,
}

impl ImportBatch {
    /// Adds a run; says whether the batch is full and should be flushed.
    fn push(&mut self, run: NewRun, annotation: Annotation) -> bool {
        self.text_bytes += run.prompt_text.len() + run.response.len();
        self.runs.push(run);
        self.annotations.push(annotation);
        self.runs.len() >= IMPORT_BATCH_RUNS || self.text_bytes >= IMPORT_BATCH_BYTES
    }

    /// Writes the batch in a few statements: the prompts not seen before, a lookup of free time
    /// keys, the runs (duplicates of existing ids skipped), the texts of the runs that went in,
    /// and their keys, for the search index.
    async fn flush(
        &mut self,
        conn: &mut SqliteConnection,
        known_prompts: &mut HashSet<String>,
        report: &mut ImportReport,
    ) -> Result<()> {
        if self.runs.is_empty() {
            return Ok(());
        }
        report.prompts_added += self.insert_new_prompts(conn, known_prompts).await?;
        let keys = self.allocate_keys(conn).await?;
        let rows = keys
            .iter()
            .zip(&self.runs)
            .map(|(key, run)| runs::RunRow::new(*key, run))
            .collect::<Result<Vec<_>>>()?;
        let inserted = runs::insert_rows(conn, &rows).await?;
        report.runs_added += inserted.len() as u64;
        report.runs_skipped += (self.runs.len() - inserted.len()) as u64;
        if !inserted.is_empty() {
            runs::insert_texts(conn, &rows, &inserted).await?;
            let mut imported = QueryBuilder::<Sqlite>::new("INSERT INTO temp.imported_keys (seq) ");
            imported.push_values(&inserted, |mut row, key| {
                row.push_bind(*key);
            });
            imported.build().execute(&mut *conn).await?;
            for (row, annotation) in rows.iter().zip(&self.annotations) {
                if annotation.is_empty() || inserted.binary_search(&row.key()).is_err() {
                    continue;
                }
                annotations::write(
                    conn,
                    row.key(),
                    annotation.rating,
                    annotation.note.as_deref(),
                )
                .await?;
                tags::insert(conn, row.key(), &annotation.tags).await?;
            }
        }
        self.runs.clear();
        self.annotations.clear();
        self.text_bytes = 0;
        Ok(())
    }

    /// Creates the prompts this batch refers to that are not prompts yet, named from the start of
    /// their text; returns how many were created.
    async fn insert_new_prompts(
        &self,
        conn: &mut SqliteConnection,
        known_prompts: &mut HashSet<String>,
    ) -> Result<u64> {
        let new: Vec<(&PromptId, &NewRun)> = self
            .runs
            .iter()
            .filter_map(|run| run.prompt_id.as_ref().map(|id| (id, run)))
            .filter(|(id, _)| known_prompts.insert(id.0.clone()))
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO prompts (id, name, template, default_model, created_at, updated_at, active_at) ",
        );
        query.push_values(&new, |mut row, (id, run)| {
            let at = to_micros(run.created_at);
            row.push_bind(id.as_str())
                .push_bind(prompts::name_from_text(&run.prompt_text))
                .push_bind(&run.prompt_text)
                .push_bind(None::<String>)
                .push_bind(at)
                .push_bind(at)
                .push_bind(at);
        });
        query.push(" ON CONFLICT (id) DO NOTHING");
        Ok(query.build().execute(&mut *conn).await?.rows_affected())
    }

    /// A time key for each run of the batch, in order (one query for all of them).
    async fn allocate_keys(&self, conn: &mut SqliteConnection) -> Result<Vec<i64>> {
        let micros: Vec<i64> = self.runs.iter().map(|r| to_micros(r.created_at)).collect();
        let mut keys = KeyAllocator::default();
        keys.prefetch(&mut *conn, &micros).await?;
        let mut allocated = Vec::with_capacity(micros.len());
        for us in micros {
            allocated.push(keys.allocate(&mut *conn, us).await?);
        }
        Ok(allocated)
    }
}

impl Store {
    /// Writes every run matching `filter` to `out`, newest first, one row at a time: memory stays
    /// flat whatever the size of the history. Returns how many runs were written.
    pub async fn export(
        &self,
        filter: &RunFilter,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<u64> {
        let mut rows = self.stream_runs(filter);
        let mut count = 0u64;
        match format {
            ExportFormat::Json => out.write_all(b"[")?,
            ExportFormat::Csv => write_csv_header(out)?,
            ExportFormat::Jsonl => {}
        }
        while let Some(run) = rows.next().await {
            let run = run?;
            match format {
                ExportFormat::Jsonl => {
                    serde_json::to_writer(&mut *out, &ExportRecord::from(&run))?;
                    out.write_all(b"\n")?;
                }
                ExportFormat::Json => {
                    out.write_all(if count == 0 { b"\n" } else { b",\n" })?;
                    serde_json::to_writer(&mut *out, &ExportRecord::from(&run))?;
                }
                ExportFormat::Csv => write_csv_row(out, &run)?,
            }
            count += 1;
        }
        if format == ExportFormat::Json {
            out.write_all(if count == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        out.flush()?;
        Ok(count)
    }
}

/// The exported shape of a run: every column, times as RFC 3339 UTC.
#[derive(Serialize)]
struct ExportRecord<'a> {
    id: &'a str,
    prompt_id: Option<&'a str>,
    created_at: String,
    model: &'a str,
    provider: &'a str,
    status: RunStatus,
    tokens_used: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    execution_time_ms: Option<i64>,
    ttft_ms: Option<i64>,
    stop_reason: Option<&'a str>,
    error_message: Option<&'a str>,
    params: &'a serde_json::Value,
    variables: &'a serde_json::Value,
    prompt_text: &'a str,
    response: &'a str,
    source: &'a str,
    thread_id: Option<&'a str>,
    resolved_model: Option<&'a str>,
    system_prompt: Option<&'a str>,
    context: &'a [ContextMessage],
    cached_tokens: Option<i64>,
    cache_write_tokens: Option<i64>,
    reasoning_tokens: Option<i64>,
    cost_usd: Option<f64>,
    cost_source: Option<CostSource>,
    priced_as: Option<&'a str>,
    rating: Option<Rating>,
    tags: &'a [String],
    note: Option<&'a str>,
    /// The teammate who ran it (runs pulled from the team); absent for one's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    /// The version of its prompt it ran.
    prompt_version: Option<i64>,
}

impl<'a> From<&'a Run> for ExportRecord<'a> {
    fn from(run: &'a Run) -> Self {
        let s = &run.summary;
        Self {
            id: s.id.as_str(),
            prompt_id: s.prompt_id.as_ref().map(PromptId::as_str),
            created_at: rfc3339(s.created_at),
            model: &s.model,
            provider: &s.provider,
            status: s.status,
            tokens_used: s.tokens_used,
            input_tokens: s.input_tokens,
            output_tokens: s.output_tokens,
            execution_time_ms: s.execution_time_ms,
            ttft_ms: s.ttft_ms,
            stop_reason: run.stop_reason.as_deref(),
            error_message: s.error_message.as_deref(),
            params: &run.params,
            variables: &run.variables,
            prompt_text: &run.prompt_text,
            response: &run.response,
            source: &s.source,
            thread_id: s.thread_id.as_deref(),
            resolved_model: run.resolved_model.as_deref(),
            system_prompt: run.system_prompt.as_deref(),
            context: &run.context,
            cached_tokens: s.token_details.cached_tokens,
            cache_write_tokens: s.token_details.cache_write_tokens,
            reasoning_tokens: s.token_details.reasoning_tokens,
            cost_usd: s.cost_usd,
            cost_source: s.cost_source,
            priced_as: s.priced_as.as_deref(),
            rating: s.annotation.rating,
            tags: &s.annotation.tags,
            note: s.annotation.note.as_deref(),
            owner: s.owner.as_deref(),
            prompt_version: run.prompt_version,
        }
    }
}

/// RFC 3339 in UTC with microseconds, e.g. `2025-03-04T05:06:07.123456Z`.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

const CSV_HEADER: [&str; 33] = [
    "id",
    "prompt_id",
    "created_at",
    "model",
    "provider",
    "status",
    "tokens_used",
    "input_tokens",
    "output_tokens",
    "execution_time_ms",
    "ttft_ms",
    "stop_reason",
    "error_message",
    "params",
    "variables",
    "prompt_text",
    "response",
    "source",
    "thread_id",
    "resolved_model",
    "system_prompt",
    "context",
    "cached_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost_usd",
    "cost_source",
    "priced_as",
    "rating",
    "tags",
    "note",
    "owner",
    "prompt_version",
];

fn write_csv_header(out: &mut dyn Write) -> Result<()> {
    out.write_all(CSV_HEADER.join(",").as_bytes())?;
    out.write_all(b"\r\n")?;
    Ok(())
}

fn write_csv_row(out: &mut dyn Write, run: &Run) -> Result<()> {
    let s = &run.summary;
    let int = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let fields: [std::borrow::Cow<'_, str>; 33] = [
        s.id.as_str().into(),
        s.prompt_id
            .as_ref()
            .map(PromptId::as_str)
            .unwrap_or("")
            .into(),
        rfc3339(s.created_at).into(),
        s.model.as_str().into(),
        s.provider.as_str().into(),
        s.status.as_str().into(),
        int(s.tokens_used).into(),
        int(s.input_tokens).into(),
        int(s.output_tokens).into(),
        int(s.execution_time_ms).into(),
        int(s.ttft_ms).into(),
        run.stop_reason.as_deref().unwrap_or("").into(),
        s.error_message.as_deref().unwrap_or("").into(),
        run.params.to_string().into(),
        run.variables.to_string().into(),
        run.prompt_text.as_str().into(),
        run.response.as_str().into(),
        s.source.as_str().into(),
        s.thread_id.as_deref().unwrap_or("").into(),
        run.resolved_model.as_deref().unwrap_or("").into(),
        run.system_prompt.as_deref().unwrap_or("").into(),
        serde_json::to_string(&run.context)?.into(),
        int(s.token_details.cached_tokens).into(),
        int(s.token_details.cache_write_tokens).into(),
        int(s.token_details.reasoning_tokens).into(),
        s.cost_usd.map(|c| c.to_string()).unwrap_or_default().into(),
        s.cost_source.map(CostSource::as_str).unwrap_or("").into(),
        s.priced_as.as_deref().unwrap_or("").into(),
        s.annotation.rating.map_or("", Rating::as_str).into(),
        // Tags never contain commas (see tags::normalize_tag).
        s.annotation.tags.join(",").into(),
        s.annotation.note.as_deref().unwrap_or("").into(),
        s.owner.as_deref().unwrap_or("").into(),
        int(run.prompt_version).into(),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_csv_field(out, field)?;
    }
    out.write_all(b"\r\n")?;
    Ok(())
}

fn write_csv_field(out: &mut dyn Write, field: &str) -> Result<()> {
    if field.contains([',', '"', '\n', '\r']) {
        out.write_all(b"\"")?;
        out.write_all(field.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")?;
    } else {
        out.write_all(field.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An import line of a successful echo run, with `extra`'s fields added or replaced.
    fn import_line(extra: serde_json::Value) -> ImportLine {
        let mut value = serde_json::json!({
            "id": "r1", "prompt_text": "Hi", "model": "echo", "status": "success",
            "created_at": "2026-01-02T03:04:05Z"
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_negative_count_is_refused_and_zero_is_not() {
        let line = |tokens: i64| import_line(serde_json::json!({ "tokens_used": tokens }));
        assert!(line(0).into_new_run().is_ok());
        assert!(line(7).into_new_run().is_ok());
        let error = line(-1).into_new_run().unwrap_err();
        assert_eq!(error, "`tokens_used` is negative");
    }

    #[test]
    fn a_cost_is_dollars_zero_or_more_and_a_version_needs_a_prompt() {
        let line = import_line;
        for usd in [0.0, 1.5] {
            let run = line(serde_json::json!({ "cost_usd": usd }))
                .into_new_run()
                .unwrap();
            assert_eq!(run.cost.and_then(|c| c.usd), Some(usd));
        }
        let error = line(serde_json::json!({"cost_usd": -0.1}))
            .into_new_run()
            .unwrap_err();
        assert_eq!(
            error,
            "`cost_usd` must be a number of US dollars, 0 or more"
        );
        // A version means something only with its prompt.
        let with = line(serde_json::json!({"prompt_id": "p1", "prompt_version": 2}));
        assert_eq!(with.into_new_run().unwrap().origin.prompt_version, Some(2));
        for prompt in [serde_json::json!(""), serde_json::Value::Null] {
            let without = line(serde_json::json!({"prompt_id": prompt, "prompt_version": 2}));
            assert_eq!(without.into_new_run().unwrap().origin.prompt_version, None);
        }
    }

    #[test]
    fn a_prompt_version_starts_at_one() {
        let line = |version: i64| import_line(serde_json::json!({ "prompt_version": version }));
        assert!(line(1).into_new_run().is_ok());
        assert!(line(3).into_new_run().is_ok());
        for bad in [0, -2] {
            let error = line(bad).into_new_run().unwrap_err();
            assert_eq!(error, "`prompt_version` must be 1 or more", "{bad}");
        }
    }

    #[test]
    fn export_formats_by_name_in_any_case() {
        for (name, format) in [
            ("jsonl", ExportFormat::Jsonl),
            ("NDJSON", ExportFormat::Jsonl),
            ("json", ExportFormat::Json),
            ("Csv", ExportFormat::Csv),
        ] {
            assert_eq!(name.parse::<ExportFormat>().unwrap(), format, "{name}");
        }
        let error = "xml".parse::<ExportFormat>().unwrap_err().to_string();
        assert!(error.contains("use jsonl, json or csv"), "{error}");
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        write_csv_field(&mut out, "plain").unwrap();
        write_csv_field(&mut out, "a,\"b\"\nc").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "plain\"a,\"\"b\"\"\nc\"");
    }

    #[test]
    fn providers_are_inferred_from_well_known_model_names() {
        assert_eq!(provider_for_model("gpt-4o-mini"), "openai");
        assert_eq!(provider_for_model("claude-3-5-haiku-latest"), "anthropic");
        assert_eq!(provider_for_model("llama3.2:latest"), "ollama");
        assert_eq!(provider_for_model("my-model"), "unknown");
    }
}
