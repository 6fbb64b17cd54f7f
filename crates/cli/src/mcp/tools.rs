//! The MCP tools: each a JSON schema, a description an agent can act on, and a call over the same
//! store functions the CLI's commands use. Results are structured content (and the same JSON as
//! text, for clients that read only text); failures are tool errors in words an agent can act on.

use std::collections::BTreeMap;
use std::time::Duration;

use promptline_core::keys::SystemKeys;
use promptline_core::providers::{self, ModelRef};
use promptline_core::runner::{self, RunSpec};
use promptline_core::{template, Cursor, PromptId, RunFilter, RunId, RunStatus, Store};
use serde::Deserialize;
use serde_json::{json, Value};

/// Most runs one search returns.
pub const MAX_SEARCH_LIMIT: i64 = 200;
/// Characters of text one `show_run` page holds by default, and at most.
pub const DEFAULT_PAGE_CHARS: usize = 20_000;
const MAX_PAGE_CHARS: usize = 200_000;
/// The time limit of a run started by an agent, unless it asks for another.
const DEFAULT_RUN_TIMEOUT_SECS: u64 = 120;

/// A tool call that failed: the message goes back to the agent as a tool error.
pub struct ToolError(pub String);

impl<E: std::fmt::Display> From<E> for ToolError {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
}

type ToolResult = Result<Value, ToolError>;

/// The filters every history tool takes: the same as `promptline history`.
fn filter_properties() -> Value {
    json!({
        "query": {"type": "string", "description": "Full-text search in the prompt as run and the response; words are matched literally (all must appear)."},
        "prompt_id": {"type": "string", "description": "Only runs of this saved prompt (an id from list_prompts)."},
        "models": {"type": "array", "items": {"type": "string"}, "description": "Only runs of these models, by name (`gpt-4o-mini`) or address (`openai/gpt-4o-mini`)."},
        "statuses": {"type": "array", "items": {"type": "string", "enum": RunStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()}, "description": "Only runs with these statuses."},
        "since": {"type": "string", "description": "Only runs at or after this time: RFC 3339 (2026-11-01T09:00:00Z), a date (2026-11-01) or a span ago (7d, 12h, 30m)."},
        "until": {"type": "string", "description": "Only runs before this time (same forms as since)."}
    })
}

/// Every tool, as `tools/list` shows it; `run_prompt` only when runs are allowed.
pub fn definitions(allow_runs: bool) -> Vec<Value> {
    let mut search = filter_properties();
    let props = search.as_object_mut().expect("an object");
    props.insert(
        "limit".into(),
        json!({"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_LIMIT, "default": 20, "description": "How many runs to return, newest first."}),
    );
    props.insert(
        "cursor".into(),
        json!({"type": "string", "description": "The next_cursor of a previous search with the same filters, for the next (older) page."}),
    );
    let mut stats = filter_properties();
    stats.as_object_mut().expect("an object").insert(
        "utc_offset_minutes".into(),
        json!({"type": "integer", "default": 0, "description": "The viewer's time zone as minutes east of UTC, so days are the viewer's days (e.g. 60 for CET)."}),
    );
    let read_only = json!({"readOnlyHint": true, "openWorldHint": false});
    let mut tools = vec![
        json!({
            "name": "search_history",
            "title": "Search the run history",
            "description": "Search Promptline's history of LLM runs, newest first, with the same filters and full-text search as `promptline history`. Returns compact rows (id, time, model, status, tokens, duration, a response preview), the total number of matching runs and a next_cursor for the next page. Open one run in full with show_run.",
            "inputSchema": {"type": "object", "properties": search, "additionalProperties": false},
            "annotations": read_only,
        }),
        json!({
            "name": "show_run",
            "title": "Show one run in full",
            "description": "One recorded run: its prompt as run, model, status, error, tokens, timings, parameters and variables, and its text. Long texts come in pages: `field` picks the response (default) or the prompt, `offset` and `max_chars` the page; the reply says total_chars and next_offset (null when the page reaches the end). Nothing is ever cut off without a next_offset.",
            "inputSchema": {"type": "object", "properties": {
                "id": {"type": "string", "description": "The run's id, from search_history."},
                "field": {"type": "string", "enum": ["response", "prompt"], "default": "response", "description": "Which text to page through."},
                "offset": {"type": "integer", "minimum": 0, "default": 0, "description": "Where the page starts, in characters."},
                "max_chars": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_CHARS, "default": DEFAULT_PAGE_CHARS, "description": "The page's length in characters."}
            }, "required": ["id"], "additionalProperties": false},
            "annotations": read_only,
        }),
        json!({
            "name": "list_prompts",
            "title": "List saved prompts",
            "description": "The saved prompts, most recently used first: id, name, {{variables}}, default model, number of runs and the last run's time and status.",
            "inputSchema": {"type": "object", "properties": {
                "name": {"type": "string", "description": "Only prompts whose name contains this (case-insensitive)."},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}
            }, "additionalProperties": false},
            "annotations": read_only,
        }),
        json!({
            "name": "show_prompt",
            "title": "Show a saved prompt",
            "description": "One saved prompt: its template with {{variables}}, the variables' names, its default model and how often it ran.",
            "inputSchema": {"type": "object", "properties": {
                "id": {"type": "string", "description": "The prompt's id, from list_prompts."}
            }, "required": ["id"], "additionalProperties": false},
            "annotations": read_only,
        }),
        json!({
            "name": "run_stats",
            "title": "Statistics of the history",
            "description": "For the runs a filter matches (same filters as search_history): totals by status, runs per day (the last 60 days) and per model the runs, errors, tokens and p50/p95 latency. Answers questions like 'which model answered best' or 'how often did this prompt fail'.",
            "inputSchema": {"type": "object", "properties": stats, "additionalProperties": false},
            "annotations": read_only,
        }),
    ];
    if allow_runs {
        tools.push(json!({
            "name": "run_prompt",
            "title": "Run a saved prompt",
            "description": "Runs a saved prompt with values for its {{variables}} on a model (PROVIDER/MODEL, e.g. openai/gpt-4o-mini, or echo; default: the prompt's default model) and records the run in the history like any other, with source `mcp`. This sends the prompt to the provider, which may cost money. Returns the run's id, status and the first page of its response (show_run pages further).",
            "inputSchema": {"type": "object", "properties": {
                "prompt_id": {"type": "string", "description": "The saved prompt's id, from list_prompts."},
                "variables": {"type": "object", "additionalProperties": {"type": "string"}, "description": "A value for each {{variable}} of the prompt."},
                "model": {"type": "string", "description": "PROVIDER/MODEL; default: the prompt's default model."},
                "timeout_secs": {"type": "integer", "minimum": 1, "maximum": 3600, "default": DEFAULT_RUN_TIMEOUT_SECS}
            }, "required": ["prompt_id"], "additionalProperties": false},
            "annotations": {"readOnlyHint": false, "destructiveHint": false, "openWorldHint": true},
        }));
    }
    tools
}

/// Arguments as the schema says (unknown fields are refused before this, by the dispatcher).
fn parse<T: for<'de> Deserialize<'de>>(tool: &str, arguments: Value) -> Result<T, ToolError> {
    serde_json::from_value(arguments).map_err(|e| {
        ToolError(format!(
            "bad arguments for {tool}: {e}. See the tool's input schema."
        ))
    })
}

#[derive(Deserialize, Default)]
struct FilterArgs {
    query: Option<String>,
    prompt_id: Option<String>,
    #[serde(default)]
    models: Vec<String>,
    #[serde(default)]
    statuses: Vec<String>,
    since: Option<String>,
    until: Option<String>,
}

impl FilterArgs {
    fn to_filter(&self) -> Result<RunFilter, ToolError> {
        let time = |field: &str, text: &Option<String>| {
            text.as_deref()
                .map(crate::timearg::parse)
                .transpose()
                .map_err(|e| ToolError(format!("{field}: {e}")))
        };
        Ok(RunFilter {
            prompt_id: self.prompt_id.as_deref().map(PromptId::from),
            models: self.models.clone(),
            statuses: self
                .statuses
                .iter()
                .map(|s| s.parse::<RunStatus>())
                .collect::<Result<_, _>>()?,
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
            query: self.query.clone().filter(|q| !q.trim().is_empty()),
            ..RunFilter::default()
        })
    }
}

#[derive(Deserialize)]
struct SearchArgs {
    #[serde(flatten)]
    filter: FilterArgs,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `search_history`.
pub async fn search_history(store: &Store, arguments: Value) -> ToolResult {
    let args: SearchArgs = parse("search_history", arguments)?;
    let limit = args.limit.unwrap_or(20);
    if !(1..=MAX_SEARCH_LIMIT).contains(&limit) {
        return Err(ToolError(format!(
            "limit must be between 1 and {MAX_SEARCH_LIMIT}; page with next_cursor for more"
        )));
    }
    let filter = args.filter.to_filter()?;
    let cursor = args
        .cursor
        .as_deref()
        .map(str::parse::<Cursor>)
        .transpose()
        .map_err(|e| {
            ToolError(format!(
                "cursor: {e}; pass a next_cursor exactly as returned"
            ))
        })?;
    let (page, total) = tokio::try_join!(
        store.runs_page(&filter, cursor.as_ref(), limit),
        store.count_runs(&filter)
    )?;
    let runs: Vec<Value> = page
        .items
        .iter()
        .map(|run| {
            json!({
                "id": run.id,
                "created_at": run.created_at,
                "model": run.provider_model(),
                "status": run.status,
                "prompt_id": run.prompt_id,
                "tokens": run.tokens_used,
                "duration_ms": run.execution_time_ms,
                "response_chars": run.response_chars,
                "preview": run.preview,
                "error": run.error_message,
            })
        })
        .collect();
    Ok(json!({
        "total": total,
        "returned": runs.len(),
        "runs": runs,
        "next_cursor": page.next_cursor.map(|c| c.to_string()),
    }))
}

#[derive(Deserialize)]
struct ShowRunArgs {
    id: String,
    field: Option<String>,
    offset: Option<usize>,
    max_chars: Option<usize>,
}

/// A page of `text` by characters: the slice, and where the next page starts (`None` at the end).
pub fn page(text: &str, offset: usize, max_chars: usize) -> (String, usize, Option<usize>) {
    let total = text.chars().count();
    let slice: String = text.chars().skip(offset).take(max_chars).collect();
    let end = offset.saturating_add(max_chars);
    (slice, total, (end < total).then_some(end))
}

/// `show_run`.
pub async fn show_run(store: &Store, arguments: Value) -> ToolResult {
    let args: ShowRunArgs = parse("show_run", arguments)?;
    let max_chars = args.max_chars.unwrap_or(DEFAULT_PAGE_CHARS);
    if !(1..=MAX_PAGE_CHARS).contains(&max_chars) {
        return Err(ToolError(format!(
            "max_chars must be between 1 and {MAX_PAGE_CHARS}"
        )));
    }
    let run = store
        .run(&RunId::from(args.id.trim()))
        .await
        .map_err(|e| ToolError(format!("{e}: take an id from search_history")))?;
    let field = args.field.as_deref().unwrap_or("response");
    let text = match field {
        "response" => &run.response,
        "prompt" => &run.prompt_text,
        other => {
            return Err(ToolError(format!(
                "field is `response` or `prompt`, not `{other}`"
            )))
        }
    };
    let offset = args.offset.unwrap_or(0);
    let (slice, total, next) = page(text, offset, max_chars);
    let s = &run.summary;
    let source = store.run_source(&s.id).await.ok().flatten();
    Ok(json!({
        "id": s.id,
        "created_at": s.created_at,
        "model": s.provider_model(),
        "status": s.status,
        "prompt_id": s.prompt_id,
        "source": source,
        "tokens": {"total": s.tokens_used, "input": s.input_tokens, "output": s.output_tokens},
        "duration_ms": s.execution_time_ms,
        "first_token_ms": s.ttft_ms,
        "stop_reason": run.stop_reason,
        "error": s.error_message,
        "params": run.params,
        "variables": run.variables,
        "prompt_chars": run.prompt_text.chars().count(),
        "response_chars": run.response.chars().count(),
        "field": field,
        "offset": offset,
        "total_chars": total,
        "next_offset": next,
        "text": slice,
    }))
}

#[derive(Deserialize)]
struct ListPromptsArgs {
    name: Option<String>,
    limit: Option<i64>,
}

/// `list_prompts`.
pub async fn list_prompts(store: &Store, arguments: Value) -> ToolResult {
    let args: ListPromptsArgs = parse("list_prompts", arguments)?;
    let limit = args.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ToolError("limit must be between 1 and 1000".into()));
    }
    let prompts = store.list_prompts(args.name.as_deref(), limit).await?;
    let listed: Vec<Value> = prompts
        .iter()
        .map(|p| {
            json!({
                "id": p.prompt.id,
                "name": p.prompt.name,
                "variables": template::variables(&p.prompt.template),
                "default_model": p.prompt.default_model,
                "run_count": p.run_count,
                "last_run_at": p.last_run_at,
                "last_status": p.last_status,
                "resource": format!("promptline://prompt/{}", p.prompt.id),
            })
        })
        .collect();
    Ok(json!({"count": listed.len(), "prompts": listed}))
}

#[derive(Deserialize)]
struct IdArgs {
    id: String,
}

/// `show_prompt`.
pub async fn show_prompt(store: &Store, arguments: Value) -> ToolResult {
    let args: IdArgs = parse("show_prompt", arguments)?;
    let id = PromptId::from(args.id.trim());
    let prompt = store
        .prompt(&id)
        .await
        .map_err(|e| ToolError(format!("{e}: take an id from list_prompts")))?;
    let runs = store.prompt_run_count(&id).await?;
    Ok(json!({
        "id": prompt.id,
        "name": prompt.name,
        "template": prompt.template,
        "variables": template::variables(&prompt.template),
        "default_model": prompt.default_model,
        "created_at": prompt.created_at,
        "updated_at": prompt.updated_at,
        "run_count": runs,
    }))
}

#[derive(Deserialize)]
struct StatsArgs {
    #[serde(flatten)]
    filter: FilterArgs,
    utc_offset_minutes: Option<i32>,
}

/// `run_stats`.
pub async fn run_stats(store: &Store, arguments: Value) -> ToolResult {
    let args: StatsArgs = parse("run_stats", arguments)?;
    let offset = args.utc_offset_minutes.unwrap_or(0);
    if !(-14 * 60..=14 * 60).contains(&offset) {
        return Err(ToolError(
            "utc_offset_minutes must be between -840 and 840".into(),
        ));
    }
    let stats = store.run_stats(&args.filter.to_filter()?, offset).await?;
    Ok(serde_json::to_value(stats)?)
}

#[derive(Deserialize)]
struct RunArgs {
    prompt_id: String,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    model: Option<String>,
    timeout_secs: Option<u64>,
}

/// `run_prompt` (only with `--allow-runs`): runs and records like `promptline run`, source `mcp`.
pub async fn run_prompt(store: &Store, arguments: Value) -> ToolResult {
    let args: RunArgs = parse("run_prompt", arguments)?;
    let prompt = store
        .prompt(&PromptId::from(args.prompt_id.trim()))
        .await
        .map_err(|e| ToolError(format!("{e}: take an id from list_prompts")))?;
    // A missing variable stops here, before anything is sent or recorded.
    template::render(&prompt.template, &args.variables).map_err(|e| {
        ToolError(format!(
            "{e} (in `variables`; this prompt takes {:?})",
            template::variables(&prompt.template)
        ))
    })?;
    let spec_model = args
        .model
        .clone()
        .or(prompt.default_model.clone())
        .ok_or_else(|| {
            ToolError(
                "this prompt has no default model: pass `model` as PROVIDER/MODEL (e.g. echo)"
                    .into(),
            )
        })?;
    let model = ModelRef::parse(&spec_model)?;
    let keys = SystemKeys::for_store(store).await?;
    let provider = providers::for_model(store, &keys, &model).await?;
    let mut spec = RunSpec::new(prompt.template.clone(), model);
    spec.prompt_id = Some(prompt.id.clone());
    spec.prompt_version = Some(prompt.version);
    spec.params = prompt.params.clone();
    spec.variables = args.variables;
    spec.timeout = Duration::from_secs(
        args.timeout_secs
            .unwrap_or(DEFAULT_RUN_TIMEOUT_SECS)
            .clamp(1, 3600),
    );
    let run = runner::execute(
        store,
        provider,
        spec,
        tokio_util::sync::CancellationToken::new(),
        |_| {},
    )
    .await?;
    store
        .set_run_source(&run.summary.id, crate::mcp::SOURCE)
        .await?;
    let (slice, total, next) = page(&run.response, 0, DEFAULT_PAGE_CHARS);
    Ok(json!({
        "id": run.summary.id,
        "status": run.summary.status,
        "model": run.summary.provider_model(),
        "error": run.summary.error_message,
        "tokens": run.summary.tokens_used,
        "duration_ms": run.summary.execution_time_ms,
        "source": crate::mcp::SOURCE,
        "total_chars": total,
        "next_offset": next,
        "text": slice,
    }))
}
