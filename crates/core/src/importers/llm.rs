//! Importing the `llm` CLI's logs.db (Simon Willison's `llm`).
//!
//! Two shapes of the file are in use, and a file can hold both:
//! - llm 0.36's message store: `turns` (one model call each), `messages` (content-addressed, each
//!   pointing at its parent, so a conversation is a chain), `parts` (a message's text pieces,
//!   literal or referencing `fragments`) and `threads`;
//! - the `responses` and `conversations` tables that llm wrote before; rows whose id is also a
//!   turn are the same call written twice, and only the turn (the richer record) is imported.
//!
//! One turn (or legacy response) becomes one run with llm's id, so importing a file twice adds
//! nothing. The prompt is the user's message of the turn, the response the assistant text it
//! produced, the system prompt and the earlier messages of the conversation are kept with the run,
//! and the thread id links the runs of one conversation. llm logs only successful calls.
//!
//! The file is read through its own read-only connection in pages, with no long-held lock (llm can
//! keep logging meanwhile), while the store writes the previous page.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use futures_util::StreamExt;
use serde::Deserialize;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::mpsc;

use crate::domain::{ContextMessage, NewRun, RunId, RunOrigin, RunStatus};
use crate::error::{Error, Result};
use crate::importers::{ImportProgress, ProgressUnit};
use crate::store::transfer::{provider_for_model, ImportReport};
use crate::store::Store;

/// The source of runs imported from llm.
pub const SOURCE: &str = "llm";

/// The environment variable llm reads its user directory from.
pub const USER_PATH_ENV: &str = "LLM_USER_PATH";

/// The schema migrations of llm up to 0.36, by the names llm records in `_llm_migrations`. A file
/// with any other has been written by a newer llm, whose tables may mean something else.
pub const KNOWN_MIGRATIONS: [&str; 30] = [
    "m001_initial",
    "m002_id_primary_key",
    "m003_chat_id_foreign_key",
    "m004_column_order",
    "m004_drop_provider",
    "m005_debug",
    "m006_new_logs_table",
    "m007_finish_logs_table",
    "m008_reply_to_id_foreign_key",
    "m008_fix_column_order_in_logs",
    "m009_delete_logs_table_if_empty",
    "m010_create_new_log_tables",
    "m011_fts_for_responses",
    "m012_attachments_tables",
    "m013_usage",
    "m014_schemas",
    "m015_fragments_tables",
    "m016_fragments_table_pks",
    "m017_tools_tables",
    "m017_tools_plugin",
    "m018_tool_instances",
    "m019_resolved_model",
    "m020_tool_results_attachments",
    "m021_tool_results_exception",
    "m022_response_reasoning",
    "m023_message_store",
    "m024_tool_instance_references",
    "m025_turn_tools_instance_backfill",
    "m026_message_tree_view",
    "m027_turns_response_json",
];

/// Turns (or responses) read per query.
const PAGE: i64 = 500;

/// Pages read ahead of the writer.
const PAGES_AHEAD: usize = 4;

/// Conversation chains remembered for the next turns of their threads; past this many the memory
/// is dropped and a thread's history is read back from the file when it continues.
const CHAIN_CACHE: usize = 4_096;

/// The directory llm keeps its files in, as `llm logs path` finds it: `$LLM_USER_PATH`, else the
/// OS's per-user configuration directory joined with `io.datasette.llm` (click's `get_app_dir`):
/// `~/.config/io.datasette.llm` on Linux (or under `$XDG_CONFIG_HOME`), `~/Library/Application
/// Support/io.datasette.llm` on macOS, `%APPDATA%\io.datasette.llm` on Windows.
pub fn user_dir() -> Option<PathBuf> {
    match std::env::var_os(USER_PATH_ENV).filter(|v| !v.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None => dirs::config_dir().map(|dir| dir.join("io.datasette.llm")),
    }
}

/// The logs.db llm itself writes to (`llm logs path`), whether or not it exists.
pub fn default_logs_path() -> Option<PathBuf> {
    user_dir().map(|dir| dir.join("logs.db"))
}

/// Imports an llm logs.db at `path` in one transaction; see the module docs.
pub async fn import(
    store: &Store,
    path: &Path,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport> {
    let name = path.display().to_string();
    check_not_torn(path)?;
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .foreign_keys(false);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| refused(&name, format!("cannot open it as a database: {e}")))?;
    let shape = Shape::inspect(&mut conn, &name).await?;
    let total = shape
        .count(&mut conn)
        .await
        .map_err(|e| unreadable(&name, e))?;
    progress(ImportProgress {
        done: 0,
        total,
        unit: ProgressUnit::Runs,
    });

    let (sender, receiver) = mpsc::channel::<Result<Vec<NewRun>>>(PAGES_AHEAD);
    let reader_name = name.clone();
    let reader = tokio::spawn(async move {
        let mut reader = Reader::new(conn, shape, reader_name, sender);
        let outcome = reader.read_all().await;
        if let Err(error) = outcome {
            // The writer sees the error as the next item and rolls everything back.
            let _ = reader.sender.send(Err(error)).await;
        }
        reader.conn.close().await.ok();
    });

    let mut done = 0u64;
    let pages = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|page| (page, receiver))
    });
    let runs = pages
        .flat_map(|page| {
            futures_util::stream::iter(match page {
                Ok(runs) => runs.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(error) => vec![Err(error)],
            })
        })
        .inspect(|run| {
            if run.is_ok() {
                done += 1;
                if done.is_multiple_of(1000) {
                    progress(ImportProgress {
                        done,
                        total,
                        unit: ProgressUnit::Runs,
                    });
                }
            }
        });
    let result = store.import_runs(Box::pin(runs)).await;
    // An import that failed dropped the stream, so the reader stops at its next page.
    reader
        .await
        .map_err(|e| Error::invalid(format!("reading {name} stopped: {e}")))?;
    let report = result?;
    progress(ImportProgress {
        done: report.runs_added + report.runs_skipped,
        total,
        unit: ProgressUnit::Runs,
    });
    Ok(report)
}

fn refused(name: &str, message: impl Into<String>) -> Error {
    Error::BadImportFile {
        path: name.to_owned(),
        message: message.into(),
    }
}

/// A read of the file failed half-way: it is damaged, cut off, or was changed underneath.
fn unreadable(name: &str, error: sqlx::Error) -> Error {
    refused(
        name,
        format!(
            "cannot be read ({error}): the file is damaged or incomplete. If llm was writing to it, \
             run `llm logs -n 1` once and import again; otherwise check it with \
             `sqlite3 {name} 'PRAGMA integrity_check'`"
        ),
    )
}

/// Refuses a SQLite file shorter than its header says: one cut off while being copied or written
/// (a torn file) would otherwise fail somewhere in the middle, or worse, read as fewer rows.
fn check_not_torn(path: &Path) -> Result<()> {
    use std::io::Read;
    let name = path.display().to_string();
    let mut header = [0u8; 100];
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::invalid(format!("cannot open {name}: {e}")))?;
    let length = file.metadata().map(|m| m.len()).unwrap_or(0);
    if file.read_exact(&mut header).is_err() {
        return Err(refused(
            &name,
            "is cut off: it is shorter than a SQLite header (100 bytes). Copy the file again from \
             where llm keeps it (`llm logs path`)",
        ));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    // The page count in the header is only kept by SQLite 3.7+ and valid when these two agree.
    let valid = header[24..28] == header[92..96];
    if valid && pages > 0 && length < pages * page_size {
        return Err(refused(
            &name,
            format!(
                "is cut off: its header says {} bytes and the file has {length}. It was copied or \
                 written only in part; copy it again from where llm keeps it (`llm logs path`)",
                pages * page_size
            ),
        ));
    }
    Ok(())
}

/// Which of llm's tables the file has, and the columns of the older `responses` table (they came
/// with llm's migrations over the years, so an old file lacks some).
#[derive(Debug)]
struct Shape {
    turns: bool,
    legacy: Option<LegacyColumns>,
}

#[derive(Debug)]
struct LegacyColumns {
    resolved_model: bool,
    input_tokens: bool,
    output_tokens: bool,
    conversation_id: bool,
    options_json: bool,
    duration_ms: bool,
    system: bool,
    prompt_fragments: bool,
    system_fragments: bool,
    /// Whether a `turns` table exists to suppress the responses that are also turns.
    dedupe: bool,
}

impl Shape {
    async fn inspect(conn: &mut SqliteConnection, name: &str) -> Result<Self> {
        let tables: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| unreadable(name, e))?;
        let tables: HashSet<String> = tables.into_iter().map(|(t,)| t).collect();
        let has = |t: &str| tables.contains(t);
        if has("_llm_migrations") {
            let applied: Vec<(String,)> = sqlx::query_as("SELECT name FROM _llm_migrations")
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| unreadable(name, e))?;
            let unknown: Vec<String> = applied
                .into_iter()
                .map(|(m,)| m)
                .filter(|m| !KNOWN_MIGRATIONS.contains(&m.as_str()))
                .collect();
            if !unknown.is_empty() {
                return Err(refused(
                    name,
                    format!(
                        "was written by a newer llm than Promptline knows (it has llm's schema \
                         change {}; Promptline reads up to {}, llm 0.36). Update Promptline, or \
                         export from llm with `llm logs -n 0 --json` in the meantime",
                        unknown.join(", "),
                        KNOWN_MIGRATIONS[KNOWN_MIGRATIONS.len() - 1]
                    ),
                ));
            }
        }
        let turns = has("turns") && has("messages") && has("parts");
        if turns {
            let have = table_columns(conn, "turns")
                .await
                .map_err(|e| unreadable(name, e))?;
            let needed = [
                "id",
                "thread_id",
                "parent_message_hash",
                "tip_message_hash",
                "model",
                "resolved_model",
                "options_json",
                "input_tokens",
                "output_tokens",
                "duration_ms",
                "datetime_utc",
            ];
            if let Some(missing) = needed.iter().find(|c| !have.contains(**c)) {
                return Err(refused(
                    name,
                    format!(
                        "has a `turns` table without the `{missing}` column llm 0.36 writes: it is \
                         not a logs.db Promptline knows. Pick the file `llm logs path` prints"
                    ),
                ));
            }
        }
        let legacy = if has("responses") {
            let have = table_columns(conn, "responses")
                .await
                .map_err(|e| unreadable(name, e))?;
            for needed in ["id", "model", "prompt", "response", "datetime_utc"] {
                if !have.contains(needed) {
                    return Err(refused(
                        name,
                        format!(
                            "has a `responses` table without the `{needed}` column llm writes: it \
                             is not a logs.db Promptline knows. Pick the file `llm logs path` prints"
                        ),
                    ));
                }
            }
            Some(LegacyColumns {
                resolved_model: have.contains("resolved_model"),
                input_tokens: have.contains("input_tokens"),
                output_tokens: have.contains("output_tokens"),
                conversation_id: have.contains("conversation_id"),
                options_json: have.contains("options_json"),
                duration_ms: have.contains("duration_ms"),
                system: have.contains("system"),
                prompt_fragments: has("prompt_fragments") && has("fragments"),
                system_fragments: has("system_fragments") && has("fragments"),
                dedupe: turns,
            })
        } else {
            None
        };
        if !turns && legacy.is_none() {
            return Err(refused(
                name,
                "is a SQLite database but not an llm logs.db (it has neither llm's `turns` nor its \
                 `responses` table). Pick the file `llm logs path` prints, or a JSONL export",
            ));
        }
        Ok(Self { turns, legacy })
    }

    /// How many runs the file holds: its turns and the responses that are not also turns.
    async fn count(&self, conn: &mut SqliteConnection) -> std::result::Result<u64, sqlx::Error> {
        let mut total = 0i64;
        if self.turns {
            let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM turns")
                .fetch_one(&mut *conn)
                .await?;
            total += n;
        }
        if let Some(legacy) = &self.legacy {
            let sql = if legacy.dedupe {
                "SELECT count(*) FROM responses WHERE id NOT IN (SELECT id FROM turns)"
            } else {
                "SELECT count(*) FROM responses"
            };
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut *conn).await?;
            total += n;
        }
        Ok(total.max(0) as u64)
    }
}

async fn table_columns(
    conn: &mut SqliteConnection,
    table: &str,
) -> std::result::Result<HashSet<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info(?)")
        .bind(table)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// One message of a conversation, linked to the one before it: chains of one thread share their
/// beginnings, so remembering every turn's chain costs one node per message.
#[derive(Debug)]
struct Node {
    role: String,
    text: String,
    parent: Option<Arc<Node>>,
}

impl Node {
    fn new(role: &str, text: String, parent: Option<Arc<Node>>) -> Arc<Self> {
        Arc::new(Self {
            role: role.to_owned(),
            text,
            parent,
        })
    }
}

/// The system prompt and the earlier messages of a chain ending at `tip`, oldest first.
fn split_chain(tip: Option<&Arc<Node>>) -> (Option<String>, Vec<ContextMessage>) {
    let mut messages = Vec::new();
    let mut systems = Vec::new();
    let mut node = tip;
    while let Some(n) = node {
        if n.role == "system" {
            systems.push(n.text.clone());
        } else {
            messages.push(ContextMessage {
                role: n.role.clone(),
                text: n.text.clone(),
            });
        }
        node = n.parent.as_ref();
    }
    messages.reverse();
    systems.reverse();
    let system = (!systems.is_empty()).then(|| systems.join("\n\n"));
    (system, messages)
}

/// A part of a message as the page query gives it: position, type, literal text, payload.
#[derive(Debug, Deserialize)]
struct PartRow(i64, Option<String>, Option<String>, Option<String>);

/// One turn with what the page query joined to it.
#[derive(Debug, Deserialize)]
struct TurnRow(
    String,               // 0 id
    Option<String>,       // 1 thread_id
    Option<String>,       // 2 model
    Option<String>,       // 3 resolved_model
    Option<String>,       // 4 options_json
    Option<i64>,          // 5 input_tokens
    Option<i64>,          // 6 output_tokens
    Option<i64>,          // 7 duration_ms
    Option<String>,       // 8 datetime_utc
    Option<String>,       // 9 parent_message_hash (the user's message)
    Option<String>,       // 10 tip_message_hash (the last message the call produced)
    Option<String>,       // 11 the user message's parent (the conversation before it)
    Option<String>,       // 12 the tip's parent
    Option<Vec<PartRow>>, // 13 the user message's parts
    Option<Vec<PartRow>>, // 14 the tip's parts
    Option<String>,       // 15 the tip's role
    Option<String>,       // 16 role of the message before the user's
    Option<String>,       // 17 that message's parent
    Option<Vec<PartRow>>, // 18 that message's parts (when it is a system message at the root)
);

/// A legacy response with its fragments.
#[derive(Debug, Deserialize)]
struct ResponseRow(
    String,              // 0 id
    Option<String>,      // 1 model
    Option<String>,      // 2 resolved_model
    Option<String>,      // 3 prompt
    Option<String>,      // 4 system
    Option<String>,      // 5 options_json
    Option<String>,      // 6 response
    Option<String>,      // 7 conversation_id
    Option<i64>,         // 8 duration_ms
    Option<String>,      // 9 datetime_utc
    Option<i64>,         // 10 input_tokens
    Option<i64>,         // 11 output_tokens
    Option<Vec<String>>, // 12 prompt fragments, in order
    Option<Vec<String>>, // 13 system fragments, in order
);

/// The JSON of a message's parts, as a correlated subquery on `hash_sql`.
fn parts_json(hash_sql: &str) -> String {
    format!(
        "json((SELECT json_group_array(json_array(p.position, p.type, p.text, p.payload)) \
         FROM parts p WHERE p.message_hash = {hash_sql}))"
    )
}

fn turns_page_sql() -> String {
    format!(
        "SELECT json_group_array(json_array(t.id, t.thread_id, t.model, t.resolved_model, \
         t.options_json, t.input_tokens, t.output_tokens, t.duration_ms, t.datetime_utc, \
         t.parent_message_hash, t.tip_message_hash, um.parent_hash, tm.parent_hash, {user}, {tip}, \
         tm.role, pm.role, pm.parent_hash, \
         CASE WHEN pm.role = 'system' AND pm.parent_hash IS NULL THEN {before} END)) \
         FROM (SELECT * FROM turns WHERE id > ?1 ORDER BY id LIMIT ?2) t \
         LEFT JOIN messages um ON um.hash = t.parent_message_hash \
         LEFT JOIN messages tm ON tm.hash = t.tip_message_hash \
         LEFT JOIN messages pm ON pm.hash = um.parent_hash",
        user = parts_json("t.parent_message_hash"),
        tip = parts_json("t.tip_message_hash"),
        before = parts_json("um.parent_hash"),
    )
}

/// The messages from `from` back to the root (or to just after `stop`), oldest first, as
/// (role, parts) in one query.
const CHAIN_SQL: &str = "WITH RECURSIVE chain (hash, depth) AS ( \
       SELECT ?1, 0 \
       UNION ALL \
       SELECT m.parent_hash, c.depth + 1 FROM chain c JOIN messages m ON m.hash = c.hash \
       WHERE m.parent_hash IS NOT NULL AND m.parent_hash IS NOT ?2 AND c.depth < 100000) \
     SELECT json_group_array(json_array(c.depth, m.role, json((SELECT json_group_array( \
       json_array(p.position, p.type, p.text, p.payload)) FROM parts p WHERE p.message_hash = c.hash)))) \
     FROM chain c JOIN messages m ON m.hash = c.hash";

#[derive(Debug, Deserialize)]
struct ChainRow(i64, Option<String>, Option<Vec<PartRow>>);

/// Reads the file page by page and sends the runs to the writer.
struct Reader {
    conn: SqliteConnection,
    shape: Shape,
    name: String,
    sender: mpsc::Sender<Result<Vec<NewRun>>>,
    /// The chain ending at a message, for messages recently seen (see [`CHAIN_CACHE`]).
    chains: HashMap<String, Arc<Node>>,
    /// Fragment contents by id, for parts that reference them.
    fragments: HashMap<i64, String>,
}

impl Reader {
    fn new(
        conn: SqliteConnection,
        shape: Shape,
        name: String,
        sender: mpsc::Sender<Result<Vec<NewRun>>>,
    ) -> Self {
        Self {
            conn,
            shape,
            name,
            sender,
            chains: HashMap::new(),
            fragments: HashMap::new(),
        }
    }

    async fn read_all(&mut self) -> Result<()> {
        if self.shape.turns {
            let sql = turns_page_sql();
            let mut after = String::new();
            loop {
                let (json,): (Option<String>,) = sqlx::query_as(&sql)
                    .bind(&after)
                    .bind(PAGE)
                    .fetch_one(&mut self.conn)
                    .await
                    .map_err(|e| unreadable(&self.name, e))?;
                let mut rows: Vec<TurnRow> = serde_json::from_str(json.as_deref().unwrap_or("[]"))
                    .map_err(|e| {
                        refused(&self.name, format!("has a turn llm would not write: {e}"))
                    })?;
                if rows.is_empty() {
                    break;
                }
                rows.sort_by(|a, b| a.0.cmp(&b.0));
                after = rows[rows.len() - 1].0.clone();
                let mut runs = Vec::with_capacity(rows.len());
                for row in rows {
                    runs.push(self.turn_to_run(row).await?);
                }
                if self.sender.send(Ok(runs)).await.is_err() {
                    return Ok(()); // the writer gave up; it says why
                }
            }
        }
        self.chains.clear();
        if self.shape.legacy.is_some() {
            self.read_legacy().await?;
        }
        Ok(())
    }

    async fn turn_to_run(&mut self, row: TurnRow) -> Result<NewRun> {
        let TurnRow(
            id,
            thread_id,
            model,
            resolved_model,
            options_json,
            input_tokens,
            output_tokens,
            duration_ms,
            datetime_utc,
            user_hash,
            tip_hash,
            before_hash,
            tip_parent,
            user_parts,
            tip_parts,
            tip_role,
            before_role,
            before_parent,
            before_parts,
        ) = row;
        let created_at = parse_time(datetime_utc.as_deref()).ok_or_else(|| {
            refused(
                &self.name,
                format!(
                    "turn {id} has a time llm would not write ({}): the file is damaged",
                    datetime_utc.as_deref().unwrap_or("none")
                ),
            )
        })?;
        let prompt_text = match &user_parts {
            Some(parts) => self.text_of(parts).await?,
            None => String::new(),
        };
        // The conversation before the user's message.
        let before = match before_hash.as_deref() {
            None => None,
            Some(hash) => match self.chains.get(hash) {
                Some(chain) => Some(chain.clone()),
                None if before_role.as_deref() == Some("system") && before_parent.is_none() => {
                    let text = self.text_of(before_parts.as_deref().unwrap_or(&[])).await?;
                    let node = Node::new("system", text, None);
                    self.remember(hash, &node);
                    Some(node)
                }
                None => Some(self.chain_to(hash, None).await?),
            },
        };
        // The response: the tip's text when the call produced one message (almost always), else
        // the assistant text of every message between the user's and the tip (tool calls).
        let response = match (&tip_hash, &user_hash) {
            (None, _) => String::new(),
            (Some(tip), Some(user)) if tip == user => String::new(),
            (Some(_), _) if tip_parent == user_hash => {
                if tip_role.as_deref() == Some("assistant") {
                    self.text_of(tip_parts.as_deref().unwrap_or(&[])).await?
                } else {
                    String::new()
                }
            }
            (Some(tip), _) => {
                let output = self.messages_between(tip, user_hash.as_deref()).await?;
                output
                    .into_iter()
                    .filter(|(role, _)| role == "assistant")
                    .map(|(_, text)| text)
                    .collect::<Vec<_>>()
                    .join("")
            }
        };
        let (system_prompt, context) = split_chain(before.as_ref());
        // Remember the chain for the thread's next turn.
        if let (Some(user), Some(tip)) = (&user_hash, &tip_hash) {
            let user_node = Node::new("user", prompt_text.clone(), before.clone());
            self.remember(user, &user_node);
            if tip != user {
                let tip_node = Node::new("assistant", response.clone(), Some(user_node));
                self.remember(tip, &tip_node);
            }
        }
        Ok(LlmCall {
            id,
            created_at,
            model,
            resolved_model,
            input_tokens,
            output_tokens,
            duration_ms,
            options_json,
            prompt_text,
            response,
            thread_id,
            system_prompt,
            context,
        }
        .into_run())
    }

    fn remember(&mut self, hash: &str, node: &Arc<Node>) {
        if self.chains.len() >= CHAIN_CACHE {
            self.chains.clear();
        }
        self.chains.insert(hash.to_owned(), node.clone());
    }

    /// The chain ending at `hash` (back to the root), read from the file.
    async fn chain_to(&mut self, hash: &str, stop: Option<&str>) -> Result<Arc<Node>> {
        let messages = self.messages_between(hash, stop).await?;
        let mut node: Option<Arc<Node>> = None;
        for (role, text) in messages {
            node = Some(Node::new(&role, text, node));
        }
        let node = node.unwrap_or_else(|| Node::new("user", String::new(), None));
        self.remember(hash, &node);
        Ok(node)
    }

    /// The messages from just after `stop` (or the root) to `tip`, oldest first, as (role, text).
    async fn messages_between(
        &mut self,
        tip: &str,
        stop: Option<&str>,
    ) -> Result<Vec<(String, String)>> {
        let (json,): (Option<String>,) = sqlx::query_as(CHAIN_SQL)
            .bind(tip)
            .bind(stop)
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| unreadable(&self.name, e))?;
        let mut rows: Vec<ChainRow> = serde_json::from_str(json.as_deref().unwrap_or("[]"))
            .map_err(|e| {
                refused(
                    &self.name,
                    format!("has a message llm would not write: {e}"),
                )
            })?;
        rows.sort_by_key(|row| std::cmp::Reverse(row.0));
        let mut out = Vec::with_capacity(rows.len());
        for ChainRow(_, role, parts) in rows {
            let text = self.text_of(parts.as_deref().unwrap_or(&[])).await?;
            out.push((role.unwrap_or_default(), text));
        }
        Ok(out)
    }

    /// A message's text: its text parts in order, fragments put back where llm referenced them.
    async fn text_of(&mut self, parts: &[PartRow]) -> Result<String> {
        let mut ordered: Vec<&PartRow> = parts
            .iter()
            .filter(|p| p.1.as_deref() == Some("text"))
            .collect();
        ordered.sort_by_key(|p| p.0);
        let mut text = String::new();
        for part in ordered {
            match (&part.2, &part.3) {
                (Some(literal), _) => text.push_str(literal),
                (None, Some(payload)) => text.push_str(&self.resolve_payload(payload).await?),
                (None, None) => {}
            }
        }
        Ok(text)
    }

    /// The text of a part stored as `{"text_ref": [{"literal": ...} | {"fragment": id}, ...]}`.
    async fn resolve_payload(&mut self, payload: &str) -> Result<String> {
        let value: serde_json::Value = serde_json::from_str(payload).map_err(|e| {
            refused(
                &self.name,
                format!("has a message part that is not JSON: {e}"),
            )
        })?;
        if let Some(text) = value.get("text").and_then(|t| t.as_str()) {
            return Ok(text.to_owned());
        }
        let Some(pieces) = value.get("text_ref").and_then(|t| t.as_array()) else {
            return Ok(String::new());
        };
        let mut text = String::new();
        for piece in pieces {
            if let Some(literal) = piece.get("literal").and_then(|l| l.as_str()) {
                text.push_str(literal);
            } else if let Some(id) = piece.get("fragment").and_then(|f| f.as_i64()) {
                text.push_str(&self.fragment(id).await?);
            }
        }
        Ok(text)
    }

    async fn fragment(&mut self, id: i64) -> Result<String> {
        if let Some(content) = self.fragments.get(&id) {
            return Ok(content.clone());
        }
        let content: Option<(Option<String>,)> =
            sqlx::query_as("SELECT content FROM fragments WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut self.conn)
                .await
                .map_err(|e| unreadable(&self.name, e))?;
        let content = content.and_then(|(c,)| c).unwrap_or_default();
        if self.fragments.len() > 10_000 {
            self.fragments.clear();
        }
        self.fragments.insert(id, content.clone());
        Ok(content)
    }

    /// The responses of llm before 0.36 that are not also turns.
    async fn read_legacy(&mut self) -> Result<()> {
        let Some(legacy) = &self.shape.legacy else {
            return Ok(());
        };
        let col = |present: bool, name: &str| {
            if present {
                format!("r.{name}")
            } else {
                "NULL".to_owned()
            }
        };
        let fragments = |present: bool, table: &str| {
            if present {
                format!(
                    "json((SELECT json_group_array(content) FROM (SELECT f.content FROM {table} x \
                     JOIN fragments f ON f.id = x.fragment_id WHERE x.response_id = r.id \
                     ORDER BY x.\"order\")))"
                )
            } else {
                "NULL".to_owned()
            }
        };
        let sql = format!(
            "SELECT json_group_array(json_array(r.id, r.model, {resolved}, r.prompt, {system}, \
             {options}, r.response, {conversation}, {duration}, r.datetime_utc, {input}, {output}, \
             {pfrag}, {sfrag})) \
             FROM (SELECT * FROM responses WHERE id > ?1 {dedupe} ORDER BY id LIMIT ?2) r",
            resolved = col(legacy.resolved_model, "resolved_model"),
            system = col(legacy.system, "system"),
            options = col(legacy.options_json, "options_json"),
            conversation = col(legacy.conversation_id, "conversation_id"),
            duration = col(legacy.duration_ms, "duration_ms"),
            input = col(legacy.input_tokens, "input_tokens"),
            output = col(legacy.output_tokens, "output_tokens"),
            pfrag = fragments(legacy.prompt_fragments, "prompt_fragments"),
            sfrag = fragments(legacy.system_fragments, "system_fragments"),
            dedupe = if legacy.dedupe {
                "AND id NOT IN (SELECT id FROM turns)"
            } else {
                ""
            },
        );
        let has_conversations = legacy.conversation_id;
        // The chain so far of each conversation, by conversation id.
        let mut conversations: HashMap<String, Arc<Node>> = HashMap::new();
        let mut after = String::new();
        loop {
            let (json,): (Option<String>,) = sqlx::query_as(&sql)
                .bind(&after)
                .bind(PAGE)
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| unreadable(&self.name, e))?;
            let mut rows: Vec<ResponseRow> = serde_json::from_str(json.as_deref().unwrap_or("[]"))
                .map_err(|e| {
                    refused(
                        &self.name,
                        format!("has a response llm would not write: {e}"),
                    )
                })?;
            if rows.is_empty() {
                break;
            }
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            after = rows[rows.len() - 1].0.clone();
            let mut runs = Vec::with_capacity(rows.len());
            for row in rows {
                let conversation = row.7.clone().filter(|c| !c.is_empty() && has_conversations);
                let before = match &conversation {
                    Some(id) => match conversations.get(id) {
                        Some(chain) => Some(chain.clone()),
                        None => self.conversation_before(id, &row.0).await?,
                    },
                    None => None,
                };
                let run = self.response_to_run(row, before.as_ref())?;
                if let Some(id) = conversation {
                    let user = Node::new("user", run.prompt_text.clone(), before);
                    let answer = Node::new("assistant", run.response.clone(), Some(user));
                    if conversations.len() >= CHAIN_CACHE {
                        conversations.clear();
                    }
                    conversations.insert(id, answer);
                }
                runs.push(run);
            }
            if self.sender.send(Ok(runs)).await.is_err() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// The earlier exchanges of a legacy conversation, read back from the file.
    async fn conversation_before(
        &mut self,
        conversation: &str,
        before_id: &str,
    ) -> Result<Option<Arc<Node>>> {
        let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT prompt, response FROM responses WHERE conversation_id = ? AND id < ? ORDER BY id",
        )
        .bind(conversation)
        .bind(before_id)
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| unreadable(&self.name, e))?;
        let mut node = None;
        for (prompt, response) in rows {
            let user = Node::new("user", prompt.unwrap_or_default(), node);
            node = Some(Node::new(
                "assistant",
                response.unwrap_or_default(),
                Some(user),
            ));
        }
        Ok(node)
    }

    fn response_to_run(&self, row: ResponseRow, before: Option<&Arc<Node>>) -> Result<NewRun> {
        let ResponseRow(
            id,
            model,
            resolved_model,
            prompt,
            system,
            options_json,
            response,
            conversation_id,
            duration_ms,
            datetime_utc,
            input_tokens,
            output_tokens,
            prompt_fragments,
            system_fragments,
        ) = row;
        let created_at = parse_time(datetime_utc.as_deref()).ok_or_else(|| {
            refused(
                &self.name,
                format!(
                    "response {id} has a time llm would not write ({}): the file is damaged",
                    datetime_utc.as_deref().unwrap_or("none")
                ),
            )
        })?;
        // As llm builds them: prompt fragments then the prompt, one a line; system fragments then
        // the system prompt, trimmed, a blank line apart.
        let mut prompt_pieces = prompt_fragments.unwrap_or_default();
        prompt_pieces.extend(prompt.filter(|p| !p.is_empty()));
        let prompt_text = prompt_pieces.join("\n");
        let mut system_pieces = system_fragments.unwrap_or_default();
        system_pieces.extend(system);
        let system_pieces: Vec<&str> = system_pieces
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        let system_prompt = (!system_pieces.is_empty()).then(|| system_pieces.join("\n\n"));
        let (_, context) = split_chain(before);
        Ok(LlmCall {
            id,
            created_at,
            model,
            resolved_model,
            input_tokens,
            output_tokens,
            duration_ms,
            options_json,
            prompt_text,
            response: response.unwrap_or_default(),
            thread_id: conversation_id,
            system_prompt,
            context,
        }
        .into_run())
    }
}

/// One llm call as both of llm's layouts (turns, or responses) record it, on its way to a run.
struct LlmCall {
    id: String,
    created_at: DateTime<Utc>,
    model: Option<String>,
    resolved_model: Option<String>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    duration_ms: Option<i64>,
    options_json: Option<String>,
    prompt_text: String,
    response: String,
    thread_id: Option<String>,
    system_prompt: Option<String>,
    context: Vec<ContextMessage>,
}

impl LlmCall {
    /// The run: a success (llm logs only those), its provider guessed from the model's name.
    fn into_run(self) -> NewRun {
        let model = self.model.unwrap_or_default();
        NewRun {
            id: RunId(self.id),
            prompt_id: None,
            created_at: self.created_at,
            provider: provider_for_model(&model).to_owned(),
            model,
            status: RunStatus::Success,
            tokens_used: total_tokens(self.input_tokens, self.output_tokens),
            input_tokens: self.input_tokens.filter(|n| *n >= 0),
            output_tokens: self.output_tokens.filter(|n| *n >= 0),
            execution_time_ms: self.duration_ms.filter(|n| *n >= 0),
            ttft_ms: None,
            stop_reason: None,
            error_message: None,
            params: params_of(self.options_json.as_deref()),
            variables: serde_json::json!({}),
            prompt_text: self.prompt_text,
            response: self.response,
            token_details: Default::default(),
            cost: None,
            origin: RunOrigin {
                source: Some(SOURCE.to_owned()),
                thread_id: self.thread_id.filter(|t| !t.is_empty()),
                resolved_model: self.resolved_model.filter(|m| !m.is_empty()),
                system_prompt: self.system_prompt,
                context: self.context,
                prompt_version: None,
            },
        }
    }
}

/// Input plus output tokens; what one side did not report counts as none.
fn total_tokens(input: Option<i64>, output: Option<i64>) -> Option<i64> {
    let input = input.filter(|n| *n >= 0);
    let output = output.filter(|n| *n >= 0);
    match (input, output) {
        (None, None) => None,
        (i, o) => Some(i.unwrap_or(0) + o.unwrap_or(0)),
    }
}

/// llm's options (`{"temperature": 0.2}`) as the run's params; anything that is not a JSON object
/// is kept as it was, under `options_json`.
fn params_of(options_json: Option<&str>) -> serde_json::Value {
    match options_json.map(str::trim).filter(|o| !o.is_empty()) {
        None => serde_json::json!({}),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => serde_json::Value::Object(map),
            Ok(serde_json::Value::Null) => serde_json::json!({}),
            _ => serde_json::json!({ "options_json": text }),
        },
    }
}

/// llm's `datetime_utc`: ISO 8601 in UTC, `2025-01-02T03:04:05.123456+00:00` (0.36, also with a
/// space for the T) or without an offset (`datetime.utcnow().isoformat()` of older versions).
fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    let text = text?.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
        return Some(time.with_timezone(&Utc));
    }
    let naive = text.replacen(' ', "T", 1);
    let naive = naive.strip_suffix('Z').unwrap_or(&naive);
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_every_llm_version_parse_to_the_microsecond() {
        let expected = "2025-01-02T03:04:05.123456Z";
        for text in [
            "2025-01-02T03:04:05.123456+00:00",
            "2025-01-02 03:04:05.123456+00:00",
            "2025-01-02T03:04:05.123456",
            "2025-01-02T04:04:05.123456+01:00",
        ] {
            let time = parse_time(Some(text)).unwrap();
            assert_eq!(crate::store::transfer::rfc3339(time), expected, "{text}");
        }
        assert!(parse_time(Some("yesterday")).is_none());
        assert!(parse_time(None).is_none());
    }

    #[test]
    fn options_become_params_and_odd_ones_are_kept_as_text() {
        assert_eq!(params_of(None), serde_json::json!({}));
        assert_eq!(
            params_of(Some(r#"{"temperature": 0.5}"#)),
            serde_json::json!({"temperature": 0.5})
        );
        assert_eq!(
            params_of(Some("[1]")),
            serde_json::json!({"options_json": "[1]"})
        );
    }

    #[test]
    fn totals_count_what_was_reported() {
        assert_eq!(total_tokens(Some(3), Some(4)), Some(7));
        assert_eq!(total_tokens(None, Some(4)), Some(4));
        assert_eq!(total_tokens(None, None), None);
    }

    #[test]
    fn a_chain_splits_into_the_system_prompt_and_earlier_messages() {
        let system = Node::new("system", "Be brief.".into(), None);
        let user = Node::new("user", "Hi".into(), Some(system));
        let answer = Node::new("assistant", "Hello".into(), Some(user));
        let (system, context) = split_chain(Some(&answer));
        assert_eq!(system.as_deref(), Some("Be brief."));
        assert_eq!(
            context
                .iter()
                .map(|m| (m.role.as_str(), m.text.as_str()))
                .collect::<Vec<_>>(),
            [("user", "Hi"), ("assistant", "Hello")]
        );
    }
}
