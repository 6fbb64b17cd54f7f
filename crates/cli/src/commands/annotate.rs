//! `promptline rate`, `tag`, `untag` and `note`: judging runs.

use std::process::ExitCode;

use clap::Args;
use promptline_core::{Annotation, Rating, RunId, Store};

use crate::output;

/// Arguments of `promptline rate`.
#[derive(Debug, Args)]
pub struct RateArgs {
    /// The run's id
    #[arg(value_name = "RUN_ID")]
    pub id: String,
    /// up, down, or none to clear the rating
    #[arg(value_name = "up|down|none")]
    pub rating: String,
    /// Print the run's annotation as JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `promptline tag` and `untag`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// The run's id
    #[arg(value_name = "RUN_ID")]
    pub id: String,
    /// The tags (free-form; quote a tag with spaces)
    #[arg(required = true, value_name = "TAG")]
    pub tags: Vec<String>,
    /// Print the run's annotation as JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `promptline note`.
#[derive(Debug, Args)]
pub struct NoteArgs {
    /// The run's id
    #[arg(value_name = "RUN_ID")]
    pub id: String,
    /// The note; empty ("") clears it. Words after the id are joined with spaces.
    #[arg(required = true, value_name = "TEXT", num_args = 1.., allow_hyphen_values = true)]
    pub text: Vec<String>,
    /// Print the run's annotation as JSON
    #[arg(long)]
    pub json: bool,
}

/// Rates a run.
pub async fn rate(store: &Store, args: RateArgs) -> anyhow::Result<ExitCode> {
    let rating = match args.rating.trim().to_ascii_lowercase().as_str() {
        "none" | "clear" => None,
        other => Some(other.parse::<Rating>()?),
    };
    let annotation = store
        .set_rating(&RunId::from(args.id.as_str()), rating)
        .await?;
    report(&args.id, &annotation, args.json)
}

/// Tags a run.
pub async fn tag(store: &Store, args: TagArgs) -> anyhow::Result<ExitCode> {
    let annotation = store
        .add_tags(&RunId::from(args.id.as_str()), &args.tags)
        .await?;
    report(&args.id, &annotation, args.json)
}

/// Takes tags off a run.
pub async fn untag(store: &Store, args: TagArgs) -> anyhow::Result<ExitCode> {
    let annotation = store
        .remove_tags(&RunId::from(args.id.as_str()), &args.tags)
        .await?;
    report(&args.id, &annotation, args.json)
}

/// Sets or clears a run's note.
pub async fn note(store: &Store, args: NoteArgs) -> anyhow::Result<ExitCode> {
    let text = args.text.join(" ");
    let annotation = store
        .set_note(&RunId::from(args.id.as_str()), Some(&text))
        .await?;
    report(&args.id, &annotation, args.json)
}

fn report(id: &str, annotation: &Annotation, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        output::print_json(annotation)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{id}: {}", describe(annotation));
    Ok(ExitCode::SUCCESS)
}

/// An annotation in one line: `rated up · tags: keep, good · note: ...`.
pub fn describe(annotation: &Annotation) -> String {
    if annotation.is_empty() {
        return "no rating, tags or note".into();
    }
    let mut parts = Vec::new();
    if let Some(rating) = annotation.rating {
        parts.push(format!("rated {}", rating.as_str()));
    }
    if !annotation.tags.is_empty() {
        parts.push(format!("tags: {}", annotation.tags.join(", ")));
    }
    if let Some(note) = &annotation.note {
        parts.push(format!("note: {}", output::clip(note, 60)));
    }
    parts.join(" · ")
}
