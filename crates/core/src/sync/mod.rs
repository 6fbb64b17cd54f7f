//! Team sync: the local SQLite history stays the working copy; a team shares prompts and runs
//! through a PostgreSQL server it runs itself, where row-level security (not this client)
//! decides who sees what (`migrations/postgres/`).
//!
//! A sync pushes what the server lacks (deletions as tombstones, then own prompts, then own runs
//! that ended) and pulls what teammates shared, in batches. Every step is idempotent and
//! remembered only after it took effect, so a sync killed at any point resumes with nothing lost
//! or doubled:
//! * a pushed batch is one server transaction; the local "pushed" marks follow its commit, and a
//!   batch sent twice changes nothing (`ON CONFLICT`);
//! * a pulled batch and the pull cursor (the server's change number) are written in one local
//!   transaction; a batch applied twice changes nothing.
//!
//! Prompt edits: last writer wins by `updated_at` (an older version never replaces a newer one,
//! on the server or here). Runs do not change once they end, and only ended runs are pushed.
//!
//! Depends on the store (never the reverse) and on [`crate::keys`] through [`credentials`] alone.

pub mod admin;
pub mod credentials;
mod pull;
mod push;
pub mod server;
pub mod url;

use serde::Serialize;
use sqlx::postgres::PgPool;

use crate::error::{Error, Result};
use crate::keys::{ApiKey, KeyStorage};
use crate::store::team::TeamLink;
use crate::store::Store;
use crate::sync::server::failed;
use crate::sync::url::TeamUrl;

/// Rows per push or pull batch.
pub const BATCH: i64 = 1000;

/// What one sync did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Own prompts sent (new or edited).
    pub pushed_prompts: u64,
    /// Own runs sent.
    pub pushed_runs: u64,
    /// Deletions sent.
    pub pushed_deletions: u64,
    /// Own runs kept back because their prompt is a teammate's that is no longer shared.
    pub held_runs: u64,
    /// Teammates' prompts added or updated here.
    pub pulled_prompts: u64,
    /// Teammates' runs added here.
    pub pulled_runs: u64,
    /// Teammates' prompts and runs removed here (deleted or unshared by them).
    pub removed: u64,
}

/// A connection to the team server as one member.
#[derive(Debug)]
pub struct Team {
    pool: PgPool,
    url: TeamUrl,
    /// This member's user id on the server (as text).
    me: String,
}

impl Team {
    /// Connects as the URL's user with `password` and checks that they are a team member.
    pub async fn connect(url: &TeamUrl, password: Option<&ApiKey>) -> Result<Self> {
        let pool = server::connect(url, password, 2).await?;
        let me: Option<String> = sqlx::query_scalar("SELECT promptline.current_user_id()::text")
            .fetch_one(&pool)
            .await
            .map_err(|e| {
                server::team_error(
                    "this server has no Promptline team (the admin runs `promptline team init`)",
                    e,
                )
            })?;
        let Some(me) = me else {
            pool.close().await;
            return Err(Error::Team(format!(
                "`{}` is not a member of the team on {}: the admin adds members with \
                 `promptline team add-user {} --server ADMIN_URL`",
                url.user, url.url, url.user
            )));
        };
        if let Err(e) = server::check_schema(&pool, url).await {
            pool.close().await;
            return Err(e);
        }
        Ok(Self {
            pool,
            url: url.clone(),
            me,
        })
    }

    /// Connects to the team this database is linked to, with the password from the keychain.
    /// `None` when it is linked to none.
    pub async fn open(store: &Store) -> Result<Option<Self>> {
        let Some(link) = store.team_link().await? else {
            return Ok(None);
        };
        let url = TeamUrl::parse(&link.url)?;
        // The keychain may block (D-Bus): off the async threads.
        let lookup = url.clone();
        let database = store.database_id().await?;
        let password = tokio::task::spawn_blocking(move || credentials::load(&database, &lookup))
            .await
            .map_err(|e| Error::invalid(format!("the keychain lookup failed: {e}")))??;
        Self::connect(&url, password.as_ref()).await.map(Some)
    }

    /// The server URL, without a password.
    pub fn url(&self) -> &str {
        &self.url.url
    }

    /// Pushes what the server lacks, then pulls what teammates shared.
    pub async fn sync(&self, store: &Store) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        push::push(self, store, &mut report).await?;
        pull::pull(self, store, &mut report).await?;
        Ok(report)
    }

    /// [`Team::sync`], with its outcome noted on the link (last sync, last error).
    pub async fn sync_and_record(&self, store: &Store) -> Result<SyncReport> {
        let outcome = self.sync(store).await;
        let error = outcome.as_ref().err().map(ToString::to_string);
        store.record_sync(error.as_deref()).await?;
        outcome
    }

    /// The newest `limit` runs of a shared prompt as the server shows them to this member:
    /// (id, owner, created time), newest first. The team history page of the benchmark.
    pub async fn prompt_page(
        &self,
        prompt_id: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, chrono::DateTime<chrono::Utc>)>> {
        sqlx::query_as(
            "SELECT r.id, u.name, r.created_at FROM promptline.prompt_run_history r \
             JOIN promptline.users u ON u.id = r.user_id \
             WHERE r.prompt_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2",
        )
        .bind(prompt_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(failed("reading the team history"))
    }

    /// Closes the connections.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// What linking to a team did.
#[derive(Debug, Clone)]
pub struct Connected {
    /// The link as stored (no password).
    pub link: TeamLink,
    /// Where the password went, when there was one.
    pub password_storage: Option<KeyStorage>,
}

/// Links `store` to the team server at `url_text` (the user's own URL). A password in the URL,
/// or `typed` when the URL has none, goes to the OS keychain; the URL is stored without it. The
/// connection is tried first: nothing is stored for a server that refuses.
pub async fn connect(store: &Store, url_text: &str, typed: Option<ApiKey>) -> Result<Connected> {
    let url = TeamUrl::parse(url_text)?;
    let password = url.password.clone().or(typed);
    let team = Team::connect(&url, password.as_ref()).await?;
    team.close().await;
    let password_storage = match password {
        Some(password) => {
            let entry = url.clone();
            let database = store.database_id().await?;
            Some(
                tokio::task::spawn_blocking(move || {
                    credentials::store(&database, &entry, &password)
                })
                .await
                .map_err(|e| Error::invalid(format!("the keychain failed: {e}")))??,
            )
        }
        None => None,
    };
    let link = store.link_team(&url.url, &url.user).await?;
    Ok(Connected {
        link,
        password_storage,
    })
}

/// Unlinks `store` from its team server and forgets the password. Pulled prompts and runs stay.
pub async fn disconnect(store: &Store) -> Result<bool> {
    if let Some(link) = store.team_link().await? {
        if let Ok(url) = TeamUrl::parse(&link.url) {
            let database = store.database_id().await?;
            let _ = tokio::task::spawn_blocking(move || credentials::forget(&database, &url)).await;
        }
    }
    store.unlink_team().await
}
