//! The one error shape that crosses to the UI: a stable `code` to branch on and a `message` for
//! people. Codes are the core's [`promptline_core::Error::code`] plus the few the shell adds.

use serde::Serialize;

/// An error as a command returns it to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CommandError {
    /// Machine-readable and stable: `not_found`, `invalid_input`, `missing_variable`, `io`, ...
    pub code: String,
    /// What happened and what to do, in words a user can act on.
    pub message: String,
}

impl CommandError {
    /// An error with a code of the shell's own.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<promptline_core::Error> for CommandError {
    fn from(error: promptline_core::Error) -> Self {
        let message = match &error {
            promptline_core::Error::NotFound { kind: "provider", id } => format!(
                "No provider named `{id}` is configured. Add it in Settings > Providers, or run on `echo`."
            ),
            promptline_core::Error::MissingVariable { name } => {
                format!("Fill in the variable `{{{{{name}}}}}` before running.")
            }
            other => other.to_string(),
        };
        Self {
            code: error.code().to_owned(),
            message,
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(error: std::io::Error) -> Self {
        Self::new("io", error.to_string())
    }
}

/// What commands return.
pub type CommandResult<T> = Result<T, CommandError>;
