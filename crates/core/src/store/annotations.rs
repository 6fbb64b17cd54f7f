//! The `run_annotations` table: a run's rating and note. Tags are in [`super::tags`].

use sqlx::SqliteConnection;

use crate::domain::{now, to_micros, Annotation, Rating, RunId};
use crate::error::{Error, Result};
use crate::store::Store;

/// Longest note kept, in characters: room for a few pages of text.
pub const MAX_NOTE_CHARS: usize = 20_000;

/// The time key of the run with this id, or a not-found error that names it.
pub(crate) async fn seq_of(conn: &mut SqliteConnection, id: &RunId) -> Result<i64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM runs WHERE id = ?")
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    seq.ok_or_else(|| Error::not_found("run", id.as_str()))
}

/// A run's annotation as stored.
pub(crate) async fn annotation_of(conn: &mut SqliteConnection, seq: i64) -> Result<Annotation> {
    let row: Option<(Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT rating, note FROM run_annotations WHERE seq = ?")
            .bind(seq)
            .fetch_optional(&mut *conn)
            .await?;
    let (rating, note) = row.unwrap_or_default();
    let tags: Vec<String> =
        sqlx::query_scalar("SELECT tag FROM run_tags WHERE seq = ? ORDER BY tag")
            .bind(seq)
            .fetch_all(&mut *conn)
            .await?;
    Ok(Annotation {
        rating: rating.and_then(Rating::from_i64),
        tags,
        note,
    })
}

/// A note as kept: trimmed, `None` when blank; an error when it is longer than
/// [`MAX_NOTE_CHARS`].
pub fn normalize_note(note: Option<&str>) -> Result<Option<String>> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::invalid(format!(
            "the note is longer than {MAX_NOTE_CHARS} characters: shorten it"
        )));
    }
    Ok(Some(note.to_owned()))
}

/// Writes a run's rating and note (the row goes when both are empty).
pub(crate) async fn write(
    conn: &mut SqliteConnection,
    seq: i64,
    rating: Option<Rating>,
    note: Option<&str>,
) -> Result<()> {
    if rating.is_none() && note.is_none() {
        sqlx::query("DELETE FROM run_annotations WHERE seq = ?")
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO run_annotations (seq, rating, note, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (seq) DO UPDATE SET rating = excluded.rating, note = excluded.note, \
         updated_at = excluded.updated_at",
    )
    .bind(seq)
    .bind(rating.map(Rating::as_i64))
    .bind(note)
    .bind(to_micros(now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// A run's rating, tags and note.
    pub async fn annotation(&self, id: &RunId) -> Result<Annotation> {
        let mut conn = self.pool().acquire().await?;
        let seq = seq_of(&mut conn, id).await?;
        annotation_of(&mut conn, seq).await
    }

    /// Rates a run up or down, or clears its rating (`None`); returns its annotation.
    pub async fn set_rating(&self, id: &RunId, rating: Option<Rating>) -> Result<Annotation> {
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let seq = seq_of(&mut tx, id).await?;
        let current = annotation_of(&mut tx, seq).await?;
        write(&mut tx, seq, rating, current.note.as_deref()).await?;
        let annotation = annotation_of(&mut tx, seq).await?;
        tx.commit().await?;
        Ok(annotation)
    }

    /// Sets a run's note, or clears it (`None` or blank); returns its annotation.
    pub async fn set_note(&self, id: &RunId, note: Option<&str>) -> Result<Annotation> {
        let note = normalize_note(note)?;
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let seq = seq_of(&mut tx, id).await?;
        let current = annotation_of(&mut tx, seq).await?;
        write(&mut tx, seq, current.rating, note.as_deref()).await?;
        let annotation = annotation_of(&mut tx, seq).await?;
        tx.commit().await?;
        Ok(annotation)
    }
}
