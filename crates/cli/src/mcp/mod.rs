//! `promptline mcp`: the history and the saved prompts as a Model Context Protocol server over
//! stdio, built on `rmcp` (the protocol's Rust SDK; it implements revision 2026-07-28 and
//! negotiates down to 2024-11-05 with older clients).
//!
//! - tools ([`tools`]): search the history, show a run (paged), list and show saved prompts,
//!   statistics; `run_prompt` only when started with `--allow-runs`.
//! - resources: each saved prompt's template as `promptline://prompt/ID`.
//! - prompts: each saved prompt, its `{{variables}}` as arguments.
//!
//! Read-only by default, over the same store as the CLI and the app (which may write to it at the
//! same time: SQLite's WAL lets readers and a writer work at once). Standard output carries the
//! protocol only; nothing else is ever printed there.

pub mod tools;

use promptline_core::{template, PromptId, Store};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData, GetPromptRequestParams,
    GetPromptResponse, GetPromptResult, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The `source` recorded on runs an agent starts.
pub const SOURCE: &str = "mcp";

/// The scheme and prefix of a saved prompt's resource URI.
const PROMPT_URI: &str = "promptline://prompt/";

/// How many saved prompts the resource and prompt lists show (most recently used first).
const LISTED_PROMPTS: i64 = 1000;

/// The server: a store and whether runs are allowed.
#[derive(Clone)]
pub struct PromptlineServer {
    store: Store,
    allow_runs: bool,
}

impl PromptlineServer {
    /// A server over `store`; `allow_runs` exposes `run_prompt`.
    pub fn new(store: Store, allow_runs: bool) -> Self {
        Self { store, allow_runs }
    }

    async fn call(&self, name: &str, arguments: Value) -> Result<Value, tools::ToolError> {
        if let Some(unknown) = unknown_argument(name, &arguments) {
            return Err(tools::ToolError(unknown));
        }
        match name {
            "search_history" => tools::search_history(&self.store, arguments).await,
            "show_run" => tools::show_run(&self.store, arguments).await,
            "list_prompts" => tools::list_prompts(&self.store, arguments).await,
            "show_prompt" => tools::show_prompt(&self.store, arguments).await,
            "run_stats" => tools::run_stats(&self.store, arguments).await,
            "run_prompt" if self.allow_runs => tools::run_prompt(&self.store, arguments).await,
            "run_prompt" => Err(tools::ToolError(
                "runs are not allowed: this server is read-only. Ask the user to start it with \
                 `promptline mcp --allow-runs` to let agents run saved prompts."
                    .into(),
            )),
            other => Err(tools::ToolError(format!(
                "no tool named `{other}`: see tools/list"
            ))),
        }
    }
}

/// A message naming the first argument the tool's schema does not have, or has with another JSON
/// type, so a typo is never silently ignored and the agent learns which argument to fix.
fn unknown_argument(tool: &str, arguments: &Value) -> Option<String> {
    let definitions = tools::definitions(true);
    let schema = definitions.iter().find(|t| t["name"] == tool)?;
    let known = schema["inputSchema"]["properties"].as_object()?;
    let Some(given) = arguments.as_object() else {
        return Some(format!("{tool} takes its arguments as a JSON object"));
    };
    for (name, value) in given {
        let Some(property) = known.get(name) else {
            let names: Vec<&String> = known.keys().collect();
            return Some(format!(
                "{tool} has no argument `{name}`: it takes {names:?}"
            ));
        };
        let expected = property["type"].as_str().unwrap_or_default();
        let fits = match expected {
            "integer" => value.is_i64() || value.is_u64(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        if !fits && !value.is_null() {
            return Some(format!(
                "`{name}` must be {expected_a} {expected}, not {value}",
                expected_a = if expected == "integer" || expected == "array" || expected == "object"
                {
                    "an"
                } else {
                    "a"
                }
            ));
        }
    }
    None
}

/// A reply from its JSON wire form. Replies carry `resultType: complete`, which revision 2026-07-28
/// requires; rmcp drops it for clients on older revisions.
fn from_json<T: DeserializeOwned>(value: Value) -> Result<T, ErrorData> {
    serde_json::from_value(value)
        .map_err(|e| ErrorData::internal_error(format!("cannot build the reply: {e}"), None))
}

fn tool_reply(outcome: Result<Value, tools::ToolError>) -> Result<CallToolResult, ErrorData> {
    from_json(match outcome {
        Ok(value) => json!({
            "resultType": "complete",
            "content": [{"type": "text", "text": value.to_string()}],
            "structuredContent": value,
            "isError": false,
        }),
        Err(tools::ToolError(message)) => json!({
            "resultType": "complete",
            "content": [{"type": "text", "text": message}],
            "isError": true,
        }),
    })
}

fn prompt_id_of_uri(uri: &str) -> Result<PromptId, ErrorData> {
    uri.strip_prefix(PROMPT_URI)
        .filter(|id| !id.is_empty())
        .map(PromptId::from)
        .ok_or_else(|| {
            ErrorData::invalid_params(
                format!(
                    "`{uri}` is not a Promptline resource: use {PROMPT_URI}ID (see resources/list)"
                ),
                None,
            )
        })
}

fn store_error(error: promptline_core::Error) -> ErrorData {
    match error {
        promptline_core::Error::NotFound { .. } => {
            ErrorData::invalid_params(error.to_string(), None)
        }
        other => ErrorData::internal_error(other.to_string(), None),
    }
}

impl ServerHandler for PromptlineServer {
    fn get_info(&self) -> ServerConfig {
        let runs = if self.allow_runs {
            "run_prompt runs a saved prompt on a model and records it (source `mcp`)."
        } else {
            "It is read-only: runs are off (the user can start it with --allow-runs)."
        };
        let mut info: ServerConfig = serde_json::from_value(json!({
            "protocolVersion": ProtocolVersion::LATEST,
            "capabilities": {"tools": {}, "resources": {}, "prompts": {}},
            "serverInfo": {"name": "promptline", "title": "Promptline", "version": env!("CARGO_PKG_VERSION")},
            "instructions": format!(
                "Promptline keeps the user's history of LLM runs (prompt as run, full response, model, tokens, \
                 timings, status) and their saved prompts. search_history finds runs (full-text search and \
                 filters), show_run opens one (long texts in pages), list_prompts/show_prompt read saved \
                 prompts, run_stats compares models. {runs}"
            ),
        }))
        .expect("a valid server description");
        info.protocol_version = ProtocolVersion::LATEST;
        info
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        from_json(json!({"resultType": "complete", "tools": tools::definitions(self.allow_runs)}))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        Ok(tool_reply(self.call(&request.name, arguments).await)?.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let prompts = self
            .store
            .list_prompts(None, LISTED_PROMPTS)
            .await
            .map_err(store_error)?;
        let resources: Vec<Value> = prompts
            .iter()
            .map(|p| {
                json!({
                    "uri": format!("{PROMPT_URI}{}", p.prompt.id),
                    "name": p.prompt.name,
                    "description": format!("Saved prompt template ({} runs)", p.run_count),
                    "mimeType": "text/plain",
                })
            })
            .collect();
        from_json(json!({"resultType": "complete", "resources": resources}))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        from_json(json!({"resultType": "complete", "resourceTemplates": [{
            "uriTemplate": format!("{PROMPT_URI}{{id}}"),
            "name": "Saved prompt",
            "description": "A saved prompt's template, by its id (see list_prompts).",
            "mimeType": "text/plain",
        }]}))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let id = prompt_id_of_uri(&request.uri)?;
        let prompt = self.store.prompt(&id).await.map_err(store_error)?;
        let result: ReadResourceResult =
            from_json(json!({"resultType": "complete", "contents": [{
                "uri": request.uri,
                "mimeType": "text/plain",
                "text": prompt.template,
            }]}))?;
        Ok(result.into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let prompts = self
            .store
            .list_prompts(None, LISTED_PROMPTS)
            .await
            .map_err(store_error)?;
        let listed: Vec<Value> = prompts
            .iter()
            .map(|p| {
                let arguments: Vec<Value> = template::variables(&p.prompt.template)
                    .into_iter()
                    .map(|name| json!({"name": name, "description": format!("The value of {{{{{name}}}}}"), "required": true}))
                    .collect();
                json!({
                    "name": p.prompt.id,
                    "title": p.prompt.name,
                    "description": format!("Saved prompt “{}” ({} runs)", p.prompt.name, p.run_count),
                    "arguments": arguments,
                })
            })
            .collect();
        from_json(json!({"resultType": "complete", "prompts": listed}))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let prompt = self
            .store
            .prompt(&PromptId::from(request.name.as_str()))
            .await
            .map_err(|e| ErrorData::invalid_params(format!("{e}: see prompts/list"), None))?;
        let values = request
            .arguments
            .unwrap_or_default()
            .into_iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                (name, text)
            })
            .collect();
        let text = template::render(&prompt.template, &values)
            .map_err(|e| ErrorData::invalid_params(format!("{e} (as a prompt argument)"), None))?;
        let result: GetPromptResult = from_json(json!({
            "resultType": "complete",
            "description": prompt.name,
            "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
        }))?;
        Ok(result.into())
    }
}
