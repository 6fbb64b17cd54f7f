//! Full-text search input. User text is never passed to FTS5 as syntax: it is cut into words where
//! the index's tokenizer cuts text (unicode61: any ASCII character but a letter or digit, and
//! spaces and control characters beyond ASCII; its other separators, non-ASCII punctuation, stay
//! inside a phrase, which the tokenizer then cuts the same way), and every
//! word becomes a quoted phrase (the last one a prefix, for search-as-you-type), so quotes, `*`,
//! `-`, `AND`, `NEAR(` and unbalanced parentheses can never raise a syntax error, and punctuation
//! typed around a word (`borro )`, `pel*`) finds what the word finds.

use serde::{Deserialize, Serialize};

use crate::domain::RunId;
use crate::error::Result;
use crate::store::Store;

/// The FTS5 query for what a user typed, or `None` when there is nothing to search for.
///
/// Words are ANDed: `rust async` finds runs that mention both.
pub fn fts_query(user_text: &str) -> Option<String> {
    // A NUL, which would end FTS5's C string inside a quote, is one of the separators.
    let separates = |c: char| {
        if c.is_ascii() {
            !c.is_ascii_alphanumeric()
        } else {
            c.is_whitespace() || c.is_control()
        }
    };
    let words: Vec<&str> = user_text
        .split(separates)
        .filter(|w| !w.is_empty())
        .collect();
    let (last, rest) = words.split_last()?;
    let mut query = String::with_capacity(user_text.len() + 4 * words.len());
    for word in rest {
        push_phrase(&mut query, word);
        query.push(' ');
    }
    push_phrase(&mut query, last);
    query.push('*');
    Some(query)
}

fn push_phrase(query: &mut String, word: &str) {
    query.push('"');
    query.push_str(&word.replace('"', "\"\""));
    query.push('"');
}

/// Where a search found its words in a run.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HitField {
    /// The prompt as run.
    Prompt,
    /// The response.
    Response,
    /// The run's note.
    Note,
}

/// Marks the start of a matched word in [`SearchHit::snippet`].
pub const HIT_START: char = '\u{2}';
/// Marks the end of a matched word in [`SearchHit::snippet`].
pub const HIT_END: char = '\u{3}';

/// Where a search hit a run: the text that holds the words (the response when it does, else the
/// prompt, else the note) and a few words around them, each matched word between [`HIT_START`]
/// and [`HIT_END`] (control characters: any in the text itself are taken out).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The run.
    pub run_id: RunId,
    /// The text that holds the words.
    pub field: HitField,
    /// About a dozen words around the match, `…` where text was left out.
    pub snippet: String,
}

/// Most runs [`Store::search_hits`] looks at in one call (a page of the timeline).
pub const MAX_HIT_RUNS: usize = 500;

impl Store {
    /// Where `query` hits each of `ids` (runs it does not match are left out): FTS5's `snippet()`
    /// over the run's own entry in each index, so the cost is per run, not per match.
    pub async fn search_hits(&self, ids: &[RunId], query: &str) -> Result<Vec<SearchHit>> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let mut conn = self.pool().acquire().await?;
        let mut hits = Vec::new();
        for id in ids.iter().take(MAX_HIT_RUNS) {
            let texts: Option<(String, String)> = sqlx::query_as(
                "SELECT snippet(runs_fts, 1, char(2), char(3), '…', 14), \
                        snippet(runs_fts, 0, char(2), char(3), '…', 14) \
                 FROM runs_fts WHERE runs_fts MATCH ?1 \
                 AND rowid = (SELECT seq FROM runs WHERE id = ?2)",
            )
            .bind(&fts)
            .bind(id.as_str())
            .fetch_optional(&mut *conn)
            .await?;
            let found = match texts {
                Some((response, _)) if response.contains(HIT_START) => {
                    Some((HitField::Response, response))
                }
                Some((_, prompt)) if prompt.contains(HIT_START) => Some((HitField::Prompt, prompt)),
                _ => None,
            };
            let found = match found {
                Some(found) => Some(found),
                None => sqlx::query_scalar::<_, String>(
                    "SELECT snippet(notes_fts, 0, char(2), char(3), '…', 14) \
                     FROM notes_fts WHERE notes_fts MATCH ?1 \
                     AND rowid = (SELECT seq FROM runs WHERE id = ?2)",
                )
                .bind(&fts)
                .bind(id.as_str())
                .fetch_optional(&mut *conn)
                .await?
                .filter(|s| s.contains(HIT_START))
                .map(|s| (HitField::Note, s)),
            };
            if let Some((field, snippet)) = found {
                hits.push(SearchHit {
                    run_id: id.clone(),
                    field,
                    snippet: clean_snippet(&snippet),
                });
            }
        }
        Ok(hits)
    }
}

/// A snippet on one line, with no marker characters but FTS5's own (a text could hold them).
fn clean_snippet(snippet: &str) -> String {
    // FTS5 puts the markers as whole pairs around each token: any lone one came from the text.
    let mut out = String::with_capacity(snippet.len());
    let mut open = false;
    let chars: Vec<char> = snippet.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            HIT_START if !open && chars[i + 1..].contains(&HIT_END) => {
                open = true;
                out.push(c);
            }
            HIT_END if open => {
                open = false;
                out.push(c);
            }
            HIT_START | HIT_END => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{clean_snippet, fts_query, HIT_END, HIT_START};

    #[test]
    fn a_snippet_keeps_whole_marker_pairs_only_and_sits_on_one_line() {
        let (s, e) = (HIT_START, HIT_END);
        assert_eq!(
            clean_snippet(&format!("a {s}hit{e} b")),
            format!("a {s}hit{e} b")
        );
        // Markers that came from the text itself: a start with no end after it, an end with no
        // start, a start inside a pair, a start after a lone end.
        assert_eq!(clean_snippet(&format!("x{s}y")), "xy");
        assert_eq!(clean_snippet(&format!("x{e}y")), "xy");
        assert_eq!(clean_snippet(&format!("{s}a{s}b{e}")), format!("{s}ab{e}"));
        assert_eq!(clean_snippet(&format!("{e}{s}x")), "x");
        // Control characters become spaces, and runs of spaces one.
        assert_eq!(clean_snippet("a\nb\t\tc   d"), "a b c d");
    }

    #[test]
    fn quotes_every_word_and_prefixes_the_last() {
        assert_eq!(
            fts_query("  rust \"async\" ").unwrap(),
            r#""rust" "async"*"#
        );
        assert_eq!(fts_query("   "), None);
        assert_eq!(fts_query(" \" * ( - "), None);
        assert_eq!(fts_query("borro )").unwrap(), r#""borro"*"#);
        assert_eq!(fts_query("a\u{0}b").unwrap(), r#""a" "b"*"#);
        // Beyond ASCII, spaces (no-break, ideographic) and control characters separate words too.
        assert_eq!(fts_query("rust\u{a0}async").unwrap(), r#""rust" "async"*"#);
        assert_eq!(fts_query("東京\u{3000}大阪").unwrap(), r#""東京" "大阪"*"#);
        assert_eq!(fts_query("a\u{85}b").unwrap(), r#""a" "b"*"#);
        assert_eq!(fts_query("a\u{9f}b").unwrap(), r#""a" "b"*"#);
        // Other non-ASCII characters stay inside the word.
        assert_eq!(fts_query("café—bar").unwrap(), r#""café—bar"*"#);
    }
}
