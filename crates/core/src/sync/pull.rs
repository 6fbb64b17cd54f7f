//! Pull: what teammates shared since the cursor, in the server's change order. Prompts, runs and
//! tombstones come from three keyset queries over `sync_seq` in one snapshot; a window ends where
//! the first full batch ends, so everything up to it is applied in order, and the cursor moves to
//! it in the same local transaction.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};

use crate::domain::{NewRun, Prompt, PromptId, RunId, RunOrigin};
use crate::error::Result;
use crate::store::team::PulledChange;
use crate::store::Store;
use crate::sync::server::failed;
use crate::sync::{SyncReport, Team, BATCH};

const PROMPT_COLUMNS: &str = "p.sync_seq, p.id, p.name, p.template, p.default_model, p.shared, \
     p.created_at, p.updated_at, u.name AS owner, p.params::text AS params, p.version";

#[derive(FromRow)]
struct PromptRow {
    sync_seq: i64,
    id: String,
    name: String,
    template: String,
    default_model: Option<String>,
    shared: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    owner: String,
    params: String,
    version: i32,
}

impl PromptRow {
    fn into_change(self) -> PulledChange {
        PulledChange::Prompt {
            prompt: Prompt {
                id: PromptId(self.id),
                name: self.name,
                template: self.template,
                default_model: self.default_model,
                created_at: self.created_at,
                updated_at: self.updated_at,
                owner: Some(self.owner),
                shared: self.shared,
                params: serde_json::from_str(&self.params)
                    .unwrap_or_else(|_| serde_json::json!({})),
                version: i64::from(self.version),
            },
        }
    }
}

fn run_change(row: &PgRow) -> Result<(i64, PulledChange), sqlx::Error> {
    let params: serde_json::Value = serde_json::from_str(&row.try_get::<String, _>("params")?)
        .unwrap_or_else(|_| serde_json::json!({}));
    let variables: serde_json::Value =
        serde_json::from_str(&row.try_get::<String, _>("variables")?)
            .unwrap_or_else(|_| serde_json::json!({}));
    let status: String = row.try_get("status")?;
    let run = NewRun {
        id: RunId(row.try_get("id")?),
        prompt_id: row.try_get::<Option<String>, _>("prompt_id")?.map(PromptId),
        created_at: row.try_get("created_at")?,
        model: row.try_get("model")?,
        provider: row.try_get("provider")?,
        status: status
            .parse()
            .map_err(|e: crate::Error| sqlx::Error::Decode(e.to_string().into()))?,
        tokens_used: row.try_get("tokens_used")?,
        input_tokens: row.try_get("input_tokens")?,
        output_tokens: row.try_get("output_tokens")?,
        execution_time_ms: row.try_get("execution_time_ms")?,
        ttft_ms: row.try_get("ttft_ms")?,
        stop_reason: row.try_get("stop_reason")?,
        error_message: row.try_get("error_message")?,
        params,
        variables,
        prompt_text: row.try_get("prompt_text")?,
        response: row.try_get("response")?,
        // The team schema carries the spec's columns and what the runner records; where a run
        // came from, its thread and token details stay on the machine that made it, and the
        // cost is worked out here, by this machine's prices.
        origin: RunOrigin {
            system_prompt: row.try_get("system_prompt")?,
            prompt_version: row
                .try_get::<Option<i32>, _>("prompt_version")?
                .map(i64::from),
            ..RunOrigin::default()
        },
        token_details: Default::default(),
        cost: None,
    };
    Ok((
        row.try_get("sync_seq")?,
        PulledChange::Run {
            run: Box::new(run),
            owner: row.try_get("owner")?,
        },
    ))
}

const RUN_COLUMNS: &str = "r.sync_seq, r.id, r.prompt_id, r.created_at, r.model, r.provider, r.status, \
     r.tokens_used, r.input_tokens, r.output_tokens, r.execution_time_ms, r.ttft_ms, r.stop_reason, \
     r.error_message, r.params::text AS params, r.variables::text AS variables, r.prompt_text, \
     r.response, u.name AS owner, r.system_prompt, r.prompt_version";

pub(super) async fn pull(team: &Team, store: &Store, report: &mut SyncReport) -> Result<()> {
    let Some(link) = store.team_link().await? else {
        return Ok(());
    };
    let mut cursor = link.cursor;
    loop {
        let mut tx = team.pool.begin().await.map_err(failed("pulling"))?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(failed("pulling"))?;
        let prompts: Vec<PromptRow> = sqlx::query_as(&format!(
            "SELECT {PROMPT_COLUMNS} FROM promptline.prompts p \
             JOIN promptline.users u ON u.id = p.user_id \
             WHERE p.sync_seq > $1 AND p.user_id <> $2::uuid ORDER BY p.sync_seq LIMIT $3"
        ))
        .bind(cursor)
        .bind(&team.me)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("pulling prompts"))?;
        let run_rows: Vec<PgRow> = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM promptline.prompt_run_history r \
             JOIN promptline.users u ON u.id = r.user_id \
             WHERE r.sync_seq > $1 AND r.user_id <> $2::uuid ORDER BY r.sync_seq LIMIT $3"
        ))
        .bind(cursor)
        .bind(&team.me)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("pulling runs"))?;
        let tombstones: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT sync_seq, kind, id FROM promptline.tombstones \
             WHERE sync_seq > $1 AND user_id <> $2::uuid ORDER BY sync_seq LIMIT $3",
        )
        .bind(cursor)
        .bind(&team.me)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("pulling deletions"))?;
        let runs = run_rows
            .iter()
            .map(run_change)
            .collect::<Result<Vec<_>, _>>()
            .map_err(failed("reading pulled runs"))?;

        // The window ends where the first full batch does: beyond it, a table may have more.
        let lasts = [
            (prompts.len(), prompts.last().map(|p| p.sync_seq)),
            (runs.len(), runs.last().map(|r| r.0)),
            (tombstones.len(), tombstones.last().map(|t| t.0)),
        ];
        let full_end = lasts
            .iter()
            .filter(|(n, _)| *n as i64 == BATCH)
            .filter_map(|(_, last)| *last)
            .min();
        // With no full batch, everything this member may see up to the newest change of the
        // snapshot is in hand, own rows included (they are not fetched: this member has them).
        // Writers commit in change order (see the server schema), so no change at or below it
        // can appear later: the cursor may jump there, and the next sync starts past own rows.
        let newest = match full_end {
            Some(_) => None,
            None => newest_change(&mut tx).await?,
        };
        let end = match full_end {
            Some(end) => end,
            None => match lasts.iter().filter_map(|(_, last)| *last).max().max(newest) {
                Some(end) if end > cursor => end,
                _ => {
                    tx.rollback().await.map_err(failed("pulling"))?;
                    return Ok(());
                }
            },
        };

        let mut changes: Vec<(i64, PulledChange)> = prompts
            .into_iter()
            .map(|p| (p.sync_seq, p.into_change()))
            .chain(runs)
            .chain(tombstones.into_iter().map(|(seq, kind, id)| {
                let change = match kind.as_str() {
                    "prompt" => PulledChange::PromptDeleted { id: PromptId(id) },
                    "unshare" => PulledChange::Unshared { id: PromptId(id) },
                    _ => PulledChange::RunDeleted { id: RunId(id) },
                };
                (seq, change)
            }))
            .filter(|(seq, _)| *seq <= end)
            .collect();
        changes.sort_by_key(|(seq, _)| *seq);
        let mut ordered: Vec<PulledChange> = Vec::with_capacity(changes.len() + 1);
        // A run can come before its prompt's latest version (edited later, so stamped later):
        // such prompts are fetched now and applied first.
        let missing = prompts_needed(store, &changes).await?;
        if !missing.is_empty() {
            let ids: Vec<&str> = missing.iter().map(PromptId::as_str).collect();
            let fetched: Vec<PromptRow> = sqlx::query_as(&format!(
                "SELECT {PROMPT_COLUMNS} FROM promptline.prompts p \
                 JOIN promptline.users u ON u.id = p.user_id WHERE p.id = ANY($1)"
            ))
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("pulling prompts"))?;
            ordered.extend(fetched.into_iter().map(PromptRow::into_change));
        }
        tx.commit().await.map_err(failed("pulling"))?;
        ordered.extend(changes.into_iter().map(|(_, change)| change));
        let applied = store.apply_pulled(&ordered, end).await?;
        report.pulled_prompts += applied.prompts;
        report.pulled_runs += applied.runs;
        report.removed += applied.removed;
        cursor = end;
        if full_end.is_none() {
            return Ok(());
        }
    }
}

/// The newest change this member's snapshot can see, in any table (own rows included).
async fn newest_change(tx: &mut sqlx::PgConnection) -> Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT greatest((SELECT max(sync_seq) FROM promptline.prompts), \
                         (SELECT max(sync_seq) FROM promptline.prompt_run_history), \
                         (SELECT max(sync_seq) FROM promptline.tombstones))",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(failed("pulling"))
}

/// The prompts of pulled runs that are neither here nor pulled earlier in the window.
async fn prompts_needed(store: &Store, changes: &[(i64, PulledChange)]) -> Result<Vec<PromptId>> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut wanted: Vec<PromptId> = Vec::new();
    for (_, change) in changes {
        match change {
            PulledChange::Prompt { prompt } => {
                seen.insert(prompt.id.as_str());
            }
            PulledChange::Run { run, .. } => {
                if let Some(id) = &run.prompt_id {
                    if seen.insert(id.as_str()) {
                        wanted.push(id.clone());
                    }
                }
            }
            _ => {}
        }
    }
    store.missing_prompts(&wanted).await
}
