//! Connections to the team server. Every failure becomes [`Error::Team`] with the URL as stored
//! (no password) and what to do.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::error::{Error, Result};
use crate::keys::ApiKey;
use crate::sync::url::TeamUrl;

/// The server's schema migrations (`migrations/postgres/`), applied by `team init`.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// How long connecting may take before a sync gives up (and the app stays offline).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a pool of at most `connections` to `url` with `password`.
pub(crate) async fn connect(
    url: &TeamUrl,
    password: Option<&ApiKey>,
    connections: u32,
) -> Result<PgPool> {
    let mut options = PgConnectOptions::from_str(&url.url)
        .map_err(|e| Error::invalid(format!("{}: {e}", url.url)))?
        .application_name("promptline");
    if let Some(password) = password {
        options = options.password(password.expose());
    }
    PgPoolOptions::new()
        .max_connections(connections.max(1))
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| team_error(&format!("cannot connect to {}", url.url), e))
}

/// A server error in words: what was being done, and the server's reason.
pub(crate) fn team_error(doing: &str, error: sqlx::Error) -> Error {
    let reason = match &error {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::PoolTimedOut => "the server did not answer in time".to_owned(),
        other => other.to_string(),
    };
    Error::Team(format!("{doing}: {reason}"))
}

/// `map_err` shorthand: `.map_err(failed("pushing runs"))`.
pub(crate) fn failed(doing: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| team_error(doing, e)
}
