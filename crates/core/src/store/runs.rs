//! The `runs` table: the history of every prompt run.

use futures_util::stream::{BoxStream, StreamExt};
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::{
    from_micros, to_micros, Cursor, NewRun, Page, PromptId, Run, RunFilter, RunId, RunStatus,
    RunSummary, TokenDetails,
};
use crate::error::{Error, Result};
use crate::store::filter::{self, Texts};
use crate::store::in_flight::as_recorded;
use crate::store::time_key::{self, KeyAllocator};
use crate::store::{Store, WriteTx};

/// Most runs one page may hold.
pub const MAX_PAGE_SIZE: i64 = 1000;

/// How many characters of the response (or error) the list preview keeps.
pub const PREVIEW_CHARS: usize = 160;

const SUMMARY_COLUMNS: &str = "r.id, r.prompt_id, r.created_at, r.model, r.provider, r.status, r.tokens_used, \
     r.input_tokens, r.output_tokens, r.execution_time_ms, r.ttft_ms, r.error_message, r.preview, r.response_chars, \
     r.source, r.thread_id, r.cached_tokens, r.cache_write_tokens, r.reasoning_tokens, r.cost_usd, \
     r.cost_source, r.priced_as, \
     (SELECT a.rating FROM run_annotations a WHERE a.seq = r.seq) AS rating, \
     (SELECT group_concat(g.tag, char(31)) FROM run_tags g WHERE g.seq = r.seq) AS tags, \
     (SELECT a.note FROM run_annotations a WHERE a.seq = r.seq) AS note, r.owner";

/// [`SUMMARY_COLUMNS`] as named by a subquery that selected them.
const PAGE_JSON_COLUMNS: &str = "id, prompt_id, created_at, model, provider, status, tokens_used, \
     input_tokens, output_tokens, execution_time_ms, ttft_ms, error_message, preview, response_chars, source, thread_id, \
     cached_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_source, priced_as, rating, tags, note, owner";

pub(crate) const FULL_COLUMNS: &str = "r.id, r.prompt_id, r.created_at, r.model, r.provider, r.status, r.tokens_used, \
     r.input_tokens, r.output_tokens, r.execution_time_ms, r.ttft_ms, r.error_message, r.preview, r.response_chars, \
     r.source, r.thread_id, r.cached_tokens, r.cache_write_tokens, r.reasoning_tokens, r.cost_usd, r.cost_source, \
     r.priced_as, \
     (SELECT a.rating FROM run_annotations a WHERE a.seq = r.seq) AS rating, \
     (SELECT group_concat(g.tag, char(31)) FROM run_tags g WHERE g.seq = r.seq) AS tags, \
     (SELECT a.note FROM run_annotations a WHERE a.seq = r.seq) AS note, \
     r.owner, r.stop_reason, r.params, r.variables, t.prompt_text, \
     CASE WHEN r.status = 'running' THEN coalesce((SELECT group_concat(x.text, '' ORDER BY x.piece) \
     FROM run_pieces x WHERE x.seq = r.seq), t.response) ELSE t.response END AS response, \
     r.resolved_model, t.system_prompt, t.context, r.prompt_version";

/// `runs r` with its texts, for queries that read a run in full.
pub(crate) const FULL_FROM: &str = "FROM runs r JOIN run_texts t ON t.seq = r.seq";

/// The columns a new run is written with, in the order [`insert_rows`] binds them.
const INSERT_COLUMNS: &str = "INSERT INTO runs (seq, id, prompt_id, created_at, model, provider, status, \
     tokens_used, input_tokens, output_tokens, execution_time_ms, ttft_ms, stop_reason, error_message, \
     params, variables, response_chars, preview, source, thread_id, resolved_model, cached_tokens, \
     cache_write_tokens, reasoning_tokens, cost_usd, cost_source, priced_as, prompt_version) ";

/// The summary columns of a run; also read as one element of a page's JSON array (a sequence
/// in the order of [`SUMMARY_COLUMNS`]).
#[derive(FromRow, serde::Deserialize)]
struct SummaryRow {
    id: String,
    prompt_id: Option<String>,
    created_at: i64,
    model: String,
    provider: String,
    status: String,
    tokens_used: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    execution_time_ms: Option<i64>,
    ttft_ms: Option<i64>,
    error_message: Option<String>,
    preview: String,
    response_chars: i64,
    source: String,
    thread_id: Option<String>,
    cached_tokens: Option<i64>,
    cache_write_tokens: Option<i64>,
    reasoning_tokens: Option<i64>,
    cost_usd: Option<f64>,
    cost_source: Option<String>,
    priced_as: Option<String>,
    rating: Option<i64>,
    /// The run's tags joined by U+001F (a character no tag contains).
    tags: Option<String>,
    note: Option<String>,
    owner: Option<String>,
}

impl SummaryRow {
    fn into_summary(self) -> Result<RunSummary> {
        Ok(RunSummary {
            id: RunId(self.id),
            prompt_id: self.prompt_id.map(PromptId),
            created_at: from_micros(self.created_at),
            model: self.model,
            provider: self.provider,
            status: self.status.parse()?,
            tokens_used: self.tokens_used,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            execution_time_ms: self.execution_time_ms,
            ttft_ms: self.ttft_ms,
            error_message: self.error_message,
            preview: self.preview,
            response_chars: self.response_chars,
            annotation: crate::domain::Annotation {
                rating: self.rating.and_then(crate::domain::Rating::from_i64),
                tags: self
                    .tags
                    .map(|t| t.split('\u{1f}').map(str::to_owned).collect())
                    .unwrap_or_default(),
                note: self.note,
            },
            source: self.source,
            thread_id: self.thread_id,
            token_details: TokenDetails {
                cached_tokens: self.cached_tokens,
                cache_write_tokens: self.cache_write_tokens,
                reasoning_tokens: self.reasoning_tokens,
            },
            cost_usd: self.cost_usd,
            cost_source: self.cost_source.as_deref().map(str::parse).transpose()?,
            priced_as: self.priced_as,
            owner: self.owner,
        })
    }
}

/// One element of a page's JSON array: the time key (for the next page's cursor), then the
/// summary columns.
#[derive(serde::Deserialize)]
struct KeyedSummaryRow(i64, SummaryRow);

#[derive(FromRow)]
pub(crate) struct FullRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    stop_reason: Option<String>,
    params: String,
    variables: String,
    prompt_text: String,
    response: String,
    resolved_model: Option<String>,
    system_prompt: Option<String>,
    context: String,
    prompt_version: Option<i64>,
}

impl FullRow {
    pub(crate) fn into_run(self) -> Result<Run> {
        Ok(Run {
            summary: self.summary.into_summary()?,
            stop_reason: self.stop_reason,
            params: serde_json::from_str(&self.params)?,
            variables: serde_json::from_str(&self.variables)?,
            prompt_text: self.prompt_text,
            response: self.response,
            resolved_model: self.resolved_model,
            system_prompt: self.system_prompt,
            context: serde_json::from_str(&self.context)?,
            prompt_version: self.prompt_version,
        })
    }
}

/// The list preview of a run: the start of its response, or of its error when it has no response.
pub fn preview_of(response: &str, error_message: Option<&str>) -> String {
    let source = if response.trim().is_empty() {
        error_message.unwrap_or("")
    } else {
        response
    };
    let mut preview = String::with_capacity(PREVIEW_CHARS + 3);
    for word in source.split_whitespace() {
        if preview.chars().count() + word.chars().count() + 1 > PREVIEW_CHARS {
            if preview.is_empty() {
                preview.extend(word.chars().take(PREVIEW_CHARS));
            }
            preview.push('…');
            break;
        }
        if !preview.is_empty() {
            preview.push(' ');
        }
        preview.push_str(word);
    }
    preview
}

/// A new run ready to be written under its time key, with the columns derived from it.
pub(crate) struct RunRow<'a> {
    key: i64,
    run: &'a NewRun,
    preview: String,
    params: String,
    variables: String,
    context: String,
}

impl<'a> RunRow<'a> {
    /// The list preview the row is written with.
    pub(crate) fn preview(&self) -> &str {
        &self.preview
    }

    /// The time key it is written under.
    pub(crate) fn key(&self) -> i64 {
        self.key
    }

    pub(crate) fn new(key: i64, run: &'a NewRun) -> Result<Self> {
        Ok(Self {
            key,
            run,
            preview: preview_of(&run.response, run.error_message.as_deref()),
            params: json_object_text(&run.params)?,
            variables: json_object_text(&run.variables)?,
            context: serde_json::to_string(&run.origin.context)?,
        })
    }
}

/// Inserts `rows` in one statement, skipping any whose id is already there; returns the keys of
/// those inserted, in key order. Their texts go in separately (see [`insert_texts`]).
pub(crate) async fn insert_rows(
    conn: &mut SqliteConnection,
    rows: &[RunRow<'_>],
) -> Result<Vec<i64>> {
    let mut query = QueryBuilder::<Sqlite>::new(INSERT_COLUMNS);
    query.push_values(rows, |mut b, row| {
        let run = row.run;
        b.push_bind(row.key)
            .push_bind(run.id.as_str())
            .push_bind(run.prompt_id.as_ref().map(PromptId::as_str))
            .push_bind(time_key::micros_of(row.key))
            .push_bind(&run.model)
            .push_bind(&run.provider)
            .push_bind(run.status.as_str())
            .push_bind(run.tokens_used)
            .push_bind(run.input_tokens)
            .push_bind(run.output_tokens)
            .push_bind(run.execution_time_ms)
            .push_bind(run.ttft_ms)
            .push_bind(&run.stop_reason)
            .push_bind(&run.error_message)
            .push_bind(&row.params)
            .push_bind(&row.variables)
            .push_bind(run.response.chars().count() as i64)
            .push_bind(&row.preview)
            .push_bind(run.origin.source())
            .push_bind(&run.origin.thread_id)
            .push_bind(&run.origin.resolved_model)
            .push_bind(run.token_details.cached_tokens)
            .push_bind(run.token_details.cache_write_tokens)
            .push_bind(run.token_details.reasoning_tokens)
            .push_bind(run.cost.as_ref().and_then(|c| c.usd))
            .push_bind(run.cost.as_ref().map(|c| c.source.as_str()))
            .push_bind(run.cost.as_ref().and_then(|c| c.priced_as.as_deref()))
            .push_bind(run.origin.prompt_version);
    });
    query.push(" ON CONFLICT (id) DO NOTHING RETURNING seq");
    let mut inserted: Vec<i64> = query.build_query_scalar().fetch_all(&mut *conn).await?;
    inserted.sort_unstable();
    Ok(inserted)
}

/// Inserts the texts of the rows whose keys are in `inserted`, in one statement.
pub(crate) async fn insert_texts(
    conn: &mut SqliteConnection,
    rows: &[RunRow<'_>],
    inserted: &[i64],
) -> Result<()> {
    let texts: Vec<&RunRow<'_>> = rows
        .iter()
        .filter(|row| inserted.binary_search(&row.key).is_ok())
        .collect();
    if texts.is_empty() {
        return Ok(());
    }
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO run_texts (seq, prompt_text, response, system_prompt, context) ",
    );
    query.push_values(texts, |mut b, row| {
        b.push_bind(row.key)
            .push_bind(&row.run.prompt_text)
            .push_bind(&row.run.response)
            .push_bind(&row.run.origin.system_prompt)
            .push_bind(&row.context);
    });
    query.build().execute(&mut *conn).await?;
    Ok(())
}

pub(crate) fn json_object_text(value: &serde_json::Value) -> Result<String> {
    match value {
        serde_json::Value::Null => Ok("{}".into()),
        other => Ok(serde_json::to_string(other)?),
    }
}

impl Store {
    /// Records a run (both of its rows in one transaction) and returns it as stored. Fails if a
    /// run with its id already exists.
    pub async fn insert_run(&self, run: &NewRun) -> Result<Run> {
        // IMMEDIATE: the write lock from the start, so the key found free stays free until the
        // insert (a deferred transaction could also fail to upgrade its read to a write).
        let mut tx = WriteTx::begin(self.pool()).await?;
        let key = KeyAllocator::default()
            .allocate(&mut tx, to_micros(run.created_at))
            .await?;
        let rows = [RunRow::new(key, run)?];
        let inserted = insert_rows(&mut tx, &rows).await?;
        if inserted.is_empty() {
            return Err(Error::invalid(format!(
                "a run with id `{}` already exists",
                run.id
            )));
        }
        insert_texts(&mut tx, &rows, &inserted).await?;
        crate::store::otel::enqueue(self, &mut tx, key).await?;
        let [RunRow { preview, .. }] = rows;
        tx.commit().await?;
        Ok(as_recorded(key, run, preview))
    }

    /// One run in full, with its prompt text and response.
    pub async fn run(&self, id: &RunId) -> Result<Run> {
        let sql = format!("SELECT {FULL_COLUMNS} {FULL_FROM} WHERE r.id = ?");
        let row: Option<FullRow> = sqlx::query_as(&sql)
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.ok_or_else(|| Error::not_found("run", id.as_str()))?
            .into_run()
    }

    /// A page of runs matching `filter`, newest first, starting after `cursor`.
    ///
    /// Keyset pagination on the time key: a page deep in the history costs what the first one
    /// does. Reads no large text columns.
    pub async fn runs_page(
        &self,
        filter: &RunFilter,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<RunSummary>> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        // The page comes back as one JSON array in one row: sqlx hands rows over one at a time
        // from its database thread, and a wake-up per row cost more than the query itself.
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT json_group_array(json_array(seq, json_array({PAGE_JSON_COLUMNS})) ORDER BY seq DESC) \
             FROM (SELECT r.seq, {SUMMARY_COLUMNS}"
        ));
        let compiled = filter::push_page_from_where(&mut query, filter, cursor, limit + 1);
        if !compiled.matches_any {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        }
        query
            .push(compiled.newest_first())
            .push(" LIMIT ")
            .push_bind(limit + 1)
            .push(")");
        let (json,): (String,) = query.build_query_as().fetch_one(self.pool()).await?;
        let rows: Vec<KeyedSummaryRow> = serde_json::from_str(&json)?;
        let more = rows.len() as i64 > limit;
        let next_cursor = more.then(|| Cursor {
            key: rows[limit as usize - 1].0,
        });
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(|row| row.1.into_summary())
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, next_cursor })
    }

    /// The runs of a conversation (llm's thread), oldest first: what the app shows as a run's
    /// thread. Empty for an id no run has.
    pub async fn thread_runs(&self, thread_id: &str) -> Result<Vec<RunSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM runs r INDEXED BY runs_by_thread \
             WHERE r.thread_id = ? ORDER BY r.seq LIMIT {MAX_PAGE_SIZE}"
        );
        let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
            .bind(thread_id)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(SummaryRow::into_summary).collect()
    }

    /// The distinct sources in the history with their run counts, most runs first.
    pub async fn sources_in_history(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT source, count(*) AS n FROM runs INDEXED BY runs_by_source \
             GROUP BY source ORDER BY n DESC, source",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// How many runs match `filter`.
    pub async fn count_runs(&self, filter: &RunFilter) -> Result<i64> {
        let mut query = QueryBuilder::<Sqlite>::new("SELECT count(*)");
        if !filter::push_from_where(&mut query, filter, None, Texts::Without).matches_any {
            return Ok(0);
        }
        let (count,): (i64,) = query.build_query_as().fetch_one(self.pool()).await?;
        Ok(count)
    }

    /// Every run matching `filter` in full, newest first, streamed row by row so memory stays flat
    /// however many there are.
    pub fn stream_runs(&self, filter: &RunFilter) -> BoxStream<'static, Result<Run>> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Run>>(256);
        let pool = self.pool().clone();
        let filter = filter.clone();
        tokio::spawn(async move {
            let mut query = QueryBuilder::<Sqlite>::new(format!("SELECT {FULL_COLUMNS}"));
            let compiled = filter::push_from_where(&mut query, &filter, None, Texts::With);
            if !compiled.matches_any {
                return;
            }
            query.push(compiled.newest_first());
            let mut rows = query.build_query_as::<FullRow>().fetch(&pool);
            while let Some(row) = rows.next().await {
                let item = row.map_err(Error::from).and_then(FullRow::into_run);
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed()
    }

    /// Deletes the runs with these ids; returns how many existed.
    pub async fn delete_runs(&self, ids: &[RunId]) -> Result<u64> {
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let mut deleted = 0;
        for id in ids {
            deleted += sqlx::query("DELETE FROM runs WHERE id = ?")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Deletes every run matching `filter` (bulk delete); returns how many.
    pub async fn delete_matching_runs(&self, filter: &RunFilter) -> Result<u64> {
        let mut query = QueryBuilder::<Sqlite>::new("DELETE FROM runs WHERE seq IN (SELECT r.seq");
        if !filter::push_from_where(&mut query, filter, None, Texts::Without).matches_any {
            return Ok(0);
        }
        query.push(")");
        Ok(query.build().execute(self.pool()).await?.rows_affected())
    }

    /// The distinct models in the history with their run counts, most used first.
    pub async fn models_in_history(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT model, sum(runs) AS n FROM run_models GROUP BY model ORDER BY n DESC, model",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// The run just before this one among its prompt's runs (for an ad-hoc run, among the
    /// ad-hoc runs): what "compare with the previous run" compares with. `None` for the first.
    pub async fn previous_run(&self, id: &RunId) -> Result<Option<RunSummary>> {
        let me: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT seq, prompt_id FROM runs WHERE id = ?")
                .bind(id.as_str())
                .fetch_optional(self.pool())
                .await?;
        let (seq, prompt_id) = me.ok_or_else(|| Error::not_found("run", id.as_str()))?;
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM runs r WHERE r.prompt_id IS ? AND r.seq < ? \
             ORDER BY r.seq DESC LIMIT 1"
        );
        let row: Option<SummaryRow> = sqlx::query_as(&sql)
            .bind(prompt_id)
            .bind(seq)
            .fetch_optional(self.pool())
            .await?;
        row.map(SummaryRow::into_summary).transpose()
    }

    /// Whether a run's status is one that still has a response worth showing.
    pub fn has_partial_response(status: RunStatus) -> bool {
        matches!(
            status,
            RunStatus::Timeout | RunStatus::Cancelled | RunStatus::Interrupted | RunStatus::Running
        )
    }
}
