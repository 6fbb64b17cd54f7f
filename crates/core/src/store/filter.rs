//! Turns a [`RunFilter`] (and a cursor) into the `FROM` and `WHERE` of a query over `runs AS r`.

use sqlx::{QueryBuilder, Sqlite};

use crate::domain::{to_micros, Cursor, RatingFilter, RunFilter, Whose};
use crate::store::{search, time_key};

/// Which tables beside `runs r` a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Texts {
    /// Only the short columns of `runs`.
    Without,
    /// Also the prompt text and response, as `run_texts t`.
    With,
}

/// A filter turned into SQL: whether it can match anything at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compiled {
    /// False when the filter can match nothing (a search with no searchable words).
    pub matches_any: bool,
}

impl Compiled {
    /// ` ORDER BY ...` for newest first: the time key, which every query here has as `r.seq`.
    pub fn newest_first(self) -> &'static str {
        " ORDER BY r.seq DESC"
    }
}

/// The full-text indexes a search reads: what was sent and received, and the notes.
const SEARCHED: [&str; 2] = ["runs_fts", "notes_fts"];

/// Appends ` FROM ... WHERE ...` for the filter and cursor to `query`.
///
/// A search matches a run whose texts or whose note have every word; the hits of both indexes are
/// collected as a set of time keys (see [`push_page_from_where`] for the one query that must not
/// read every hit: a page).
pub(crate) fn push_from_where(
    query: &mut QueryBuilder<'_, Sqlite>,
    filter: &RunFilter,
    cursor: Option<&Cursor>,
    texts: Texts,
) -> Compiled {
    let search = filter.query.as_deref().filter(|q| !q.trim().is_empty());
    let fts = search.and_then(search::fts_query);
    let compiled = Compiled {
        matches_any: search.is_none() || fts.is_some(),
    };
    query.push(" FROM runs r");
    if texts == Texts::With {
        query.push(" JOIN run_texts t ON t.seq = r.seq");
    }
    let mut clauses = Clauses { query, any: false };
    if let Some(fts) = fts {
        let query = clauses.next();
        query.push("r.seq IN (");
        for (i, table) in SEARCHED.iter().enumerate() {
            if i > 0 {
                query.push(" UNION ");
            }
            query
                .push(format!("SELECT rowid FROM {table} WHERE {table} MATCH "))
                .push_bind(fts.clone());
        }
        query.push(")");
    }
    push_conditions(&mut clauses, filter, cursor, "r.seq");
    compiled
}

/// Appends ` FROM ... WHERE ...` for one page of `limit` runs under the filter and cursor; the
/// caller adds [`Compiled::newest_first`] and the limit.
///
/// A search reads each index newest first and stops after `limit` hits that pass the filter (the
/// index's hits come in time order): the page is the newest `limit` of those two short lists, so
/// a page costs the same however many runs match.
pub(crate) fn push_page_from_where(
    query: &mut QueryBuilder<'_, Sqlite>,
    filter: &RunFilter,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Compiled {
    let search = filter.query.as_deref().filter(|q| !q.trim().is_empty());
    let Some(fts) = search.and_then(search::fts_query) else {
        return push_from_where(query, filter, cursor, Texts::Without);
    };
    query.push(" FROM runs r WHERE r.seq IN (");
    for (i, table) in SEARCHED.iter().enumerate() {
        if i > 0 {
            query.push(" UNION ALL ");
        }
        query.push(format!(
            "SELECT seq FROM (SELECT r.seq AS seq FROM {table} f JOIN runs r ON r.seq = f.rowid"
        ));
        let mut clauses = Clauses {
            query: &mut *query,
            any: false,
        };
        clauses
            .next()
            .push(format!("f.{table} MATCH "))
            .push_bind(fts.clone());
        // The time key is the index's rowid here, so that it can seek to the range.
        push_conditions(&mut clauses, filter, cursor, "f.rowid");
        query
            .push(" ORDER BY f.rowid DESC LIMIT ")
            .push_bind(limit)
            .push(")");
    }
    query.push(")");
    Compiled { matches_any: true }
}

/// The filter's conditions beside the search; `key` names the run's time key.
fn push_conditions(
    clauses: &mut Clauses<'_, '_>,
    filter: &RunFilter,
    cursor: Option<&Cursor>,
    key: &str,
) {
    if let Some(prompt_id) = &filter.prompt_id {
        clauses
            .next()
            .push("r.prompt_id = ")
            .push_bind(prompt_id.0.clone());
    }
    if let Some(version) = filter.prompt_version {
        clauses
            .next()
            .push("r.prompt_version = ")
            .push_bind(version);
    }
    push_any_of(clauses, "r.model", filter.models.iter().cloned());
    push_any_of(
        clauses,
        "r.status",
        filter.statuses.iter().map(|s| s.as_str().to_owned()),
    );
    match filter.whose {
        Some(Whose::Mine) => {
            clauses.next().push("r.owner IS NULL");
        }
        Some(Whose::Team) => {
            clauses.next().push("r.owner IS NOT NULL");
        }
        None => {}
    }
    if !filter.ratings.is_empty() {
        let query = clauses.next();
        query.push("(");
        for (i, rating) in filter.ratings.iter().enumerate() {
            if i > 0 {
                query.push(" OR ");
            }
            query.push(match rating {
                RatingFilter::Up => "r.seq IN (SELECT seq FROM run_annotations WHERE rating = 1)",
                RatingFilter::Down => {
                    "r.seq IN (SELECT seq FROM run_annotations WHERE rating = -1)"
                }
                RatingFilter::None => {
                    "r.seq NOT IN (SELECT seq FROM run_annotations WHERE rating IS NOT NULL)"
                }
            });
        }
        query.push(")");
    }
    if !filter.tags.is_empty() {
        let query = clauses.next();
        query.push("r.seq IN (SELECT seq FROM run_tags WHERE tag IN (");
        let mut list = query.separated(", ");
        for tag in &filter.tags {
            list.push_bind(tag.trim().to_owned());
        }
        query.push("))");
    }
    push_any_of(clauses, "r.source", filter.sources.iter().cloned());
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
