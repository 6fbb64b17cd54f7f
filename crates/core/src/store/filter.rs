//! Turns a [`RunFilter`] (and a cursor) into SQL conditions on `runs AS r`.

use sqlx::{QueryBuilder, Sqlite};

use crate::domain::{to_micros, Cursor, RunFilter};
use crate::store::search;

/// How a search condition is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SearchPlan {
    /// Look up each hit by key: best when the words are rare.
    ByHits,
    /// Walk a time-ordered index newest first and test each run against the hits, stopping at the
    /// page size: best when the words are common, where looking up every hit would cost far more.
    WalkTime,
}

/// Appends ` WHERE ...` for the filter and cursor to `query`; appends nothing when neither filters.
/// Returns false when the filter can match nothing (a search with no searchable words).
pub(crate) fn push_where(
    query: &mut QueryBuilder<'_, Sqlite>,
    filter: &RunFilter,
    cursor: Option<&Cursor>,
    plan: SearchPlan,
) -> bool {
    let mut clauses = Clauses { query, any: false };
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
    if let Some(since) = filter.since {
        clauses
            .next()
            .push("r.created_at >= ")
            .push_bind(to_micros(since));
    }
    if let Some(until) = filter.until {
        clauses
            .next()
            .push("r.created_at < ")
            .push_bind(to_micros(until));
    }
    let mut searchable = true;
    if let Some(text) = filter.query.as_deref().filter(|q| !q.trim().is_empty()) {
        match search::fts_query(text) {
            Some(fts) => {
                clauses
                    .next()
                    .push(match plan {
                        // The unary `+` keeps SQLite from driving the query by this condition.
                        SearchPlan::WalkTime => {
                            "+r.seq IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH "
                        }
                        SearchPlan::ByHits => {
                            "r.seq IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH "
                        }
                    })
                    .push_bind(fts)
                    .push(")");
            }
            None => searchable = false,
        }
    }
    if let Some(cursor) = cursor {
        clauses
            .next()
            .push("(r.created_at, r.id) < (")
            .push_bind(cursor.created_at_us)
            .push(", ")
            .push_bind(cursor.id.0.clone())
            .push(")");
    }
    searchable
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
