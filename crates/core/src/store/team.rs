//! What team sync needs from the local database: the link to the team server, what waits to be
//! pushed (own prompts, ended runs, tombstones of deletions), and applying what was pulled. SQLite
//! only: the sync code (`crate::sync`) speaks to the server and calls these.

use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::{from_micros, now, to_micros, NewRun, Prompt, PromptId, Run, RunId};
use crate::error::{Error, Result};
use crate::store::runs::{self, FullRow, RunRow, FULL_COLUMNS, FULL_FROM};
use crate::store::time_key::KeyAllocator;
use crate::store::Store;

/// The team server this database syncs with.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TeamLink {
    /// The server's URL, without a password.
    pub url: String,
    /// The PostgreSQL role this user connects as (their name on the team).
    pub user_name: String,
    /// When `team connect` linked it.
    pub connected_at: chrono::DateTime<chrono::Utc>,
    /// The server's change number up to which everything has been pulled.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cursor: i64,
    /// When the last sync finished, successfully or not.
    pub last_sync_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the last sync failed; `None` when it succeeded.
    pub last_error: Option<String>,
}

/// What waits to go to the server.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncBacklog {
    /// Own prompts new or edited since the last push.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub prompts: i64,
    /// Own runs that ended and are not on the server yet.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub runs: i64,
    /// Deletions of own prompts and runs not yet made on the server.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub deletions: i64,
}

impl SyncBacklog {
    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.prompts == 0 && self.runs == 0 && self.deletions == 0
    }
}

/// What a local tombstone stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TombstoneKind {
    /// A prompt (its runs went with it).
    Prompt,
    /// One run.
    Run,
}

impl TombstoneKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Prompt => "prompt",
            Self::Run => "run",
        }
    }
}

/// An own prompt or run deleted here, to be deleted on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    /// What was deleted.
    pub kind: TombstoneKind,
    /// Its id.
    pub id: String,
}

/// One change pulled from the team, applied in the server's order.
#[derive(Debug, Clone, PartialEq)]
pub enum PulledChange {
    /// A teammate's shared prompt, new or edited (last writer wins by `updated_at`).
    Prompt {
        /// The prompt; its `owner` names the teammate.
        prompt: Prompt,
    },
    /// A teammate's run on a shared prompt.
    Run {
        /// The run as recorded.
        run: Box<NewRun>,
        /// The teammate who ran it.
        owner: String,
    },
    /// A teammate deleted this prompt: it goes, with every run on it.
    PromptDeleted {
        /// The prompt's id.
        id: PromptId,
    },
    /// A teammate deleted this run.
    RunDeleted {
        /// The run's id.
        id: RunId,
    },
    /// A teammate made this prompt private again: the team's runs on it go, and the prompt too
    /// unless own runs still use it.
    Unshared {
        /// The prompt's id.
        id: PromptId,
    },
}

/// What applying a pull changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PullApplied {
    /// Prompts added or updated.
    pub prompts: u64,
    /// Runs added.
    pub runs: u64,
    /// Prompts and runs removed.
    pub removed: u64,
}

#[derive(FromRow)]
struct KeyedFullRow {
    push_key: i64,
    #[sqlx(flatten)]
    run: FullRow,
}

#[derive(FromRow)]
struct LinkRow {
    url: String,
    user_name: String,
    connected_at: i64,
    cursor: i64,
    last_sync_at: Option<i64>,
    last_error: Option<String>,
}

/// Most rows one push batch reads.
pub const MAX_BATCH: i64 = 5000;

impl Store {
    /// The linked team server, if any.
    pub async fn team_link(&self) -> Result<Option<TeamLink>> {
        let row: Option<LinkRow> = sqlx::query_as(
            "SELECT url, user_name, connected_at, cursor, last_sync_at, last_error FROM team_link",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| TeamLink {
            url: r.url,
            user_name: r.user_name,
            connected_at: from_micros(r.connected_at),
            cursor: r.cursor,
            last_sync_at: r.last_sync_at.map(from_micros),
            last_error: r.last_error,
        }))
    }

    /// Links this database to a team server as `user_name`. `url` must carry no password. Linking
    /// to another server or as another user starts pulling from the beginning again.
    pub async fn link_team(&self, url: &str, user_name: &str) -> Result<TeamLink> {
        let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
        let authority = authority.split('/').next().unwrap_or_default();
        if authority
            .rsplit_once('@')
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
        {
            // The URL stored here is shown in the app and by the CLI: never with a password.
            return Err(Error::invalid(
                "a team URL is stored without its password: strip it first",
            ));
        }
        sqlx::query(
            "INSERT INTO team_link (id, url, user_name, connected_at) VALUES (1, ?1, ?2, ?3) \
             ON CONFLICT (id) DO UPDATE SET \
               cursor = CASE WHEN url = ?1 AND user_name = ?2 THEN cursor ELSE 0 END, \
               url = ?1, user_name = ?2, connected_at = ?3, last_error = NULL",
        )
        .bind(url)
        .bind(user_name)
        .bind(to_micros(now()))
        .execute(self.pool())
        .await?;
        self.team_link()
            .await?
            .ok_or_else(|| Error::invalid("the team link was not saved"))
    }

    /// Forgets the team server. Prompts and runs pulled from it stay; nothing more is recorded
    /// for it (deletions from now on stay local).
    pub async fn unlink_team(&self) -> Result<bool> {
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let done = sqlx::query("DELETE FROM team_link")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sync_tombstones")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Notes how the sync that just ended went.
    pub async fn record_sync(&self, error: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE team_link SET last_sync_at = ?, last_error = ?")
            .bind(to_micros(now()))
            .bind(error)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// What waits to be pushed.
    pub async fn sync_backlog(&self) -> Result<SyncBacklog> {
        let (prompts, runs, deletions): (i64, i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT count(*) FROM prompts WHERE owner IS NULL \
                  AND (pushed_at IS NULL OR pushed_at <> updated_at)), \
               (SELECT count(*) FROM runs WHERE pushed = 0 AND owner IS NULL \
                  AND status <> 'running'), \
               (SELECT count(*) FROM sync_tombstones)",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(SyncBacklog {
            prompts,
            runs,
            deletions,
        })
    }

    /// Own prompts the server does not have in their current version, oldest edit first.
    pub async fn prompts_to_push(&self, limit: i64) -> Result<Vec<Prompt>> {
        let rows: Vec<super::prompts::PromptRow> = sqlx::query_as(
            "SELECT * FROM prompts WHERE owner IS NULL \
             AND (pushed_at IS NULL OR pushed_at <> updated_at) \
             ORDER BY updated_at, id LIMIT ?",
        )
        .bind(limit.clamp(1, MAX_BATCH))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Prompt::from).collect())
    }

    /// Notes that the server has these prompts in the version edited at the time given; a prompt
    /// edited again since stays waiting.
    pub async fn mark_prompts_pushed(&self, pushed: &[(PromptId, i64)]) -> Result<()> {
        if pushed.is_empty() {
            return Ok(());
        }
        let mut query = QueryBuilder::<Sqlite>::new("WITH pushed (id, at) AS (");
        query.push_values(pushed, |mut b, (id, at)| {
            b.push_bind(id.as_str()).push_bind(*at);
        });
        // UPDATE ... FROM: one primary-key lookup per pushed prompt (a subquery per row of
        // `prompts` would compare every prompt with every pushed one).
        query.push(
            ") UPDATE prompts SET pushed_at = prompts.updated_at FROM pushed \
             WHERE prompts.id = pushed.id AND prompts.updated_at = pushed.at",
        );
        query.build().execute(self.pool()).await?;
        Ok(())
    }

    /// Own runs that ended and that the server lacks, after time key `after` (0 for the start), in
    /// time order; each with its key, to pass back to [`Store::mark_runs_pushed`].
    pub async fn runs_to_push(&self, after: i64, limit: i64) -> Result<Vec<(i64, Run)>> {
        let sql = format!(
            "SELECT r.seq AS push_key, {FULL_COLUMNS} {FULL_FROM} \
             WHERE r.pushed = 0 AND r.owner IS NULL AND r.status <> 'running' AND r.seq > ? \
             ORDER BY r.seq LIMIT ?"
        );
        let rows: Vec<KeyedFullRow> = sqlx::query_as(&sql)
            .bind(after)
            .bind(limit.clamp(1, MAX_BATCH))
            .fetch_all(self.pool())
            .await?;
        rows.into_iter()
            .map(|row| Ok((row.push_key, row.run.into_run()?)))
            .collect()
    }

    /// Notes that the server has the runs with these keys.
    pub async fn mark_runs_pushed(&self, keys: &[i64]) -> Result<()> {
        for chunk in keys.chunks(10_000) {
            let mut query =
                QueryBuilder::<Sqlite>::new("UPDATE runs SET pushed = 1 WHERE seq IN (");
            let mut list = query.separated(", ");
            for key in chunk {
                list.push_bind(*key);
            }
            query.push(")");
            query.build().execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Deletions waiting for the server, oldest first.
    pub async fn tombstones_to_push(&self, limit: i64) -> Result<Vec<Tombstone>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT kind, id FROM sync_tombstones ORDER BY deleted_at, kind, id LIMIT ?",
        )
        .bind(limit.clamp(1, MAX_BATCH))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(kind, id)| Tombstone {
                kind: if kind == "prompt" {
                    TombstoneKind::Prompt
                } else {
                    TombstoneKind::Run
                },
                id,
            })
            .collect())
    }

    /// Forgets tombstones the server has acted on.
    pub async fn clear_tombstones(&self, done: &[Tombstone]) -> Result<()> {
        for chunk in done.chunks(5_000) {
            let mut query =
                QueryBuilder::<Sqlite>::new("DELETE FROM sync_tombstones WHERE (kind, id) IN (");
            query.push_values(chunk, |mut b, t| {
                b.push_bind(t.kind.as_str()).push_bind(&t.id);
            });
            query.push(")");
            query.build().execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Shares an own prompt with the team, or makes it private again; the change is pushed at the
    /// next sync (it counts as an edit).
    pub async fn set_prompt_shared(&self, id: &PromptId, shared: bool) -> Result<Prompt> {
        let prompt = self.prompt(id).await?;
        if let Some(owner) = &prompt.owner {
            return Err(Error::invalid(format!(
                "this prompt is {owner}'s: only its owner can share or unshare it"
            )));
        }
        if prompt.shared != shared {
            sqlx::query(
                "UPDATE prompts SET shared = ?1, updated_at = max(updated_at + 1, ?2), \
                 active_at = max(active_at, ?2) WHERE id = ?3",
            )
            .bind(shared)
            .bind(to_micros(now()))
            .bind(id.as_str())
            .execute(self.pool())
            .await?;
        }
        self.prompt(id).await
    }

    /// Applies changes pulled from the team, in order, and moves the pull cursor to `cursor`, all
    /// in one transaction: a pull killed half-way leaves the database as before that batch, and
    /// applying a batch twice changes nothing more.
    pub async fn apply_pulled(&self, changes: &[PulledChange], cursor: i64) -> Result<PullApplied> {
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let mut applied = PullApplied::default();
        let mut i = 0;
        while i < changes.len() {
            // Consecutive runs go in as one insert.
            let start = i;
            while i < changes.len() && matches!(changes[i], PulledChange::Run { .. }) {
                i += 1;
            }
            if i > start {
                applied.runs += insert_pulled_runs(&mut tx, &changes[start..i]).await?;
                continue;
            }
            match &changes[i] {
                PulledChange::Prompt { prompt } => {
                    applied.prompts += upsert_pulled_prompt(&mut tx, prompt).await?;
                }
                // Tombstones only ever remove pulled rows (`owner IS NOT NULL`): never one's own.
                PulledChange::PromptDeleted { id } => {
                    applied.removed +=
                        sqlx::query("DELETE FROM prompts WHERE id = ? AND owner IS NOT NULL")
                            .bind(id.as_str())
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                }
                PulledChange::RunDeleted { id } => {
                    applied.removed +=
                        sqlx::query("DELETE FROM runs WHERE id = ? AND owner IS NOT NULL")
                            .bind(id.as_str())
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                }
                PulledChange::Unshared { id } => {
                    applied.removed +=
                        sqlx::query("DELETE FROM runs WHERE prompt_id = ? AND owner IS NOT NULL")
                            .bind(id.as_str())
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                    applied.removed += sqlx::query(
                        "DELETE FROM prompts WHERE id = ?1 AND owner IS NOT NULL \
                         AND NOT EXISTS (SELECT 1 FROM runs WHERE prompt_id = ?1)",
                    )
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                PulledChange::Run { .. } => unreachable!("runs are batched above"),
            }
            i += 1;
        }
        sqlx::query("UPDATE team_link SET cursor = max(cursor, ?)")
            .bind(cursor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Which of these prompt ids are not in the local database.
    pub async fn missing_prompts(&self, ids: &[PromptId]) -> Result<Vec<PromptId>> {
        let mut missing = Vec::new();
        for id in ids {
            let (found,): (bool,) =
                sqlx::query_as("SELECT EXISTS (SELECT 1 FROM prompts WHERE id = ?)")
                    .bind(id.as_str())
                    .fetch_one(self.pool())
                    .await?;
            if !found {
                missing.push(id.clone());
            }
        }
        Ok(missing)
    }
}

/// Inserts or, when newer (last writer wins by `updated_at`), updates a teammate's prompt, with
/// its run parameters and current version; that version is kept among the prompt's versions here
/// too (the earlier ones stay on the teammate's machine).
async fn upsert_pulled_prompt(conn: &mut SqliteConnection, prompt: &Prompt) -> Result<u64> {
    let updated = to_micros(prompt.updated_at);
    let params = prompt.params.to_string();
    let version = prompt.version.max(1);
    let done = sqlx::query(
        "INSERT INTO prompts (id, name, template, default_model, created_at, updated_at, active_at, \
           owner, shared, pushed_at, params, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?6, ?9, ?10) \
         ON CONFLICT (id) DO UPDATE SET name = ?2, template = ?3, default_model = ?4, \
           updated_at = ?6, active_at = max(active_at, ?6), shared = ?8, pushed_at = ?6, \
           params = ?9, version = ?10 \
         WHERE prompts.owner = ?7 AND prompts.updated_at < ?6",
    )
    .bind(prompt.id.as_str())
    .bind(&prompt.name)
    .bind(&prompt.template)
    .bind(&prompt.default_model)
    .bind(to_micros(prompt.created_at))
    .bind(updated)
    .bind(&prompt.owner)
    .bind(prompt.shared)
    .bind(&params)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() > 0 {
        sqlx::query(
            "INSERT INTO prompt_versions (prompt_id, version, template, params, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (prompt_id, version) DO UPDATE SET template = ?3, params = ?4, \
               created_at = ?5",
        )
        .bind(prompt.id.as_str())
        .bind(version)
        .bind(&prompt.template)
        .bind(&params)
        .bind(updated)
        .execute(&mut *conn)
        .await?;
    }
    Ok(done.rows_affected())
}

/// Inserts teammates' runs (skipping ids already here) with their owner, as pushed.
async fn insert_pulled_runs(conn: &mut SqliteConnection, changes: &[PulledChange]) -> Result<u64> {
    let pulled: Vec<(&NewRun, &str)> = changes
        .iter()
        .filter_map(|c| match c {
            PulledChange::Run { run, owner } => Some((run.as_ref(), owner.as_str())),
            _ => None,
        })
        .collect();
    let mut total = 0;
    // 18 bindings a row: 500 rows stay under SQLite's limit of 32,766.
    for chunk in pulled.chunks(500) {
        let mut keys = KeyAllocator::default();
        let micros: Vec<i64> = chunk.iter().map(|(r, _)| to_micros(r.created_at)).collect();
        keys.prefetch(conn, &micros).await?;
        let mut rows = Vec::with_capacity(chunk.len());
        for ((run, _), us) in chunk.iter().zip(&micros) {
            rows.push(RunRow::new(keys.allocate(conn, *us).await?, run)?);
        }
        let inserted = runs::insert_rows(conn, &rows).await?;
        runs::insert_texts(conn, &rows, &inserted).await?;
        // Only the rows just inserted: a run already here (own or pulled before) keeps its owner.
        let owned: Vec<(i64, &str)> = rows
            .iter()
            .zip(chunk)
            .filter(|(row, _)| inserted.binary_search(&row.key()).is_ok())
            .map(|(row, (_, owner))| (row.key(), *owner))
            .collect();
        if !owned.is_empty() {
            let mut query = QueryBuilder::<Sqlite>::new("WITH pulled (seq, owner) AS (");
            query.push_values(&owned, |mut b, (key, owner)| {
                b.push_bind(*key).push_bind(*owner);
            });
            query.push(
                ") UPDATE runs SET owner = pulled.owner, pushed = 1 FROM pulled \
                 WHERE runs.seq = pulled.seq",
            );
            query.build().execute(&mut *conn).await?;
        }
        total += inserted.len() as u64;
    }
    Ok(total)
}
