//! The database on disk: its size, what takes the room (by prompt and by model), and compacting.
//!
//! SQLite does not say how many bytes one row takes with its share of the indexes and the search
//! index, but it does say how many pages each table and index holds (`dbstat`). A run's share is
//! estimated from those: the pages of `runs` and its indexes split evenly between the runs, and
//! the pages of the texts and of their search index split in proportion to the bytes of each
//! run's texts. Everything else (prompts, providers, annotations) counts as the rest of the file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use crate::error::Result;
use crate::store::Store;

/// The bytes of a run's texts in SQL, over `run_texts t`. `octet_length` reads a text's size from
/// the record header, not the text itself.
pub(crate) const TEXT_BYTES: &str = "(octet_length(t.prompt_text) + octet_length(t.response))";

/// How the file's pages divide between the runs and the rest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Weights {
    /// Bytes each run takes in `runs` and its indexes.
    per_run: f64,
    /// Bytes the texts and their search index take per byte of text.
    per_text_byte: f64,
    /// Bytes of pages in use that belong to neither.
    pub other_bytes: i64,
}

impl Weights {
    pub(crate) async fn measure(conn: &mut SqliteConnection) -> Result<Self> {
        let tables: Vec<(String, Option<String>, i64)> = sqlx::query_as(
            "SELECT d.name, s.tbl_name, d.pgsize FROM dbstat d \
             LEFT JOIN sqlite_schema s ON s.name = d.name WHERE d.aggregate = TRUE",
        )
        .fetch_all(&mut *conn)
        .await?;
        let (mut row_bytes, mut text_bytes_on_disk, mut other_bytes) = (0i64, 0i64, 0i64);
        for (name, table, bytes) in tables {
            if name == "run_texts" || name.starts_with("runs_fts") {
                text_bytes_on_disk += bytes;
            } else if name == "runs" || table.as_deref() == Some("runs") {
                row_bytes += bytes;
            } else {
                other_bytes += bytes;
            }
        }
        let (runs, text_bytes): (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*), coalesce(sum({TEXT_BYTES}), 0) FROM run_texts t"
        ))
        .fetch_one(&mut *conn)
        .await?;
        Ok(Self {
            per_run: if runs > 0 {
                row_bytes as f64 / runs as f64
            } else {
                0.0
            },
            per_text_byte: if text_bytes > 0 {
                text_bytes_on_disk as f64 / text_bytes as f64
            } else {
                0.0
            },
            other_bytes,
        })
    }

    /// The estimated bytes of `runs` runs whose texts have `text_bytes` bytes.
    pub(crate) fn bytes(self, runs: i64, text_bytes: i64) -> i64 {
        (runs as f64 * self.per_run + text_bytes as f64 * self.per_text_byte) as i64
    }

    /// One run's estimated bytes in SQL, over `run_texts t`.
    pub(crate) fn run_bytes_sql(self) -> String {
        format!(
            "({:.3} + {:.6} * {TEXT_BYTES})",
            self.per_run, self.per_text_byte
        )
    }
}

/// Runs and their estimated bytes under one heading (a prompt or a model).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeShare {
    /// The prompt's id or the model address; `None` for runs without a prompt.
    pub key: Option<String>,
    /// What to call it: the prompt's name, the model address, or `(ad hoc)`.
    pub label: String,
    /// Its runs.
    pub runs: i64,
    /// About how many bytes they take.
    pub bytes: i64,
}

/// What Settings > Storage shows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageReport {
    /// The database file.
    pub path: String,
    /// The file's size on disk, with its write-ahead log.
    pub file_bytes: i64,
    /// Bytes of free pages inside the file, which compacting gives back.
    pub free_bytes: i64,
    /// Runs in the history.
    pub runs: i64,
    /// The prompts taking most room, largest first (at most 50).
    pub by_prompt: Vec<SizeShare>,
    /// The models taking most room, largest first (at most 50).
    pub by_model: Vec<SizeShare>,
}

/// What compacting did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactOutcome {
    /// The file's size before, in bytes (with its write-ahead log).
    pub bytes_before: i64,
    /// Its size after.
    pub bytes_after: i64,
}

/// Most rows a share list holds.
const SHARES: i64 = 50;

impl Store {
    /// The database file, as SQLite opened it (`None` in memory).
    pub async fn db_file(&self) -> Result<Option<PathBuf>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as("PRAGMA database_list")
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .find(|(_, name, file)| name == "main" && !file.is_empty())
            .map(|(_, _, file)| PathBuf::from(file)))
    }

    /// The database's size on disk, write-ahead log included; the pages' size in memory.
    pub async fn file_bytes(&self) -> Result<i64> {
        let Some(path) = self.db_file().await? else {
            let mut conn = self.pool().acquire().await?;
            let (pages, size): (i64, i64) = sqlx::query_as(
                "SELECT p.page_count, s.page_size FROM pragma_page_count() p, pragma_page_size() s",
            )
            .fetch_one(&mut *conn)
            .await?;
            return Ok(pages * size);
        };
        let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len() as i64).unwrap_or(0);
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        Ok(size(&path) + size(std::path::Path::new(&wal)))
    }

    /// The database's size and what takes the room.
    pub async fn storage_report(&self) -> Result<StorageReport> {
        let mut conn = self.pool().acquire().await?;
        let weights = Weights::measure(&mut conn).await?;
        let (pages_free, page_size): (i64, i64) = sqlx::query_as(
            "SELECT f.freelist_count, s.page_size FROM pragma_freelist_count() f, pragma_page_size() s",
        )
        .fetch_one(&mut *conn)
        .await?;
        let by_prompt: Vec<(Option<String>, Option<String>, i64, i64)> = sqlx::query_as(&format!(
            "SELECT r.prompt_id, p.name, count(*), sum({TEXT_BYTES}) AS w \
             FROM runs r JOIN run_texts t ON t.seq = r.seq LEFT JOIN prompts p ON p.id = r.prompt_id \
             GROUP BY r.prompt_id ORDER BY w DESC LIMIT {SHARES}"
        ))
        .fetch_all(&mut *conn)
        .await?;
        let by_model: Vec<(String, String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT r.provider, r.model, count(*), sum({TEXT_BYTES}) AS w \
             FROM runs r JOIN run_texts t ON t.seq = r.seq \
             GROUP BY r.provider, r.model ORDER BY w DESC LIMIT {SHARES}"
        ))
        .fetch_all(&mut *conn)
        .await?;
        let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM runs")
            .fetch_one(&mut *conn)
            .await?;
        drop(conn);
        Ok(StorageReport {
            path: self
                .db_file()
                .await?
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| ":memory:".into()),
            file_bytes: self.file_bytes().await?,
            free_bytes: pages_free * page_size,
            runs,
            by_prompt: by_prompt
                .into_iter()
                .map(|(key, name, runs, w)| SizeShare {
                    label: match (&key, name) {
                        (_, Some(name)) => name,
                        (Some(id), None) => id.clone(),
                        (None, None) => "(ad hoc)".into(),
                    },
                    key,
                    runs,
                    bytes: weights.bytes(runs, w),
                })
                .collect(),
            by_model: by_model
                .into_iter()
                .map(|(provider, model, runs, w)| {
                    let address = if provider == model {
                        model
                    } else {
                        format!("{provider}/{model}")
                    };
                    SizeShare {
                        key: Some(address.clone()),
                        label: address,
                        runs,
                        bytes: weights.bytes(runs, w),
                    }
                })
                .collect(),
        })
    }

    /// Gives free pages back to the file system without rewriting the file, where the database
    /// keeps the bookkeeping for it (`auto_vacuum = INCREMENTAL`: new databases, and any after
    /// one [`Store::compact`]); then folds the write-ahead log back into the file.
    pub async fn release_free_pages(&self) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        let mode: i64 = sqlx::query_scalar("PRAGMA auto_vacuum")
            .fetch_one(&mut *conn)
            .await?;
        if mode == 2 {
            sqlx::query("PRAGMA incremental_vacuum")
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Rewrites the database file without its free pages (VACUUM), after merging the search
    /// indexes' segments, and switches it to incremental vacuum so later deletes shrink it on
    /// their own. Needs free disk space about the size of the file while it runs.
    pub async fn compact(&self) -> Result<CompactOutcome> {
        let bytes_before = self.file_bytes().await?;
        let mut conn = self.pool().acquire().await?;
        for index in ["runs_fts", "notes_fts"] {
            sqlx::query(&format!(
                "INSERT INTO {index} ({index}) VALUES ('optimize')"
            ))
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("PRAGMA auto_vacuum = INCREMENTAL")
            .execute(&mut *conn)
            .await?;
        sqlx::query("VACUUM").execute(&mut *conn).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *conn)
            .await?;
        drop(conn);
        Ok(CompactOutcome {
            bytes_before,
            bytes_after: self.file_bytes().await?,
        })
    }
}
