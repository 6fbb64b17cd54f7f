//! `promptline diff`: two runs compared, their responses (and prompts) as a unified diff and the
//! facts in which they differ.

use std::process::ExitCode;

use clap::Args;
use promptline_core::diff::{self, Line};
use promptline_core::{RunId, Store};

use crate::output;

/// Arguments of `promptline diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first run's id (the "before", shown with -)
    #[arg(value_name = "RUN_A")]
    pub a: String,
    /// The second run's id (the "after", shown with +)
    #[arg(value_name = "RUN_B")]
    pub b: String,
    /// Also diff the prompts as run (a template edit shows here)
    #[arg(long)]
    pub prompt: bool,
    /// Print JSON: the facts side by side and word diffs (stretches of equal, delete, insert)
    #[arg(long)]
    pub json: bool,
    /// Lines of context around each change
    #[arg(short = 'U', long, default_value_t = 3, value_name = "N")]
    pub context: usize,
}

/// Prints the comparison. Exits 0 when the texts compared are the same and 1 when they differ,
/// as `diff` does.
pub async fn execute(store: &Store, args: DiffArgs) -> anyhow::Result<ExitCode> {
    let a = store.run(&RunId::from(args.a.as_str())).await?;
    let b = store.run(&RunId::from(args.b.as_str())).await?;
    let same = a.response == b.response && (!args.prompt || a.prompt_text == b.prompt_text);
    let code = ExitCode::from(if same { 0 } else { 1 });
    if args.json {
        let compared = diff::compare(&a, &b);
        let mut value = serde_json::to_value(&compared)?;
        if !args.prompt {
            value["prompt"] = serde_json::Value::Null;
        }
        output::print_json(&value)?;
        return Ok(code);
    }
    let color = output::color_stdout();
    let paint = |line: Line<'_>| {
        if color {
            colored(line)
        } else {
            diff::plain(line)
        }
    };
    let fields = diff::fields(&a, &b);
    let differing: Vec<_> = fields.iter().filter(|f| !f.same).collect();
    let mut out = String::new();
    out.push_str(&format!(
        "A  {}  {}\n",
        a.summary.id,
        a.summary.provider_model()
    ));
    out.push_str(&format!(
        "B  {}  {}\n",
        b.summary.id,
        b.summary.provider_model()
    ));
    if differing.is_empty() {
        out.push_str("\nNo differences in model, status, tokens, timings, params or variables.\n");
    } else {
        let width = differing
            .iter()
            .map(|f| f.field.chars().count())
            .max()
            .unwrap_or(0);
        let a_width = differing
            .iter()
            .map(|f| output::clip(&f.a, 40).chars().count())
            .max()
            .unwrap_or(0)
            .max(1);
        out.push_str(&format!("\n{:<width$}  {:<a_width$}  B\n", "FIELD", "A"));
        for f in differing {
            out.push_str(&format!(
                "{:<width$}  {:<a_width$}  {}\n",
                f.field,
                output::clip(&f.a, 40),
                output::clip(&f.b, 40)
            ));
        }
    }
    let section = |out: &mut String, title: &str, x: &str, y: &str| {
        out.push_str(&format!("\n── {title} ──\n"));
        if x == y {
            out.push_str(&format!("The {title}s are identical.\n"));
        } else {
            out.push_str(&diff::unified(
                x,
                y,
                &format!("a/{}", a.summary.id),
                &format!("b/{}", b.summary.id),
                args.context,
                &paint,
            ));
        }
    };
    section(&mut out, "response", &a.response, &b.response);
    if args.prompt {
        section(&mut out, "prompt", &a.prompt_text, &b.prompt_text);
    }
    print!("{out}");
    Ok(code)
}

/// A diff line in colour: red deletions, green insertions, the changed words in reverse video,
/// cyan hunk headers, bold file headers.
fn colored(line: Line<'_>) -> String {
    let (mark, code, words) = match line {
        Line::Header(text) => return format!("\x1b[1m{text}\x1b[0m\n"),
        Line::Hunk(text) => return format!("\x1b[36m{text}\x1b[0m\n"),
        Line::Equal(words) => return diff::plain(Line::Equal(words)),
        Line::Delete(words) => ('-', "31", words),
        Line::Insert(words) => ('+', "32", words),
    };
    let mut text = format!("\x1b[{code}m{mark}");
    for (emphasized, word) in words {
        let word = word.strip_suffix('\n').unwrap_or(word);
        if *emphasized {
            text.push_str(&format!("\x1b[7m{word}\x1b[27m"));
        } else {
            text.push_str(word);
        }
    }
    text.push_str("\x1b[0m\n");
    text
}
