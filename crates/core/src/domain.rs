//! Domain types shared by the store, the runner, the CLI and the desktop app.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

text_id!(
    /// Identifies a saved prompt. Opaque text: UUIDv7 for new prompts, whatever an import brings.
    PromptId
);
text_id!(
    /// Identifies one run. Opaque text: UUIDv7 for new runs, whatever an import brings (ULIDs too).
    RunId
);

/// Where a run is: in flight, or how it ended. A closed set, enforced by the schema as well.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// The provider answered in full.
    Success,
    /// The provider or the connection failed; `error_message` says how.
    Error,
    /// The per-run time limit ran out; whatever arrived before is kept.
    Timeout,
    /// The user stopped the run; whatever arrived before is kept.
    Cancelled,
    /// The process running it ended (killed, crashed, the machine lost power) before the run
    /// did; the response is what had been written by then.
    Interrupted,
    /// In flight: recorded when it started, its partial response kept as it streams.
    Running,
}

impl RunStatus {
    /// Every status, in display order.
    pub const ALL: [RunStatus; 6] = [
        Self::Success,
        Self::Error,
        Self::Timeout,
        Self::Cancelled,
        Self::Interrupted,
        Self::Running,
    ];

    /// Whether the run has ended (every status but `running`).
    pub fn is_final(self) -> bool {
        self != Self::Running
    }

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Error => "error",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
            Self::Running => "running",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown status `{s}`: use one of success, error, timeout, cancelled, interrupted, running"
                ))
            })
    }
}

/// A saved prompt: a named template with `{{variables}}`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    /// Stable id.
    pub id: PromptId,
    /// What the user calls it.
    pub name: String,
    /// The template text; `{{name}}` marks a variable.
    pub template: String,
    /// The model a run uses when none is given (`provider/model`, or `echo`).
    pub default_model: Option<String>,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it was last edited (UTC).
    pub updated_at: DateTime<Utc>,
    /// The teammate whose prompt it is, for prompts pulled from the team; `None` for one's own.
    #[serde(default)]
    pub owner: Option<String>,
    /// Whether the team sees it and its runs (`promptline prompt share`); private by default.
    #[serde(default)]
    pub shared: bool,
    /// The run parameters saved with it (`system`, `temperature`, `max_tokens`, `top_p`, `stop`,
    /// ...), a JSON object sent with every run of it unless a run overrides them.
    #[serde(default = "empty_object")]
    pub params: serde_json::Value,
    /// Its current version: 1 when created, one more for each edit of its template or
    /// parameters (see [`PromptVersion`]).
    #[serde(default = "first_version")]
    pub version: i64,
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

fn first_version() -> i64 {
    1
}

/// One kept version of a prompt: its template and run parameters as they were.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptVersion {
    /// The prompt it is a version of.
    pub prompt_id: PromptId,
    /// 1 for the first, counting up.
    pub version: i64,
    /// The template of this version.
    pub template: String,
    /// The run parameters of this version, a JSON object.
    pub params: serde_json::Value,
    /// When it was saved (UTC).
    pub created_at: DateTime<Utc>,
    /// How many runs ran it.
    pub run_count: i64,
}

/// What the run panel remembers for a prompt across launches: not part of the prompt itself.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptMemory {
    /// The value typed for each `{{variable}}`.
    #[serde(default)]
    pub variables: std::collections::BTreeMap<String, String>,
    /// The models picked to run on (`provider/model`, or `echo`).
    #[serde(default)]
    pub models: Vec<String>,
    /// Model chips added by hand, picked or not.
    #[serde(default)]
    pub extra_models: Vec<String>,
    /// The run's time limit in seconds; `None` for the default.
    #[serde(default)]
    pub timeout_secs: Option<u32>,
}

/// The app's colour theme.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Light or dark as the OS says.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

impl FromStr for Theme {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "system" => Ok(Self::System),
            "light" => Ok(Self::Light),
            "dark" => Ok(Self::Dark),
            _ => Err(Error::invalid(format!(
                "unknown theme `{s}`: use system, light or dark"
            ))),
        }
    }
}

/// Settings beyond providers, shared by the app and the CLI.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSettings {
    /// The model a run uses when neither a flag nor the prompt names one; `None` for `echo`.
    pub default_model: Option<String>,
    /// The time limit of a run in seconds when no flag gives one; `None` for 300 s.
    pub default_timeout_secs: Option<u32>,
    /// The app's theme.
    pub theme: Theme,
}

/// A prompt as lists show it: the prompt plus facts about its runs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptSummary {
    /// The prompt itself.
    #[serde(flatten)]
    pub prompt: Prompt,
    /// How many runs it has.
    pub run_count: i64,
    /// When it last ran, if ever.
    pub last_run_at: Option<DateTime<Utc>>,
    /// How its last run ended, if it ran.
    pub last_status: Option<RunStatus>,
    /// What its priced runs cost so far, in US dollars.
    pub cost_usd: f64,
    /// How many of its runs have a cost (the others have no known price).
    pub priced_runs: i64,
}

/// The fields a new prompt needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewPrompt {
    /// What the user calls it; must not be blank.
    pub name: String,
    /// The template text.
    pub template: String,
    /// The model a run uses when none is given.
    pub default_model: Option<String>,
    /// Run parameters saved with it, a JSON object (`null` for none).
    #[serde(default)]
    pub params: serde_json::Value,
}

/// A change to a prompt; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PromptEdit {
    /// A new name.
    pub name: Option<String>,
    /// A new template.
    pub template: Option<String>,
    /// A new default model; `Some(None)` clears it.
    pub default_model: Option<Option<String>>,
    /// New run parameters (a JSON object replacing the saved ones).
    #[serde(default)]
    pub params: Option<serde_json::Value>,
    /// A change of template or parameters normally adds a version. With this set (the app's
    /// autosave while typing), it replaces the newest version instead when that version has not
    /// run yet and was saved less than [`AMEND_WINDOW_SECS`] ago.
    #[serde(default)]
    pub amend_draft: bool,
}

/// How long after a version is saved an autosave may still amend it (see [`PromptEdit`]).
pub const AMEND_WINDOW_SECS: i64 = 60;

/// One run as the timeline lists it: everything but the large text columns.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Stable id.
    pub id: RunId,
    /// The saved prompt it ran, if any (ad-hoc and some imported runs have none).
    pub prompt_id: Option<PromptId>,
    /// When it started (UTC).
    pub created_at: DateTime<Utc>,
    /// The model as requested, e.g. `gpt-4o-mini` or `echo`.
    pub model: String,
    /// The configured provider that served it, e.g. `openai` or `echo`.
    pub provider: String,
    /// How it ended.
    pub status: RunStatus,
    /// Total tokens as the provider reported them; `None` when it reported none.
    pub tokens_used: Option<i64>,
    /// Prompt-side tokens, when reported.
    pub input_tokens: Option<i64>,
    /// Completion-side tokens, when reported.
    pub output_tokens: Option<i64>,
    /// From sending the request to the last byte, in milliseconds.
    pub execution_time_ms: Option<i64>,
    /// From sending the request to the first content token, in milliseconds.
    pub ttft_ms: Option<i64>,
    /// What went wrong, for error, timeout and cancelled runs.
    pub error_message: Option<String>,
    /// The first words of the response (or of the error), for list views.
    pub preview: String,
    /// Length of the full response in characters.
    pub response_chars: i64,
    /// The teammate who ran it, for runs pulled from the team; `None` for one's own.
    #[serde(default)]
    pub owner: Option<String>,
    /// Its rating, tags and note.
    #[serde(flatten)]
    pub annotation: Annotation,
    /// Where it was recorded: `promptline` for runs made here, `llm` for turns imported from the
    /// `llm` CLI's logs.db, `jsonl` for a JSONL import that did not say.
    pub source: String,
    /// The conversation it belongs to: runs of one thread share this id; `None` for a run on its own.
    pub thread_id: Option<String>,
    /// Cache reads, cache writes and reasoning tokens, when reported.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub token_details: TokenDetails,
    /// What the run cost in US dollars; `None` when not known (no price, no token counts).
    pub cost_usd: Option<f64>,
    /// Where the cost came from, or why there is none; `None` while not priced yet.
    pub cost_source: Option<CostSource>,
    /// The price entry that priced it, e.g. `openai/gpt-4o-mini`.
    pub priced_as: Option<String>,
}

impl RunSummary {
    /// The model address as a user writes it: `provider/model`, or just `echo`.
    pub fn provider_model(&self) -> String {
        if self.provider == self.model {
            self.model.clone()
        } else {
            format!("{}/{}", self.provider, self.model)
        }
    }
}

/// One run in full, as the detail view and `promptline show` present it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The listed fields.
    #[serde(flatten)]
    pub summary: RunSummary,
    /// Why the model stopped (`stop`, `length`, `end_turn`, ...), when the provider said.
    pub stop_reason: Option<String>,
    /// Generation parameters sent (temperature and the like), as a JSON object.
    pub params: serde_json::Value,
    /// The variables substituted into the template, as a JSON object.
    pub variables: serde_json::Value,
    /// The prompt text exactly as it was sent, after variables.
    pub prompt_text: String,
    /// The full response, never truncated; partial for timed-out and cancelled runs.
    pub response: String,
    /// The model the provider said it served (e.g. `gpt-4o-mini-2024-07-18` for `gpt-4o-mini`).
    pub resolved_model: Option<String>,
    /// The system prompt the model was given, if any.
    pub system_prompt: Option<String>,
    /// The conversation before this run's prompt, oldest first, as the model was sent it (empty
    /// for a run on its own).
    pub context: Vec<ContextMessage>,
    /// The version of its prompt it ran; `None` for ad-hoc and imported runs, and runs recorded
    /// before prompts had versions.
    #[serde(default)]
    pub prompt_version: Option<i64>,
}

/// A run with only the start of its response: what the detail view shows first, so a response
/// of many megabytes never has to cross to the window in one piece.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunHead {
    /// The run, its `response` cut to the characters asked for (the whole when it is shorter).
    pub run: Run,
    /// How many characters the full response has (Unicode scalar values, as SQLite counts them).
    pub response_total_chars: i64,
}

/// The source of runs recorded by Promptline itself.
pub const SOURCE_PROMPTLINE: &str = "promptline";

/// One message of the conversation that came before a run's own prompt.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextMessage {
    /// Who said it: `user` or `assistant` (`system` and `tool` also occur in imported threads).
    pub role: String,
    /// What was said.
    pub text: String,
}

/// Where a new run comes from and the conversation around it. The default is a run recorded by
/// Promptline on its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunOrigin {
    /// Where it was recorded; `None` means Promptline ([`SOURCE_PROMPTLINE`]).
    pub source: Option<String>,
    /// The conversation it belongs to.
    pub thread_id: Option<String>,
    /// The model the provider said it served.
    pub resolved_model: Option<String>,
    /// The system prompt the model was given.
    pub system_prompt: Option<String>,
    /// The conversation before the run's prompt, oldest first.
    pub context: Vec<ContextMessage>,
    /// The version of its prompt it ran.
    #[serde(default)]
    pub prompt_version: Option<i64>,
}

impl RunOrigin {
    /// The source as stored.
    pub fn source(&self) -> &str {
        self.source.as_deref().unwrap_or(SOURCE_PROMPTLINE)
    }
}

/// Everything needed to record a run. The store derives the preview and length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    /// Its id; [`RunId::new`] for a fresh run, the original one for imports.
    pub id: RunId,
    /// The saved prompt it ran, if any.
    pub prompt_id: Option<PromptId>,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// The model as requested.
    pub model: String,
    /// The provider that served it.
    pub provider: String,
    /// How it ended.
    pub status: RunStatus,
    /// Total tokens, when reported.
    pub tokens_used: Option<i64>,
    /// Prompt-side tokens, when reported.
    pub input_tokens: Option<i64>,
    /// Completion-side tokens, when reported.
    pub output_tokens: Option<i64>,
    /// Duration in milliseconds.
    pub execution_time_ms: Option<i64>,
    /// Time to first token in milliseconds.
    pub ttft_ms: Option<i64>,
    /// Why the model stopped.
    pub stop_reason: Option<String>,
    /// What went wrong.
    pub error_message: Option<String>,
    /// Generation parameters, a JSON object.
    pub params: serde_json::Value,
    /// Template variables, a JSON object.
    pub variables: serde_json::Value,
    /// The prompt as sent.
    pub prompt_text: String,
    /// The response as received.
    pub response: String,
    /// Its source, thread, resolved model, system prompt and earlier messages.
    #[serde(default)]
    pub origin: RunOrigin,
    /// Cache reads, cache writes and reasoning tokens, when reported.
    pub token_details: TokenDetails,
    /// What it cost, when already priced (see `prices`); `None` leaves it to be priced later.
    pub cost: Option<RunCost>,
}

/// Token counts some providers report beyond input and output. Each is part of another count:
/// cache reads and writes of the input tokens, reasoning of the output tokens.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDetails {
    /// Input tokens read from the provider's prompt cache (billed at the cache rate).
    pub cached_tokens: Option<i64>,
    /// Input tokens written to the prompt cache (Anthropic bills them above the input rate).
    pub cache_write_tokens: Option<i64>,
    /// Output tokens the model spent reasoning before it answered.
    pub reasoning_tokens: Option<i64>,
}

/// Where a run's cost came from, or why it has none.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// The maintained price table (genai-prices), at the rates in force at the run's time.
    Table,
    /// A price the user set (`promptline prices set`, Settings > Prices).
    User,
    /// A provider that costs nothing (the offline echo provider).
    Free,
    /// The cost the imported file carried.
    Imported,
    /// No cost: neither the user nor the table has a price for this provider and model.
    Unknown,
    /// No cost: a self-hosted server (localhost); set a price, e.g. 0, to count it.
    Local,
    /// No cost: the provider reported no token counts.
    NoTokens,
}

impl CostSource {
    /// Every source.
    pub const ALL: [CostSource; 7] = [
        Self::Table,
        Self::User,
        Self::Free,
        Self::Imported,
        Self::Unknown,
        Self::Local,
        Self::NoTokens,
    ];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::User => "user",
            Self::Free => "free",
            Self::Imported => "imported",
            Self::Unknown => "unknown",
            Self::Local => "local",
            Self::NoTokens => "no_tokens",
        }
    }
}

impl fmt::Display for CostSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CostSource {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|source| source.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("unknown cost source `{s}`")))
    }
}

/// What a run cost and where the figure came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCost {
    /// US dollars; `None` when not known.
    pub usd: Option<f64>,
    /// Where it came from, or why there is none.
    pub source: CostSource,
    /// The price entry that priced it, e.g. `openai/gpt-4o-mini`.
    pub priced_as: Option<String>,
}

impl RunCost {
    /// No cost, for this reason.
    pub fn none(source: CostSource) -> Self {
        Self {
            usd: None,
            source,
            priced_as: None,
        }
    }
}

/// Which runs a history query, an export or a bulk delete covers. Empty fields do not filter.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunFilter {
    /// Only this prompt's runs.
    pub prompt_id: Option<PromptId>,
    /// Only runs of this version of their prompt (with `prompt_id`: of that prompt).
    #[serde(default)]
    pub prompt_version: Option<i64>,
    /// Only these models (any of them).
    #[serde(default)]
    pub models: Vec<String>,
    /// Only these statuses (any of them).
    #[serde(default)]
    pub statuses: Vec<RunStatus>,
    /// Only runs at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only runs before this time.
    pub until: Option<DateTime<Utc>>,
    /// Full-text search over the prompt as run, the response and the note; matched literally.
    pub query: Option<String>,
    /// Only one's own runs, or only the team's (pulled from teammates); both when `None`.
    #[serde(default)]
    pub whose: Option<Whose>,
    /// Only runs rated so (any of them; `none` for unrated runs).
    #[serde(default)]
    pub ratings: Vec<RatingFilter>,
    /// Only runs with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only runs from these sources (any of them): `promptline`, `llm`, `jsonl`.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// Whose runs a filter keeps: the Mine / Team switch.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Whose {
    /// Runs recorded here (`owner` is `None`).
    Mine,
    /// Runs pulled from teammates (`owner` names one).
    Team,
}

impl FromStr for Whose {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mine" => Ok(Self::Mine),
            "team" => Ok(Self::Team),
            _ => Err(Error::invalid(format!(
                "`{s}` is not whose runs to show: use mine or team"
            ))),
        }
    }
}

/// A run's rating: thumbs up or down.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// A good answer. Retention rules never remove a run rated up.
    Up,
    /// A bad answer.
    Down,
}

impl Rating {
    /// The stored value: 1 for up, -1 for down.
    pub fn as_i64(self) -> i64 {
        match self {
            Self::Up => 1,
            Self::Down => -1,
        }
    }

    /// The inverse of [`Rating::as_i64`]; any other value is no rating.
    pub fn from_i64(value: i64) -> Option<Self> {
        match value {
            1 => Some(Self::Up),
            -1 => Some(Self::Down),
            _ => None,
        }
    }

    /// The name users type and exports carry: `up` or `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

impl FromStr for Rating {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "up" | "+" | "+1" | "good" => Ok(Self::Up),
            "down" | "-" | "-1" | "bad" => Ok(Self::Down),
            _ => Err(Error::invalid(format!(
                "unknown rating `{s}`: use up or down (or none to clear it)"
            ))),
        }
    }
}

/// Which ratings a filter keeps.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RatingFilter {
    /// Runs rated up.
    Up,
    /// Runs rated down.
    Down,
    /// Runs without a rating.
    None,
}

impl FromStr for RatingFilter {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "up" => Ok(Self::Up),
            "down" => Ok(Self::Down),
            "none" => Ok(Self::None),
            _ => Err(Error::invalid(format!(
                "unknown rating `{s}`: use up, down or none"
            ))),
        }
    }
}

/// What someone said about a run: a rating, free-form tags and a note. Empty by default.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// Thumbs up or down, if rated.
    #[serde(default)]
    pub rating: Option<Rating>,
    /// Its tags, in alphabetical order.
    #[serde(default)]
    pub tags: Vec<String>,
    /// A note, if any.
    #[serde(default)]
    pub note: Option<String>,
}

impl Annotation {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.rating.is_none() && self.tags.is_empty() && self.note.is_none()
    }
}

/// The tag that keeps a run from every retention rule, like a rating up.
pub const KEEP_TAG: &str = "keep";

/// Where a page of runs starts: just before this place in the history, going back in time.
///
/// Opaque to callers: pass back the `next_cursor` a page gave. It holds the store's time key of the
/// last run on that page (its time in microseconds and a slot for runs of the same microsecond).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The time key of the last run on the previous page.
    pub key: i64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "k{}", self.key)
    }
}

impl FromStr for Cursor {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        s.strip_prefix('k')
            .and_then(|key| key.parse().ok())
            .map(|key| Self { key })
            .ok_or_else(|| {
                Error::invalid(format!(
                    "`{s}` is not a cursor: pass the `next_cursor` value a previous page gave"
                ))
            })
    }
}

impl Serialize for Cursor {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items, newest first.
    pub items: Vec<T>,
    /// Pass this to get the next page; `None` on the last page.
    pub next_cursor: Option<Cursor>,
}

/// Microseconds since the Unix epoch, the store's time representation.
pub fn to_micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// The inverse of [`to_micros`]; out-of-range values clamp to the epoch.
pub fn from_micros(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

/// The current time, truncated to the microseconds the store keeps.
pub fn now() -> DateTime<Utc> {
    from_micros(to_micros(Utc::now()))
}

/// The name of the built-in offline provider, and the model address that runs it.
pub const ECHO_PROVIDER: &str = "echo";

/// Which API a configured provider speaks. A closed set, enforced by the schema as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenAI-compatible Chat Completions (OpenAI, Ollama, LM Studio, vLLM, OpenRouter, ...).
    #[serde(rename = "openai")]
    OpenAi,
    /// Anthropic's Messages API.
    Anthropic,
    /// Google's Gemini API.
    Gemini,
    /// The offline demo that answers with the prompt.
    Echo,
}

impl ProviderKind {
    /// Every kind, in display order.
    pub const ALL: [ProviderKind; 4] = [Self::OpenAi, Self::Anthropic, Self::Gemini, Self::Echo];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::Echo => "echo",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown provider kind `{s}`: use one of openai, anthropic, gemini, echo"
                ))
            })
    }
}

/// A configured provider: a name that model addresses use, the API it speaks and where.
/// Holds the *name* of the key's environment variable, never a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// What model addresses call it: `openai` in `openai/gpt-4o-mini`.
    pub name: String,
    /// The API it speaks.
    pub kind: ProviderKind,
    /// Where the API is, e.g. `https://api.openai.com/v1`; empty for `echo`.
    pub base_url: String,
    /// The environment variable holding its key when the keychain has none, e.g.
    /// `OPENAI_API_KEY`; `None` for providers that need no key (a local Ollama).
    pub key_env: Option<String>,
    /// Whether it is one of the entries Promptline ships with.
    pub builtin: bool,
    /// When it was added (UTC).
    pub created_at: DateTime<Utc>,
    /// When it was last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// The fields a new provider needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProvider {
    /// Its name: letters, digits, `-`, `_` and `.`; no `/`.
    pub name: String,
    /// The API it speaks.
    pub kind: ProviderKind,
    /// Where the API is; required for every kind but `echo`.
    pub base_url: String,
    /// The environment variable that may hold its key.
    pub key_env: Option<String>,
}

/// A change to a provider; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderEdit {
    /// A new kind.
    pub kind: Option<ProviderKind>,
    /// A new base URL.
    pub base_url: Option<String>,
    /// A new key variable; `Some(None)` clears it.
    pub key_env: Option<Option<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_other_text() {
        let cursor = Cursor {
            key: 1_700_000_000_123_456 * 1024 + 3,
        };
        let parsed: Cursor = cursor.to_string().parse().unwrap();
        assert_eq!(parsed, cursor);
        for bad in ["", "k", "12", "kx1", "1700000000:abc"] {
            assert_eq!(bad.parse::<Cursor>().unwrap_err().code(), "invalid_input");
        }
    }

    #[test]
    fn bad_cursor_says_what_to_pass() {
        let err = "nonsense".parse::<Cursor>().unwrap_err();
        assert!(err.to_string().contains("next_cursor"), "{err}");
    }

    #[test]
    fn status_parses_case_insensitively_and_rejects_unknown() {
        assert_eq!("Timeout".parse::<RunStatus>().unwrap(), RunStatus::Timeout);
        assert!("ok".parse::<RunStatus>().is_err());
    }
}
