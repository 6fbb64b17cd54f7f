//! Bringing history in from files: Promptline's own JSONL and other tools' stores (the `llm` CLI's
//! logs.db). A file is recognised by its contents, not its name. Every importer turns what it
//! reads into [`NewRun`](crate::NewRun)s and hands them to [`Store::import_runs`], the one write
//! path (one transaction: a refused or damaged file changes nothing). The store knows nothing of
//! the formats here.

pub mod llm;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::transfer::ImportReport;
use crate::store::Store;

/// The formats `import` understands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    /// One run a line: Promptline's export, or datagen's gen_runs.py.
    Jsonl,
    /// The `llm` CLI's SQLite logs.db (the 0.36 message store, older `responses`, or both).
    Llm,
}

impl ImportFormat {
    /// How a person calls it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Jsonl => "JSONL",
            Self::Llm => "llm logs.db",
        }
    }
}

/// How far an import has got.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    /// Work done so far, in `unit`s.
    pub done: u64,
    /// All the work there is, in `unit`s (0 when unknown).
    pub total: u64,
    /// `bytes` (a JSONL file is read) or `runs` (a database's rows are).
    pub unit: ProgressUnit,
}

/// What [`ImportProgress`] counts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgressUnit {
    /// Bytes of a file.
    Bytes,
    /// Runs (llm's turns and responses).
    Runs,
}

/// What importing a file did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileImport {
    /// The format the file was recognised as.
    pub format: ImportFormat,
    /// Runs added, already present, threads and time span.
    #[serde(flatten)]
    pub report: ImportReport,
}

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Recognises a file by its first bytes: a SQLite database is taken for an llm logs.db (and
/// checked as one when read), anything else for JSONL.
pub fn detect(path: &Path) -> Result<ImportFormat> {
    let mut file = File::open(path).map_err(|e| cannot_open(path, e))?;
    let mut head = [0u8; 16];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(cannot_open(path, e)),
        }
    }
    Ok(if read == head.len() && &head == SQLITE_MAGIC {
        ImportFormat::Llm
    } else {
        ImportFormat::Jsonl
    })
}

fn cannot_open(path: &Path, error: std::io::Error) -> Error {
    Error::invalid(format!("cannot open {}: {error}", path.display()))
}

/// Imports `path`, whichever format it is, in one transaction. `progress` hears how far it got.
pub async fn import_file(
    store: &Store,
    path: &Path,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<FileImport> {
    let format = detect(path)?;
    let report = match format {
        ImportFormat::Jsonl => {
            let file = File::open(path).map_err(|e| cannot_open(path, e))?;
            let total = file.metadata().map(|m| m.len()).unwrap_or(0);
            store
                .import_jsonl(
                    &path.display().to_string(),
                    BufReader::with_capacity(1 << 20, file),
                    &mut |done| {
                        progress(ImportProgress {
                            done,
                            total,
                            unit: ProgressUnit::Bytes,
                        })
                    },
                )
                .await?
        }
        ImportFormat::Llm => llm::import(store, path, progress).await?,
    };
    Ok(FileImport { format, report })
}
