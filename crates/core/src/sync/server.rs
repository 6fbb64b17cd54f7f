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

/// The version of the team schema this build reads and writes (`promptline.schema_version()`,
/// which the server migrations define from their second one on).
pub const SCHEMA_VERSION: i32 = 2;

/// Refuses a server whose team schema is not the one this build speaks, saying who can fix it.
pub(crate) async fn check_schema(pool: &PgPool, url: &TeamUrl) -> Result<()> {
    let has_version: bool =
        sqlx::query_scalar("SELECT to_regprocedure('promptline.schema_version()') IS NOT NULL")
            .fetch_one(pool)
            .await
            .map_err(failed("reading the team schema's version"))?;
    let server = if has_version {
        sqlx::query_scalar::<_, i32>("SELECT promptline.schema_version()")
            .fetch_one(pool)
            .await
            .map_err(failed("reading the team schema's version"))?
    } else {
        1
    };
    match server.cmp(&SCHEMA_VERSION) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(Error::Team(format!(
            "the team schema on {} is version {server}, older than this Promptline's \
             ({SCHEMA_VERSION}): the admin brings it up to date with `promptline team init \
             ADMIN_URL` (it applies only what is missing; nothing is lost)",
            url.url
        ))),
        std::cmp::Ordering::Greater => Err(Error::Team(format!(
            "the team schema on {} is version {server}, newer than this Promptline knows \
             ({SCHEMA_VERSION}): update Promptline to sync with this team",
            url.url
        ))),
    }
}

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
