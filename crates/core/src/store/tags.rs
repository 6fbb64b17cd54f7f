//! The `run_tags` table: free-form tags on runs.

use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::{Annotation, RunId};
use crate::error::{Error, Result};
use crate::store::annotations::{annotation_of, seq_of};
use crate::store::Store;

/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;

/// A tag in use and how many runs carry it (the autocomplete's list).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// Runs tagged with it.
    pub runs: i64,
}

/// A tag as kept: trimmed, inner runs of spaces made one. Blank tags, tags longer than
/// [`MAX_TAG_CHARS`], and tags with commas or control characters (lists of tags are
/// comma-separated in CSV and on the command line) are refused with what to do.
pub fn normalize_tag(tag: &str) -> Result<String> {
    let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
    if tag.is_empty() {
        return Err(Error::invalid("a tag cannot be blank"));
    }
    if tag.contains(',') || tag.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "the tag `{tag}` has a comma or a control character: give each tag on its own"
        )));
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(Error::invalid(format!(
            "the tag `{tag}` is longer than {MAX_TAG_CHARS} characters: shorten it"
        )));
    }
    Ok(tag)
}

fn normalize_all(tags: &[String]) -> Result<Vec<String>> {
    let mut out = tags
        .iter()
        .map(|t| normalize_tag(t))
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Adds tags to the run at `seq`; those it has already are left alone.
pub(crate) async fn insert(conn: &mut SqliteConnection, seq: i64, tags: &[String]) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO run_tags (seq, tag) ");
    query.push_values(tags, |mut row, tag| {
        row.push_bind(seq).push_bind(tag.clone());
    });
    query.push(" ON CONFLICT DO NOTHING");
    query.build().execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    /// Tags a run; returns its annotation. Tags are normalized (see [`normalize_tag`]).
    pub async fn add_tags(&self, id: &RunId, tags: &[String]) -> Result<Annotation> {
        let tags = normalize_all(tags)?;
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let seq = seq_of(&mut tx, id).await?;
        insert(&mut tx, seq, &tags).await?;
        let annotation = annotation_of(&mut tx, seq).await?;
        tx.commit().await?;
        Ok(annotation)
    }

    /// Takes tags off a run (tags it does not have are ignored); returns its annotation.
    pub async fn remove_tags(&self, id: &RunId, tags: &[String]) -> Result<Annotation> {
        let tags = normalize_all(tags)?;
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let seq = seq_of(&mut tx, id).await?;
        for tag in &tags {
            sqlx::query("DELETE FROM run_tags WHERE seq = ? AND tag = ?")
                .bind(seq)
                .bind(tag)
                .execute(&mut *tx)
                .await?;
        }
        let annotation = annotation_of(&mut tx, seq).await?;
        tx.commit().await?;
        Ok(annotation)
    }

    /// Every tag in use with its run count, most used first.
    pub async fn tags_in_use(&self) -> Result<Vec<TagCount>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT tag, count(*) AS n FROM run_tags GROUP BY tag ORDER BY n DESC, tag",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(tag, runs)| TagCount { tag, runs })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_tag;

    #[test]
    fn tags_are_trimmed_and_bad_ones_refused() {
        assert_eq!(normalize_tag("  needs   review ").unwrap(), "needs review");
        assert!(normalize_tag("   ").is_err());
        assert!(normalize_tag("a,b").is_err());
        assert!(normalize_tag(&"x".repeat(65)).is_err());
    }
}
