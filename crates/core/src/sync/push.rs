//! Push: deletions, then own prompts, then own ended runs, each batch one server transaction
//! with one statement per table (arrays unnested server-side), marked locally after it commits.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::domain::{PromptId, Run};
use crate::error::Result;
use crate::store::team::{Tombstone, TombstoneKind};
use crate::store::Store;
use crate::sync::server::failed;
use crate::sync::{SyncReport, Team, BATCH};

/// A run to push with its local time key.
type KeyedRun = (i64, Run);

pub(super) async fn push(team: &Team, store: &Store, report: &mut SyncReport) -> Result<()> {
    push_tombstones(team, store, report).await?;
    push_prompts(team, store, report).await?;
    push_runs(team, store, report).await
}

async fn push_tombstones(team: &Team, store: &Store, report: &mut SyncReport) -> Result<()> {
    loop {
        let batch = store.tombstones_to_push(BATCH).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let ids = |kind| -> Vec<&str> {
            batch
                .iter()
                .filter(|t: &&Tombstone| t.kind == kind)
                .map(|t| t.id.as_str())
                .collect()
        };
        let mut tx = team
            .pool
            .begin()
            .await
            .map_err(failed("pushing deletions"))?;
        // Row-level security limits both to the member's own rows.
        sqlx::query("DELETE FROM promptline.prompt_run_history WHERE id = ANY($1)")
            .bind(ids(TombstoneKind::Run))
            .execute(&mut *tx)
            .await
            .map_err(failed("pushing deleted runs"))?;
        sqlx::query("DELETE FROM promptline.prompts WHERE id = ANY($1)")
            .bind(ids(TombstoneKind::Prompt))
            .execute(&mut *tx)
            .await
            .map_err(failed("pushing deleted prompts"))?;
        tx.commit().await.map_err(failed("pushing deletions"))?;
        store.clear_tombstones(&batch).await?;
        report.pushed_deletions += batch.len() as u64;
    }
}

async fn push_prompts(team: &Team, store: &Store, report: &mut SyncReport) -> Result<()> {
    loop {
        let batch = store.prompts_to_push(BATCH).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&crate::Prompt) -> String| batch.iter().map(f).collect::<Vec<_>>();
        let times =
            |f: fn(&crate::Prompt) -> DateTime<Utc>| batch.iter().map(f).collect::<Vec<_>>();
        // Last writer wins: an update lands only over an older version.
        sqlx::query(
            "INSERT INTO promptline.prompts \
               (id, name, template, default_model, shared, created_at, updated_at, params, version) \
             SELECT id, name, template, default_model, shared, created_at, updated_at, \
               params::jsonb, version \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], \
               $6::timestamptz[], $7::timestamptz[], $8::text[], $9::int4[]) \
               AS t(id, name, template, default_model, shared, created_at, updated_at, params, \
                 version) \
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, template = EXCLUDED.template, \
               default_model = EXCLUDED.default_model, shared = EXCLUDED.shared, \
               updated_at = EXCLUDED.updated_at, params = EXCLUDED.params, \
               version = EXCLUDED.version \
             WHERE promptline.prompts.updated_at < EXCLUDED.updated_at",
        )
        .bind(column(|p| p.id.0.clone()))
        .bind(column(|p| clean(&p.name)))
        .bind(column(|p| clean(&p.template)))
        .bind(
            batch
                .iter()
                .map(|p| p.default_model.as_deref().map(clean))
                .collect::<Vec<_>>(),
        )
        .bind(batch.iter().map(|p| p.shared).collect::<Vec<_>>())
        .bind(times(|p| p.created_at))
        .bind(times(|p| p.updated_at))
        .bind(column(|p| json_text(&p.params)))
        .bind(
            batch
                .iter()
                .map(|p| i32::try_from(p.version).unwrap_or(i32::MAX))
                .collect::<Vec<_>>(),
        )
        .execute(&team.pool)
        .await
        .map_err(failed("pushing prompts"))?;
        let pushed: Vec<(PromptId, i64)> = batch
            .iter()
            .map(|p| (p.id.clone(), crate::domain::to_micros(p.updated_at)))
            .collect();
        store.mark_prompts_pushed(&pushed).await?;
        report.pushed_prompts += batch.len() as u64;
    }
}

async fn push_runs(team: &Team, store: &Store, report: &mut SyncReport) -> Result<()> {
    let mut after = 0;
    loop {
        let batch = store.runs_to_push(after, BATCH).await?;
        let Some((last, _)) = batch.last() else {
            return Ok(());
        };
        after = *last;
        // A run may only hang off a prompt its author can see on the server; one whose prompt is
        // a teammate's that stopped being shared waits (and is counted) instead of failing all.
        let wanted: Vec<&str> = batch
            .iter()
            .filter_map(|(_, run)| run.summary.prompt_id.as_ref().map(PromptId::as_str))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let visible: HashSet<String> =
            sqlx::query_scalar("SELECT id FROM promptline.prompts WHERE id = ANY($1)")
                .bind(&wanted)
                .fetch_all(&team.pool)
                .await
                .map_err(failed("pushing runs"))?
                .into_iter()
                .collect();
        let (ready, held): (Vec<&KeyedRun>, Vec<&KeyedRun>) = batch.iter().partition(|(_, run)| {
            run.summary
                .prompt_id
                .as_ref()
                .is_none_or(|id| visible.contains(id.as_str()))
        });
        report.held_runs += held.len() as u64;
        if ready.is_empty() {
            continue;
        }
        insert_runs(team, &ready).await?;
        let keys: Vec<i64> = ready.iter().map(|(key, _)| *key).collect();
        store.mark_runs_pushed(&keys).await?;
        report.pushed_runs += ready.len() as u64;
    }
}

/// One multi-row insert: each column travels as one array.
async fn insert_runs(team: &Team, runs: &[&KeyedRun]) -> Result<()> {
    let col = |f: &dyn Fn(&Run) -> String| runs.iter().map(|(_, r)| f(r)).collect::<Vec<_>>();
    let opt =
        |f: &dyn Fn(&Run) -> Option<String>| runs.iter().map(|(_, r)| f(r)).collect::<Vec<_>>();
    let int = |f: &dyn Fn(&Run) -> Option<i64>| runs.iter().map(|(_, r)| f(r)).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO promptline.prompt_run_history (id, prompt_id, prompt_text, response, model, \
           provider, tokens_used, input_tokens, output_tokens, execution_time_ms, ttft_ms, status, \
           error_message, stop_reason, params, variables, created_at, prompt_version, \
           system_prompt) \
         SELECT id, prompt_id, prompt_text, response, model, provider, tokens_used, input_tokens, \
           output_tokens, execution_time_ms, ttft_ms, status, error_message, stop_reason, \
           params::jsonb, variables::jsonb, created_at, prompt_version, system_prompt \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
           $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::int8[], $12::text[], $13::text[], \
           $14::text[], $15::text[], $16::text[], $17::timestamptz[], $18::int4[], $19::text[]) \
           AS t(id, prompt_id, prompt_text, response, model, provider, tokens_used, input_tokens, \
             output_tokens, execution_time_ms, ttft_ms, status, error_message, stop_reason, params, \
             variables, created_at, prompt_version, system_prompt) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(col(&|r| r.summary.id.0.clone()))
    .bind(opt(&|r| r.summary.prompt_id.as_ref().map(|p| p.0.clone())))
    .bind(col(&|r| clean(&r.prompt_text)))
    .bind(col(&|r| clean(&r.response)))
    .bind(col(&|r| clean(&r.summary.model)))
    .bind(col(&|r| clean(&r.summary.provider)))
    .bind(int(&|r| r.summary.tokens_used))
    .bind(int(&|r| r.summary.input_tokens))
    .bind(int(&|r| r.summary.output_tokens))
    .bind(int(&|r| r.summary.execution_time_ms))
    .bind(int(&|r| r.summary.ttft_ms))
    .bind(col(&|r| r.summary.status.as_str().to_owned()))
    .bind(opt(&|r| r.summary.error_message.as_deref().map(clean)))
    .bind(opt(&|r| r.stop_reason.as_deref().map(clean)))
    .bind(col(&|r| json_text(&r.params)))
    .bind(col(&|r| json_text(&r.variables)))
    .bind(runs.iter().map(|(_, r)| r.summary.created_at).collect::<Vec<_>>())
    .bind(
        runs.iter()
            .map(|(_, r)| r.prompt_version.and_then(|v| i32::try_from(v).ok()))
            .collect::<Vec<_>>(),
    )
    .bind(opt(&|r| r.system_prompt.as_deref().map(clean)))
    .execute(&team.pool)
    .await
    .map_err(failed("pushing runs"))?;
    Ok(())
}

/// PostgreSQL text cannot hold NUL characters, which SQLite text can: they become U+FFFD.
fn clean(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

/// A JSON object as text for `jsonb` (which refuses `\u0000` as well).
fn json_text(value: &serde_json::Value) -> String {
    let text = if value.is_null() {
        "{}".to_owned()
    } else {
        value.to_string()
    };
    text.replace("\\u0000", "\\ufffd")
}
