//! Turns a [`RunFilter`] (and a cursor) into the `FROM` and `WHERE` of a query over `runs AS r`.

use sqlx::{QueryBuilder, Sqlite};

use crate::domain::{to_micros, Cursor, RunFilter};
use crate::store::{search, time_key};

/// Which tables beside `runs r` a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Texts {
    /// Only the short columns of `runs`.
    Without,
    /// Also the prompt text and response, as `run_texts t`.
    With,
}

/// A filter turned into SQL: whether it searches (which decides the order clause) and whether it
/// can match anything at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compiled {
    searching: bool,
    /// False when the filter can match nothing (a search with no searchable words).
    pub matches_any: bool,
}

impl Compiled {
    /// ` ORDER BY ...` for newest first.
    ///
    /// A search is driven by the search index, whose hits come in rowid (`seq`, time) order: read
    /// newest first, a page stops after its last row instead of collecting and sorting every hit.
    pub fn newest_first(self) -> &'static str {
        if self.searching {
            " ORDER BY f.rowid DESC"
        } else {
            " ORDER BY r.seq DESC"
        }
    }
}

/// Appends ` FROM ... WHERE ...` for the filter and cursor to `query`.
pub(crate) fn push_from_where(
    query: &mut QueryBuilder<'_, Sqlite>,
    filter: &RunFilter,
    cursor: Option<&Cursor>,
    texts: Texts,
) -> Compiled {
    let search = filter.query.as_deref().filter(|q| !q.trim().is_empty());
    let fts = search.and_then(search::fts_query);
    let compiled = Compiled {
        searching: fts.is_some(),
        matches_any: search.is_none() || fts.is_some(),
    };
    query.push(if fts.is_some() {
        " FROM runs_fts f JOIN runs r ON r.seq = f.rowid"
    } else {
        " FROM runs r"
    });
    if texts == Texts::With {
        query.push(" JOIN run_texts t ON t.seq = r.seq");
    }
    // The time key of a run: in a search, the index's rowid, so that it can seek to the range.
    let key = if fts.is_some() { "f.rowid" } else { "r.seq" };
    let mut clauses = Clauses { query, any: false };
    if let Some(fts) = fts {
        clauses.next().push("f.runs_fts MATCH ").push_bind(fts);
    }
    if let Some(prompt_id) = &filter.prompt_id {
        clauses
            .next()
            .push("r.prompt_id = ")
            .push_bind(prompt_id.0.clone());
    }
    push_any_of(&mut clauses, "r.model", filter.models.iter().cloned());
    push_any_of(
        &mut clauses,
        "r.status",
        filter.statuses.iter().map(|s| s.as_str().to_owned()),
    );
    push_any_of(&mut clauses, "r.source", filter.sources.iter().cloned());
    // Times become key ranges (`seq >> 10` is the time): ranges on the rowid that both the table
    // and the search index can seek to.
    if let Some(since) = filter.since {
        clauses
            .next()
            .push(key)
            .push(" >= ")
            .push_bind(time_key::first_key_saturating(to_micros(since)));
    }
    if let Some(until) = filter.until {
        clauses
            .next()
            .push(key)
            .push(" < ")
            .push_bind(time_key::first_key_saturating(to_micros(until)));
    }
    if let Some(cursor) = cursor {
        clauses.next().push(key).push(" < ").push_bind(cursor.key);
    }
    compiled
}

struct Clauses<'q, 'a> {
    query: &'q mut QueryBuilder<'a, Sqlite>,
    any: bool,
}

impl<'a> Clauses<'_, 'a> {
    fn next(&mut self) -> &mut QueryBuilder<'a, Sqlite> {
        self.query.push(if self.any { " AND " } else { " WHERE " });
        self.any = true;
        self.query
    }
}

fn push_any_of(
    clauses: &mut Clauses<'_, '_>,
    column: &str,
    values: impl ExactSizeIterator<Item = String>,
) {
    match values.len() {
        0 => {}
        1 => {
            let mut values = values;
            clauses
                .next()
                .push(column)
                .push(" = ")
                .push_bind(values.next().unwrap_or_default());
        }
        _ => {
            let query = clauses.next();
            query.push(column).push(" IN (");
            let mut list = query.separated(", ");
            for value in values {
                list.push_bind(value);
            }
            query.push(")");
        }
    }
}
