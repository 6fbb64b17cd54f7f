//! The core's error type. Each variant has a stable [`Error::code`] that front ends branch on; the
//! message is for people and never contains an API key.

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A prompt, run or provider with this id or name does not exist.
    #[error("no {kind} with id `{id}`")]
    NotFound {
        /// What was looked for: `prompt`, `run`, `provider`.
        kind: &'static str,
        /// The id or name that was asked for.
        id: String,
    },
    /// The caller passed something unusable; the message says what to do instead.
    #[error("{0}")]
    InvalidInput(String),
    /// A template variable had no value.
    #[error("missing value for variable `{{{{{name}}}}}`: pass --var {name}=VALUE")]
    MissingVariable {
        /// The variable's name.
        name: String,
    },
    /// A provider needs an API key and none is stored or set; nothing was sent.
    #[error("no API key for `{provider}` at {origin}: set {env} (it takes precedence over a stored key), or store one for this origin with `promptline key set {provider}` or in Settings > Providers")]
    MissingKey {
        /// The provider's name.
        provider: String,
        /// The origin (scheme, host, port) a key would be sent to.
        origin: String,
        /// The environment variable that would also do.
        env: String,
    },
    /// An import file could not be read; nothing was imported.
    #[error("{path}: line {line}: {message}; nothing was imported")]
    BadImportLine {
        /// The file being imported.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A run finished (its answer reached the caller as it streamed) but the database could not
    /// record it; the message says why and what to do.
    #[error("{0}")]
    NotRecorded(String),
    /// A file to import was refused as a whole (foreign, damaged or too new); nothing was imported.
    #[error("{path}: {message}; nothing was imported")]
    BadImportFile {
        /// The file being imported.
        path: String,
        /// What is wrong with it and what to do.
        message: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Bringing the database schema up to date failed; the failed step was rolled back.
    #[error("could not migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// JSON could not be written or read.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// The team server (PostgreSQL) refused or could not be reached; nothing local was lost.
    #[error("team server: {0}")]
    Team(String),
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput(message.into())
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            kind,
            id: id.into(),
        }
    }

    /// Why a write failed, and what would let it succeed, in words, for the errors a user can
    /// fix (a full disk, a read-only file); `None` for the others.
    pub fn storage_problem(&self) -> Option<(&'static str, &'static str)> {
        let Self::Database(sqlx::Error::Database(db)) = self else {
            return None;
        };
        // SQLite's primary result codes: the low byte of the extended code.
        let code: i64 = db.code()?.parse().ok()?;
        match code & 0xff {
            13 => Some(("the disk is full", "there is free space on it")),
            8 => Some(("the database file is read-only", "it can be written")),
            10 => Some(("the disk could not be written", "the disk works again")),
            _ => None,
        }
    }

    /// A stable, machine-readable code for front ends to branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::InvalidInput(_) => "invalid_input",
            Self::MissingVariable { .. } => "missing_variable",
            Self::MissingKey { .. } => "missing_key",
            Self::BadImportLine { .. } => "bad_import",
            Self::NotRecorded(_) => "not_recorded",
            Self::BadImportFile { .. } => "bad_import",
            Self::Database(_) => "database",
            Self::Migrate(_) => "migration",
            Self::Io(_) => "io",
            Self::Json(_) => "json",
            Self::Team(_) => "team",
        }
    }
}
