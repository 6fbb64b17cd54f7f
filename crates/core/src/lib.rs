//! Promptline's core: domain types, the SQLite history store, the providers and the runner.
//! Front ends (the `promptline` CLI and the desktop app) are thin layers over this crate.

pub mod diff;
pub mod domain;
pub mod error;
pub mod importers;
pub mod keys;
pub mod otel;
pub mod prices;
pub mod providers;
pub mod runner;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod template;

pub use domain::*;
pub use error::{Error, Result};
pub use store::deletions::Deletion;
pub use store::stats::{DayStats, ModelStats, RunStats, StatusCounts};
pub use store::Store;
