//! The `retention_rules` table, and collecting the garbage they name: which runs the rules would
//! delete (a plan, for a dry run) and deleting them.
//!
//! A rule keeps one thing, for the whole history or for one prompt: the last N days, the last N
//! runs of each prompt (runs without a prompt count as one group), or the history (or the
//! prompt's runs) under N MB, oldest runs going first. A prompt's own rule of a kind replaces the
//! global rule of that kind for its runs; size rules apply both. Runs rated up or tagged `keep`
//! are never deleted by a rule, nor are runs still under way.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::{from_micros, now, to_micros, PromptId, RunId};
use crate::error::{Error, Result};
use crate::store::{storage, time_key, Store};

/// A rule to add; exactly one of the limits is set.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRetentionRule {
    /// The prompt it is for; `None` for the whole history.
    #[serde(default)]
    pub prompt_id: Option<PromptId>,
    /// Keep the runs of the last this many days.
    #[serde(default)]
    pub keep_days: Option<i64>,
    /// Keep the last this many runs of each prompt.
    #[serde(default)]
    pub keep_runs: Option<i64>,
    /// Keep the history (or the prompt's runs) under this many MB (MiB).
    #[serde(default)]
    pub max_mb: Option<i64>,
}

/// A saved rule.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRule {
    /// Its number, for `retention rm`.
    pub id: i64,
    /// What it keeps.
    #[serde(flatten)]
    pub rule: NewRetentionRule,
    /// The prompt's name, for a prompt's rule.
    pub prompt_name: Option<String>,
    /// When it was set.
    pub created_at: DateTime<Utc>,
}

impl NewRetentionRule {
    /// An error unless exactly one limit is set, and it is positive.
    pub fn validate(&self) -> Result<()> {
        let set = [self.keep_days, self.keep_runs, self.max_mb]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        match set.as_slice() {
            [n] if *n > 0 => Ok(()),
            [_] => Err(Error::invalid(
                "a retention limit must be a positive number",
            )),
            [] => Err(Error::invalid(
                "say what a retention rule keeps: --keep-days N, --keep-runs N or --max-mb N",
            )),
            _ => Err(Error::invalid(
                "a retention rule keeps one thing: give one of --keep-days, --keep-runs, --max-mb \
                 (set several rules for several limits)",
            )),
        }
    }

    /// The rule in words, e.g. `keep 30 days`.
    pub fn describe(&self) -> String {
        if let Some(n) = self.keep_days {
            format!("keep the last {n} day{}", if n == 1 { "" } else { "s" })
        } else if let Some(n) = self.keep_runs {
            format!(
                "keep the last {n} run{} of each prompt",
                if n == 1 { "" } else { "s" }
            )
        } else if let Some(n) = self.max_mb {
            format!("keep under {n} MB")
        } else {
            "keep everything".into()
        }
    }
}

/// What one rule would delete.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEffect {
    /// The rule's id; `None` for the rule being tried (a dry run before saving it).
    pub rule_id: Option<i64>,
    /// The rule in words.
    pub description: String,
    /// The prompt it is for, if any.
    pub prompt_id: Option<PromptId>,
    /// Runs it would delete (a run may be named by several rules).
    pub runs: i64,
}

/// What the rules would delete.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPlan {
    /// Runs that would be deleted.
    pub runs: i64,
    /// About how many bytes of the database they take.
    pub bytes: i64,
    /// Runs rated up or tagged `keep`, which no rule deletes.
    pub protected: i64,
    /// Each rule's share.
    pub rules: Vec<RuleEffect>,
    /// The ids of the runs, oldest first (for a dry run's list).
    pub run_ids: Vec<RunId>,
}

/// What applying the rules did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionOutcome {
    /// Runs deleted.
    pub deleted: i64,
    /// The database file's size before, in bytes.
    pub bytes_before: i64,
    /// Its size after (free pages returned to the file system when it allows).
    pub bytes_after: i64,
}

/// The condition that spares runs rated up, tagged `keep` (in any case), or still under way.
const UNPROTECTED: &str = "r.seq NOT IN (SELECT seq FROM run_annotations WHERE rating = 1) \
     AND r.seq NOT IN (SELECT seq FROM run_tags WHERE lower(tag) = 'keep') \
     AND r.status <> 'running'";

/// A rule's kind, as its column.
fn kind_column(rule: &NewRetentionRule) -> &'static str {
    if rule.keep_days.is_some() {
        "keep_days"
    } else if rule.keep_runs.is_some() {
        "keep_runs"
    } else {
        "max_mb"
    }
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: i64,
    prompt_id: Option<String>,
    keep_days: Option<i64>,
    keep_runs: Option<i64>,
    max_mb: Option<i64>,
    created_at: i64,
    prompt_name: Option<String>,
}

impl From<RuleRow> for RetentionRule {
    fn from(row: RuleRow) -> Self {
        Self {
            id: row.id,
            rule: NewRetentionRule {
                prompt_id: row.prompt_id.map(PromptId),
                keep_days: row.keep_days,
                keep_runs: row.keep_runs,
                max_mb: row.max_mb,
            },
            prompt_name: row.prompt_name,
            created_at: from_micros(row.created_at),
        }
    }
}

impl Store {
    /// Saves a rule, replacing the rule of the same kind for the same scope; returns it.
    pub async fn set_retention_rule(&self, rule: &NewRetentionRule) -> Result<RetentionRule> {
        rule.validate()?;
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        if let Some(prompt) = &rule.prompt_id {
            let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM prompts WHERE id = ?")
                .bind(prompt.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(Error::not_found("prompt", prompt.as_str()));
            }
        }
        let column = kind_column(rule);
        sqlx::query(&format!(
            "DELETE FROM retention_rules WHERE coalesce(prompt_id, '') = ? AND {column} IS NOT NULL"
        ))
        .bind(rule.prompt_id.as_ref().map_or("", PromptId::as_str))
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO retention_rules (prompt_id, keep_days, keep_runs, max_mb, created_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(rule.prompt_id.as_ref().map(PromptId::as_str))
        .bind(rule.keep_days)
        .bind(rule.keep_runs)
        .bind(rule.max_mb)
        .bind(to_micros(now()))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.retention_rules()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::not_found("retention rule", id.to_string()))
    }

    /// Every rule: the global ones first, then by prompt.
    pub async fn retention_rules(&self) -> Result<Vec<RetentionRule>> {
        let rows: Vec<RuleRow> = sqlx::query_as(
            "SELECT k.id, k.prompt_id, k.keep_days, k.keep_runs, k.max_mb, k.created_at, \
             p.name AS prompt_name FROM retention_rules k LEFT JOIN prompts p ON p.id = k.prompt_id \
             ORDER BY k.prompt_id IS NOT NULL, p.name, k.id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(RetentionRule::from).collect())
    }

    /// Removes a rule; an error when there is none with this id.
    pub async fn remove_retention_rule(&self, id: i64) -> Result<()> {
        let removed = sqlx::query("DELETE FROM retention_rules WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(Error::not_found("retention rule", id.to_string()));
        }
        Ok(())
    }

    /// What the saved rules (and `candidate`, a rule being tried before it is saved, which
    /// replaces a saved rule of its kind and scope) would delete at `now`.
    pub async fn plan_retention(
        &self,
        candidate: Option<&NewRetentionRule>,
        now: DateTime<Utc>,
    ) -> Result<RetentionPlan> {
        if let Some(rule) = candidate {
            rule.validate()?;
        }
        let mut rules: Vec<(Option<i64>, NewRetentionRule)> = self
            .retention_rules()
            .await?
            .into_iter()
            .filter(|saved| {
                candidate.is_none_or(|c| {
                    c.prompt_id != saved.rule.prompt_id
                        || kind_column(c) != kind_column(&saved.rule)
                })
            })
            .map(|saved| (Some(saved.id), saved.rule))
            .collect();
        if let Some(rule) = candidate {
            rules.push((None, rule.clone()));
        }
        let mut conn = self.pool().acquire().await?;
        plan(&mut conn, &rules, now).await
    }

    /// Deletes what the saved rules name at `now` (through [`Store::delete_runs`]) and gives the
    /// freed pages back to the file system where the database allows (incremental vacuum).
    pub async fn apply_retention(&self, now: DateTime<Utc>) -> Result<RetentionOutcome> {
        let bytes_before = self.file_bytes().await?;
        let plan = self.plan_retention(None, now).await?;
        let deleted = if plan.run_ids.is_empty() {
            0
        } else {
            self.delete_runs(&plan.run_ids).await? as i64
        };
        if deleted > 0 {
            self.release_free_pages().await?;
        }
        Ok(RetentionOutcome {
            deleted,
            bytes_before,
            bytes_after: self.file_bytes().await?,
        })
    }
}

/// Collects the runs each rule names into `temp.retention_doomed`; returns the plan.
async fn plan(
    conn: &mut SqliteConnection,
    rules: &[(Option<i64>, NewRetentionRule)],
    now: DateTime<Utc>,
) -> Result<RetentionPlan> {
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS retention_doomed (seq INTEGER PRIMARY KEY)")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM temp.retention_doomed")
        .execute(&mut *conn)
        .await?;
    let overridden = |column: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|(_, r)| r.prompt_id.is_some() && kind_column(r) == column)
            .filter_map(|(_, r)| r.prompt_id.as_ref().map(|p| p.0.clone()))
            .collect()
    };
    let mut effects = Vec::new();
    let mut doomed: BTreeSet<i64> = BTreeSet::new();
    // Days and counts first; the size rules then weigh what is left.
    let mut ordered: Vec<&(Option<i64>, NewRetentionRule)> = rules.iter().collect();
    ordered.sort_by_key(|(_, r)| r.max_mb.is_some());
    for (rule_id, rule) in ordered {
        let column = kind_column(rule);
        let seqs: Vec<i64> = if let Some(days) = rule.keep_days {
            let cutoff = now - Duration::days(days);
            let mut query = QueryBuilder::<Sqlite>::new("SELECT r.seq FROM runs r WHERE r.seq < ");
            query.push_bind(time_key::first_key_saturating(to_micros(cutoff)));
            push_scope(&mut query, rule, &overridden(column));
            query.push(" AND ").push(UNPROTECTED);
            query.build_query_scalar().fetch_all(&mut *conn).await?
        } else if let Some(keep) = rule.keep_runs {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT seq FROM (SELECT r.seq AS seq, row_number() OVER \
                 (PARTITION BY r.prompt_id ORDER BY r.seq DESC) AS newer FROM runs r WHERE 1",
            );
            push_scope(&mut query, rule, &overridden(column));
            query.push(") WHERE newer > ").push_bind(keep);
            query.push(" AND seq IN (SELECT r.seq FROM runs r WHERE ");
            query.push(UNPROTECTED).push(")");
            query.build_query_scalar().fetch_all(&mut *conn).await?
        } else if let Some(mb) = rule.max_mb {
            size_rule(conn, rule, mb).await?
        } else {
            Vec::new()
        };
        effects.push(RuleEffect {
            rule_id: *rule_id,
            description: rule.describe(),
            prompt_id: rule.prompt_id.clone(),
            runs: seqs.len() as i64,
        });
        let fresh: Vec<i64> = seqs.into_iter().filter(|s| doomed.insert(*s)).collect();
        for chunk in fresh.chunks(500) {
            let mut insert =
                QueryBuilder::<Sqlite>::new("INSERT INTO temp.retention_doomed (seq) ");
            insert.push_values(chunk, |mut row, seq| {
                row.push_bind(*seq);
            });
            insert.build().execute(&mut *conn).await?;
        }
    }
    let weights = storage::Weights::measure(conn).await?;
    let (doomed_text, ids): (Option<i64>, Option<String>) = sqlx::query_as(&format!(
        "SELECT sum({w}), json_group_array(r.id ORDER BY r.seq) FROM temp.retention_doomed d \
         JOIN runs r ON r.seq = d.seq JOIN run_texts t ON t.seq = d.seq",
        w = storage::TEXT_BYTES
    ))
    .fetch_one(&mut *conn)
    .await?;
    let run_ids: Vec<RunId> = match ids {
        Some(json) if !doomed.is_empty() => serde_json::from_str(&json)?,
        _ => Vec::new(),
    };
    let protected: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM runs r WHERE NOT ({UNPROTECTED}) AND r.status <> 'running'"
    ))
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM temp.retention_doomed")
        .execute(&mut *conn)
        .await?;
    Ok(RetentionPlan {
        runs: doomed.len() as i64,
        bytes: weights.bytes(doomed.len() as i64, doomed_text.unwrap_or(0)),
        protected,
        rules: effects,
        run_ids,
    })
}

/// ` AND` the runs a rule is for: its prompt's, or (a global rule) those of every prompt without
/// a rule of its own of the same kind. Size rules are never overridden.
fn push_scope(
    query: &mut QueryBuilder<'_, Sqlite>,
    rule: &NewRetentionRule,
    overridden: &[String],
) {
    match &rule.prompt_id {
        Some(prompt) => {
            query
                .push(" AND r.prompt_id = ")
                .push_bind(prompt.0.clone());
        }
        None if !overridden.is_empty() && rule.max_mb.is_none() => {
            query.push(" AND (r.prompt_id IS NULL OR r.prompt_id NOT IN (");
            let mut list = query.separated(", ");
            for prompt in overridden {
                list.push_bind(prompt.clone());
            }
            query.push("))");
        }
        None => {}
    }
}

/// The oldest runs in the rule's scope that must go for the rest to fit in `mb` MiB (with the
/// rest of the file, for a global rule), leaving out runs already doomed by other rules and
/// protected runs (which count, but never go).
async fn size_rule(
    conn: &mut SqliteConnection,
    rule: &NewRetentionRule,
    mb: i64,
) -> Result<Vec<i64>> {
    let weights = storage::Weights::measure(conn).await?;
    let bytes = weights.run_bytes_sql();
    let mut total = QueryBuilder::<Sqlite>::new(format!(
        "SELECT coalesce(sum({bytes}), 0) FROM runs r JOIN run_texts t ON t.seq = r.seq \
         WHERE r.seq NOT IN (SELECT seq FROM temp.retention_doomed)"
    ));
    push_scope(&mut total, rule, &[]);
    let kept: f64 = total.build_query_scalar().fetch_one(&mut *conn).await?;
    let fixed = if rule.prompt_id.is_none() {
        weights.other_bytes as f64
    } else {
        0.0
    };
    let excess = kept + fixed - mb.saturating_mul(1 << 20) as f64;
    if excess <= 0.0 {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<Sqlite>::new(format!(
        "SELECT seq FROM (SELECT r.seq AS seq, {bytes} AS b, sum({bytes}) OVER (ORDER BY r.seq \
         ROWS UNBOUNDED PRECEDING) AS upto FROM runs r JOIN run_texts t ON t.seq = r.seq \
         WHERE r.seq NOT IN (SELECT seq FROM temp.retention_doomed) AND {UNPROTECTED}"
    ));
    push_scope(&mut query, rule, &[]);
    query.push(") WHERE upto - b < ").push_bind(excess);
    Ok(query.build_query_scalar().fetch_all(&mut *conn).await?)
}
