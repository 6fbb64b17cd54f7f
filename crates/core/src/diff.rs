//! Comparing two runs: their responses and prompts diffed word by word (the `similar` crate), and
//! the facts in which they differ (model, status, tokens, timings, params, variables, ...).

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff as Similar};

use crate::domain::{Run, RunId};

/// How long one text's word diff may take before it settles for a coarser (still correct) one.
pub const DIFF_TIME_LIMIT: Duration = Duration::from_secs(2);

/// How a stretch of text changed from the first run to the second.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChunkOp {
    /// In both.
    Equal,
    /// Only in the first run.
    Delete,
    /// Only in the second run.
    Insert,
}

/// A stretch of text and how it changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// How it changed.
    pub op: ChunkOp,
    /// The text.
    pub text: String,
}

/// A word diff of two texts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextDiff {
    /// Whether the texts are the same.
    pub identical: bool,
    /// The texts as stretches, equal ones merged: the first text is the equal and deleted
    /// stretches in order, the second the equal and inserted ones.
    pub chunks: Vec<Chunk>,
    /// Characters only in the first text.
    pub deleted_chars: usize,
    /// Characters only in the second text.
    pub inserted_chars: usize,
    /// Whether the diff hit [`DIFF_TIME_LIMIT`] and is coarser than a minimal one.
    pub timed_out: bool,
}

/// One fact of the two runs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// What it is, e.g. `model`, `tokens`, `params.temperature`.
    pub field: String,
    /// Its value in the first run (`—` when unset).
    pub a: String,
    /// Its value in the second run.
    pub b: String,
    /// Whether they are the same.
    pub same: bool,
}

/// Two runs compared.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDiff {
    /// The first run.
    pub a: RunId,
    /// The second run.
    pub b: RunId,
    /// Their facts side by side, those that differ and those that do not.
    pub fields: Vec<FieldDiff>,
    /// The responses, word by word.
    pub response: TextDiff,
    /// The prompts as run, word by word.
    pub prompt: TextDiff,
}

/// Word diff of `a` and `b` (words and the whitespace between them are the units).
pub fn diff_words(a: &str, b: &str) -> TextDiff {
    if a == b {
        return TextDiff {
            identical: true,
            chunks: if a.is_empty() {
                Vec::new()
            } else {
                vec![Chunk {
                    op: ChunkOp::Equal,
                    text: a.to_owned(),
                }]
            },
            deleted_chars: 0,
            inserted_chars: 0,
            timed_out: false,
        };
    }
    let started = Instant::now();
    let diff = Similar::configure()
        .timeout(DIFF_TIME_LIMIT)
        .diff_words(a, b);
    let timed_out = started.elapsed() >= DIFF_TIME_LIMIT;
    let mut chunks: Vec<Chunk> = Vec::new();
    let (mut deleted_chars, mut inserted_chars) = (0, 0);
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => ChunkOp::Equal,
            ChangeTag::Delete => ChunkOp::Delete,
            ChangeTag::Insert => ChunkOp::Insert,
        };
        let text = change.value();
        match op {
            ChunkOp::Delete => deleted_chars += text.chars().count(),
            ChunkOp::Insert => inserted_chars += text.chars().count(),
            ChunkOp::Equal => {}
        }
        match chunks.last_mut() {
            Some(last) if last.op == op => last.text.push_str(text),
            _ => chunks.push(Chunk {
                op,
                text: text.to_owned(),
            }),
        }
    }
    TextDiff {
        identical: false,
        chunks,
        deleted_chars,
        inserted_chars,
        timed_out,
    }
}

/// Compares two runs: texts word by word and their facts.
pub fn compare(a: &Run, b: &Run) -> RunDiff {
    RunDiff {
        a: a.summary.id.clone(),
        b: b.summary.id.clone(),
        fields: fields(a, b),
        response: diff_words(&a.response, &b.response),
        prompt: diff_words(&a.prompt_text, &b.prompt_text),
    }
}

const UNSET: &str = "—";

fn opt<T: ToString>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| UNSET.into())
}

fn ms(value: Option<i64>) -> String {
    value
        .map(|v| format!("{v} ms"))
        .unwrap_or_else(|| UNSET.into())
}

/// The facts of both runs, in a fixed order; params and variables key by key.
pub fn fields(a: &Run, b: &Run) -> Vec<FieldDiff> {
    let (sa, sb) = (&a.summary, &b.summary);
    let mut out = Vec::new();
    let mut push = |field: &str, x: String, y: String| {
        out.push(FieldDiff {
            field: field.to_owned(),
            same: x == y,
            a: x,
            b: y,
        });
    };
    push("model", sa.provider_model(), sb.provider_model());
    push("status", sa.status.to_string(), sb.status.to_string());
    push(
        "time",
        crate::store::transfer::rfc3339(sa.created_at),
        crate::store::transfer::rfc3339(sb.created_at),
    );
    push("tokens", opt(&sa.tokens_used), opt(&sb.tokens_used));
    push("input tokens", opt(&sa.input_tokens), opt(&sb.input_tokens));
    push(
        "output tokens",
        opt(&sa.output_tokens),
        opt(&sb.output_tokens),
    );
    push(
        "duration",
        ms(sa.execution_time_ms),
        ms(sb.execution_time_ms),
    );
    push("first token", ms(sa.ttft_ms), ms(sb.ttft_ms));
    push("stop reason", opt(&a.stop_reason), opt(&b.stop_reason));
    push(
        "response chars",
        sa.response_chars.to_string(),
        sb.response_chars.to_string(),
    );
    push("error", opt(&sa.error_message), opt(&sb.error_message));
    push(
        "prompt",
        opt(&sa.prompt_id.as_ref().map(|p| p.0.clone())),
        opt(&sb.prompt_id.as_ref().map(|p| p.0.clone())),
    );
    push(
        "rating",
        opt(&sa.annotation.rating.map(|r| r.as_str())),
        opt(&sb.annotation.rating.map(|r| r.as_str())),
    );
    let tags = |t: &[String]| {
        if t.is_empty() {
            UNSET.to_owned()
        } else {
            t.join(", ")
        }
    };
    push("tags", tags(&sa.annotation.tags), tags(&sb.annotation.tags));
    for (name, x, y) in [
        ("params", &a.params, &b.params),
        ("variables", &a.variables, &b.variables),
    ] {
        let empty = serde_json::Map::new();
        let (x, y) = (
            x.as_object().unwrap_or(&empty),
            y.as_object().unwrap_or(&empty),
        );
        let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let value = |m: &serde_json::Map<String, serde_json::Value>| match m.get(key) {
                None => UNSET.to_owned(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            push(&format!("{name}.{key}"), value(x), value(y));
        }
    }
    out
}

/// A unified diff of two texts line by line, as `diff -u` prints it (`context` lines around each
/// change); empty when they are the same. `emphasize` wraps the changed words of a changed line
/// (for colour on a terminal): it gets the words and whether they were deleted.
pub fn unified(
    a: &str,
    b: &str,
    a_name: &str,
    b_name: &str,
    context: usize,
    paint: &dyn Fn(Line<'_>) -> String,
) -> String {
    if a == b {
        return String::new();
    }
    let diff = Similar::configure()
        .timeout(DIFF_TIME_LIMIT)
        .diff_lines(a, b);
    let mut out = String::new();
    out.push_str(&paint(Line::Header(&format!("--- {a_name}"))));
    out.push_str(&paint(Line::Header(&format!("+++ {b_name}"))));
    for group in diff.grouped_ops(context) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        out.push_str(&paint(Line::Hunk(&format!(
            "@@ -{},{} +{},{} @@",
            old.start + 1,
            old.len(),
            new.start + 1,
            new.len()
        ))));
        for op in &group {
            for change in diff.iter_inline_changes(op) {
                let words: Vec<(bool, String)> = change
                    .iter_strings_lossy()
                    .map(|(emphasized, text)| (emphasized, text.into_owned()))
                    .collect();
                let line = match change.tag() {
                    ChangeTag::Equal => Line::Equal(&words),
                    ChangeTag::Delete => Line::Delete(&words),
                    ChangeTag::Insert => Line::Insert(&words),
                };
                let mut text = paint(line);
                if change.missing_newline() {
                    text.push_str("\\ No newline at end of file\n");
                }
                out.push_str(&text);
            }
        }
    }
    out
}

/// A line of a unified diff, for [`unified`]'s painter. Changed lines come as words, each with
/// whether it is the part of the line that changed.
#[derive(Debug)]
pub enum Line<'a> {
    /// `--- a` or `+++ b`.
    Header(&'a str),
    /// `@@ -1,3 +1,4 @@`.
    Hunk(&'a str),
    /// A line in both (context).
    Equal(&'a [(bool, String)]),
    /// A line only in the first text.
    Delete(&'a [(bool, String)]),
    /// A line only in the second text.
    Insert(&'a [(bool, String)]),
}

/// The plain painter: `diff -u` text, no colour.
pub fn plain(line: Line<'_>) -> String {
    let (mark, words) = match line {
        Line::Header(text) | Line::Hunk(text) => return format!("{text}\n"),
        Line::Equal(words) => (' ', words),
        Line::Delete(words) => ('-', words),
        Line::Insert(words) => ('+', words),
    };
    let mut text = String::from(mark);
    for (_, word) in words {
        text.push_str(word);
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuild(diff: &TextDiff, keep: ChunkOp) -> String {
        diff.chunks
            .iter()
            .filter(|c| c.op == ChunkOp::Equal || c.op == keep)
            .map(|c| c.text.as_str())
            .collect()
    }

    #[test]
    fn word_diff_marks_the_changed_words_and_rebuilds_both_texts() {
        let (a, b) = ("the quick brown fox", "the slow brown fox jumps");
        let diff = diff_words(a, b);
        assert!(!diff.identical);
        assert_eq!(rebuild(&diff, ChunkOp::Delete), a);
        assert_eq!(rebuild(&diff, ChunkOp::Insert), b);
        let deleted: Vec<&str> = diff
            .chunks
            .iter()
            .filter(|c| c.op == ChunkOp::Delete)
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(deleted, ["quick"]);
        assert_eq!(diff.deleted_chars, 5);
        assert_eq!(diff.inserted_chars, "slow".len() + " jumps".len());
    }

    #[test]
    fn identical_and_empty_texts() {
        let same = diff_words("same text", "same text");
        assert!(same.identical);
        assert_eq!(same.chunks.len(), 1);
        assert!(diff_words("", "").chunks.is_empty());
        let from_empty = diff_words("", "new");
        assert_eq!(
            from_empty.chunks,
            [Chunk {
                op: ChunkOp::Insert,
                text: "new".into()
            }]
        );
        assert_eq!(unified("x\n", "x\n", "a", "b", 3, &plain), "");
    }

    #[test]
    fn unified_diff_has_headers_hunks_and_marks() {
        let text = unified(
            "one\ntwo\nthree\n",
            "one\n2\nthree\n",
            "a/r1",
            "b/r2",
            3,
            &plain,
        );
        assert_eq!(
            text,
            "--- a/r1\n+++ b/r2\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n"
        );
    }
}
