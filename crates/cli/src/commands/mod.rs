//! One module per command.

pub mod annotate;
pub mod diff;
pub mod history;
pub mod key;
pub mod mcp;
pub mod models;
pub mod otel;
pub mod prices;
pub mod prompt;
pub mod provider;
pub mod run;
pub mod settings;
pub mod stats;
pub mod team;
pub mod tidy;
pub mod transfer;

use clap::Args;
use promptline_core::{PromptId, RatingFilter, RunFilter, RunStatus, Whose};

/// The history filters, shared by `history`, `export`, `stats` and `rm`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only runs of this saved prompt
    #[arg(long, value_name = "PROMPT_ID")]
    pub prompt: Option<String>,
    /// Only runs of this version of the prompt (`promptline prompt versions ID` lists them)
    #[arg(long, value_name = "N", requires = "prompt")]
    pub prompt_version: Option<i64>,
    /// Only runs of this model (repeat for several)
    #[arg(long = "model", short = 'm', value_name = "MODEL")]
    pub models: Vec<String>,
    /// Only runs with this status: success, error, timeout, cancelled (repeat or comma-separate)
    #[arg(
        long = "status",
        short = 's',
        value_name = "STATUS",
        value_delimiter = ','
    )]
    pub statuses: Vec<String>,
    /// Only runs at or after this time: RFC 3339, a local date (2026-11-01) or a span ago (7d)
    #[arg(long, value_name = "TIME", value_parser = crate::timearg::parse)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only runs before this time (same forms as --since)
    #[arg(long, value_name = "TIME", value_parser = crate::timearg::parse)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// Full-text search in the prompt as run, the response and the note (words are matched literally)
    #[arg(long = "query", short = 'q', value_name = "TEXT")]
    pub query: Option<String>,
    /// Only one's own runs (mine) or only those pulled from teammates (team)
    #[arg(long, value_name = "mine|team")]
    pub whose: Option<String>,
    /// Only runs rated so: up, down or none (repeat or comma-separate for any of them)
    #[arg(long = "rating", value_name = "RATING", value_delimiter = ',')]
    pub ratings: Vec<String>,
    /// Only runs with this tag (repeat for any of several)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only runs from this source: promptline, llm (imported from llm's logs.db), jsonl (repeat
    /// or comma-separate)
    #[arg(long = "source", value_name = "SOURCE", value_delimiter = ',')]
    pub sources: Vec<String>,
}

impl FilterArgs {
    /// Whether any filter is given.
    pub fn is_empty(&self) -> bool {
        self.prompt.is_none()
            && self.prompt_version.is_none()
            && self.models.is_empty()
            && self.statuses.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && self.query.is_none()
            && self.ratings.is_empty()
            && self.tags.is_empty()
    }

    /// The core filter these arguments describe.
    pub fn to_filter(&self) -> anyhow::Result<RunFilter> {
        let statuses = self
            .statuses
            .iter()
            .map(|s| s.parse::<RunStatus>())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RunFilter {
            prompt_id: self.prompt.as_deref().map(PromptId::from),
            prompt_version: self.prompt_version,
            models: self.models.clone(),
            statuses,
            since: self.since,
            until: self.until,
            query: self.query.clone(),
            whose: self.whose.as_deref().map(str::parse::<Whose>).transpose()?,
            ratings: self
                .ratings
                .iter()
                .map(|r| r.parse::<RatingFilter>())
                .collect::<Result<Vec<_>, _>>()?,
            tags: self.tags.clone(),
            sources: self.sources.clone(),
        })
    }
}
