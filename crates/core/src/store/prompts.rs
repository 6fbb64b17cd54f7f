//! The `prompts` table: saved, named templates with their run parameters; `prompt_versions`:
//! every version of a template and its parameters; `prompt_memory`: what the run panel remembers
//! per prompt; `user_settings`: the defaults beyond providers.

use sqlx::{FromRow, SqliteConnection};

use crate::domain::{
    from_micros, now, to_micros, NewPrompt, Prompt, PromptEdit, PromptId, PromptMemory,
    PromptSummary, PromptVersion, Theme, UserSettings, AMEND_WINDOW_SECS,
};
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(FromRow)]
pub(crate) struct PromptRow {
    id: String,
    name: String,
    template: String,
    default_model: Option<String>,
    created_at: i64,
    updated_at: i64,
    owner: Option<String>,
    shared: bool,
    params: String,
    version: i64,
}

impl From<PromptRow> for Prompt {
    fn from(row: PromptRow) -> Self {
        Prompt {
            params: serde_json::from_str(&row.params).unwrap_or_else(|_| serde_json::json!({})),
            version: row.version,
            id: PromptId(row.id),
            name: row.name,
            template: row.template,
            default_model: row.default_model,
            created_at: from_micros(row.created_at),
            updated_at: from_micros(row.updated_at),
            owner: row.owner,
            shared: row.shared,
        }
    }
}

#[derive(FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    prompt: PromptRow,
    run_count: i64,
    last_run_at: Option<i64>,
    last_status: Option<String>,
    cost_usd: f64,
    priced_runs: i64,
}

/// A name for a prompt that only has text: its first words, at most 60 characters.
pub fn name_from_text(text: &str) -> String {
    let mut name = String::new();
    for word in text.split_whitespace() {
        if name.chars().count() + word.chars().count() + 1 > 60 {
            if name.is_empty() {
                name.extend(word.chars().take(60));
            }
            name.push('…');
            break;
        }
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(word);
    }
    if name.is_empty() {
        "Untitled prompt".into()
    } else {
        name
    }
}

/// Run parameters as stored: a JSON object (`null` is none); anything else is refused.
pub(crate) fn params_text(params: &serde_json::Value) -> Result<String> {
    match params {
        serde_json::Value::Null => Ok("{}".into()),
        serde_json::Value::Object(map) => {
            // Empty values (a cleared field) are no parameter at all.
            let kept: serde_json::Map<String, serde_json::Value> = map
                .iter()
                .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(serde_json::Value::Object(kept).to_string())
        }
        _ => Err(Error::invalid(
            "run parameters must be a JSON object such as {\"temperature\": 0.2}",
        )),
    }
}

/// Keeps the prompt's current version in `prompt_versions` (prompts imported or pulled from the
/// team were saved without one).
async fn keep_current_version(conn: &mut SqliteConnection, id: &PromptId) -> Result<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO prompt_versions (prompt_id, version, template, params, created_at) \
         SELECT id, version, template, params, updated_at FROM prompts WHERE id = ?",
    )
    .bind(id.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn checked_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("a prompt needs a name: pass --name NAME"));
    }
    Ok(name)
}

impl Store {
    /// Saves a new prompt and returns it with its fresh id.
    pub async fn create_prompt(&self, new: &NewPrompt) -> Result<Prompt> {
        let name = checked_name(&new.name)?;
        let at = now();
        let prompt = Prompt {
            id: PromptId::new(),
            name: name.to_owned(),
            template: new.template.clone(),
            default_model: new.default_model.clone().filter(|m| !m.trim().is_empty()),
            created_at: at,
            updated_at: at,
            owner: None,
            shared: false,
            params: serde_json::json!({}),
            version: 1,
        };
        let params = params_text(&new.params)?;
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        sqlx::query(
            "INSERT INTO prompts (id, name, template, default_model, created_at, updated_at, active_at, params) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(prompt.id.as_str())
        .bind(&prompt.name)
        .bind(&prompt.template)
        .bind(&prompt.default_model)
        .bind(to_micros(at))
        .bind(to_micros(at))
        .bind(to_micros(at))
        .bind(&params)
        .execute(&mut *tx)
        .await?;
        keep_current_version(&mut tx, &prompt.id).await?;
        tx.commit().await?;
        Ok(Prompt {
            params: serde_json::from_str(&params)?,
            ..prompt
        })
    }

    /// Saves a copy of a prompt under a new id: its name with " (copy)", its template, model and
    /// parameters as version 1, and what the run panel remembered for it. Its runs stay with the
    /// original.
    pub async fn duplicate_prompt(&self, id: &PromptId) -> Result<Prompt> {
        let original = self.prompt(id).await?;
        let copy = self
            .create_prompt(&NewPrompt {
                name: format!("{} (copy)", original.name),
                template: original.template,
                default_model: original.default_model,
                params: original.params,
            })
            .await?;
        let memory = self.prompt_memory(id).await?;
        if memory != PromptMemory::default() {
            self.save_prompt_memory(&copy.id, &memory).await?;
        }
        Ok(copy)
    }

    /// One prompt.
    pub async fn prompt(&self, id: &PromptId) -> Result<Prompt> {
        let row: Option<PromptRow> = sqlx::query_as("SELECT * FROM prompts WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.map(Prompt::from)
            .ok_or_else(|| Error::not_found("prompt", id.as_str()))
    }

    /// Changes the given fields of a prompt and returns it as it now is. A change of its template
    /// or run parameters keeps the old version and makes a new one (see [`PromptEdit::amend_draft`]
    /// for the autosave's exception).
    pub async fn edit_prompt(&self, id: &PromptId, edit: &PromptEdit) -> Result<Prompt> {
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let row: Option<PromptRow> = sqlx::query_as("SELECT * FROM prompts WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let mut prompt = Prompt::from(row.ok_or_else(|| Error::not_found("prompt", id.as_str()))?);
        let before = (prompt.template.clone(), params_text(&prompt.params)?);
        if let Some(name) = &edit.name {
            prompt.name = checked_name(name)?.to_owned();
        }
        if let Some(template) = &edit.template {
            prompt.template = template.clone();
        }
        if let Some(model) = &edit.default_model {
            prompt.default_model = model.clone().filter(|m| !m.trim().is_empty());
        }
        let params = match &edit.params {
            Some(params) => params_text(params)?,
            None => before.1.clone(),
        };
        prompt.params = serde_json::from_str(&params)?;
        prompt.updated_at = now();
        let at = to_micros(prompt.updated_at);
        if (prompt.template.as_str(), params.as_str()) != (before.0.as_str(), before.1.as_str()) {
            keep_current_version(&mut tx, id).await?;
            let amend = edit.amend_draft && {
                let (created_at, runs): (i64, i64) = sqlx::query_as(
                    "SELECT v.created_at, (SELECT count(*) FROM runs r \
                     WHERE r.prompt_id = v.prompt_id AND r.prompt_version = v.version) \
                     FROM prompt_versions v WHERE v.prompt_id = ? AND v.version = ?",
                )
                .bind(id.as_str())
                .bind(prompt.version)
                .fetch_one(&mut *tx)
                .await?;
                runs == 0 && at - created_at < AMEND_WINDOW_SECS * 1_000_000
            };
            if amend {
                sqlx::query(
                    "UPDATE prompt_versions SET template = ?, params = ? \
                     WHERE prompt_id = ? AND version = ?",
                )
                .bind(&prompt.template)
                .bind(&params)
                .bind(id.as_str())
                .bind(prompt.version)
                .execute(&mut *tx)
                .await?;
            } else {
                let (newest,): (i64,) = sqlx::query_as(
                    "SELECT coalesce(max(version), 0) FROM prompt_versions WHERE prompt_id = ?",
                )
                .bind(id.as_str())
                .fetch_one(&mut *tx)
                .await?;
                prompt.version = newest.max(prompt.version) + 1;
                sqlx::query(
                    "INSERT INTO prompt_versions (prompt_id, version, template, params, created_at) \
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(id.as_str())
                .bind(prompt.version)
                .bind(&prompt.template)
                .bind(&params)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query(
            "UPDATE prompts SET name = ?1, template = ?2, default_model = ?3, updated_at = ?4, \
             active_at = max(active_at, ?4), params = ?5, version = ?6 WHERE id = ?7",
        )
        .bind(&prompt.name)
        .bind(&prompt.template)
        .bind(&prompt.default_model)
        .bind(at)
        .bind(&params)
        .bind(prompt.version)
        .bind(prompt.id.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(prompt)
    }

    /// Every kept version of a prompt, newest first, with how many runs ran each.
    pub async fn prompt_versions(&self, id: &PromptId) -> Result<Vec<PromptVersion>> {
        let prompt = self.prompt(id).await?;
        let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
            "SELECT v.version, v.template, v.params, v.created_at, \
             (SELECT count(*) FROM runs r INDEXED BY runs_by_prompt_version \
              WHERE r.prompt_id = v.prompt_id AND r.prompt_version = v.version) \
             FROM prompt_versions v WHERE v.prompt_id = ? ORDER BY v.version DESC",
        )
        .bind(id.as_str())
        .fetch_all(self.pool())
        .await?;
        let mut versions: Vec<PromptVersion> = rows
            .into_iter()
            .map(|(version, template, params, created_at, run_count)| {
                Ok(PromptVersion {
                    prompt_id: id.clone(),
                    version,
                    template,
                    params: serde_json::from_str(&params)?,
                    created_at: from_micros(created_at),
                    run_count,
                })
            })
            .collect::<Result<_>>()?;
        if !versions.iter().any(|v| v.version == prompt.version) {
            // Imported or pulled without versions: its current state is its version.
            versions.insert(
                0,
                PromptVersion {
                    prompt_id: id.clone(),
                    version: prompt.version,
                    template: prompt.template,
                    params: prompt.params,
                    created_at: prompt.updated_at,
                    run_count: 0,
                },
            );
        }
        Ok(versions)
    }

    /// The newest version of a prompt with this template (and, when one has them too, these
    /// parameters): the version a run of that text ran. `None` when no version has the template
    /// (an edit not saved yet).
    pub async fn version_for_template(
        &self,
        id: &PromptId,
        template: &str,
        params: &serde_json::Value,
    ) -> Result<Option<i64>> {
        let params = params_text(params).unwrap_or_else(|_| "{}".into());
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT version FROM ( \
               SELECT version, template, params FROM prompt_versions WHERE prompt_id = ?1 \
               UNION SELECT version, template, params FROM prompts WHERE id = ?1) \
             WHERE template = ?2 ORDER BY (json(params) = json(?3)) DESC, version DESC LIMIT 1",
        )
        .bind(id.as_str())
        .bind(template)
        .bind(&params)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.map(|(version,)| version))
    }

    /// What the run panel remembered for a prompt (empty when nothing was kept).
    pub async fn prompt_memory(&self, id: &PromptId) -> Result<PromptMemory> {
        let row: Option<(String, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT variables, models, extra_models, timeout_secs FROM prompt_memory \
             WHERE prompt_id = ?",
        )
        .bind(id.as_str())
        .fetch_optional(self.pool())
        .await?;
        let Some((variables, models, extra_models, timeout_secs)) = row else {
            return Ok(PromptMemory::default());
        };
        Ok(PromptMemory {
            variables: serde_json::from_str(&variables)?,
            models: serde_json::from_str(&models)?,
            extra_models: serde_json::from_str(&extra_models)?,
            timeout_secs: timeout_secs.and_then(|s| u32::try_from(s).ok()),
        })
    }

    /// Keeps what the run panel holds for a prompt (variable values, picked models, chips,
    /// timeout), replacing what was kept.
    pub async fn save_prompt_memory(&self, id: &PromptId, memory: &PromptMemory) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO prompt_memory (prompt_id, variables, models, extra_models, timeout_secs, updated_at) \
             SELECT id, ?2, ?3, ?4, ?5, ?6 FROM prompts WHERE id = ?1 \
             ON CONFLICT (prompt_id) DO UPDATE SET variables = excluded.variables, \
             models = excluded.models, extra_models = excluded.extra_models, \
             timeout_secs = excluded.timeout_secs, updated_at = excluded.updated_at",
        )
        .bind(id.as_str())
        .bind(serde_json::to_string(&memory.variables)?)
        .bind(serde_json::to_string(&memory.models)?)
        .bind(serde_json::to_string(&memory.extra_models)?)
        .bind(memory.timeout_secs.filter(|&s| s > 0).map(i64::from))
        .bind(to_micros(now()))
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("prompt", id.as_str()));
        }
        Ok(())
    }

    /// The settings beyond providers: default model, default timeout, theme.
    pub async fn user_settings(&self) -> Result<UserSettings> {
        let row: Option<(Option<String>, Option<i64>, String)> = sqlx::query_as(
            "SELECT default_model, default_timeout_secs, theme FROM user_settings WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        let Some((default_model, timeout, theme)) = row else {
            return Ok(UserSettings::default());
        };
        Ok(UserSettings {
            default_model,
            default_timeout_secs: timeout.and_then(|s| u32::try_from(s).ok()),
            theme: theme.parse().unwrap_or(Theme::System),
        })
    }

    /// Replaces the settings beyond providers. A default model must be a model address
    /// (`PROVIDER/MODEL` or `echo`); a default timeout must be positive.
    pub async fn save_user_settings(&self, settings: &UserSettings) -> Result<UserSettings> {
        let model = settings
            .default_model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        if let Some(model) = &model {
            crate::providers::ModelRef::parse(model)?;
        }
        if settings.default_timeout_secs == Some(0) {
            return Err(Error::invalid(
                "the default timeout must be at least 1 second",
            ));
        }
        sqlx::query(
            "INSERT INTO user_settings (id, default_model, default_timeout_secs, theme) \
             VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET \
             default_model = ?1, default_timeout_secs = ?2, theme = ?3",
        )
        .bind(&model)
        .bind(settings.default_timeout_secs.map(i64::from))
        .bind(settings.theme.as_str())
        .execute(self.pool())
        .await?;
        self.user_settings().await
    }

    /// Deletes a prompt and, by cascade, its runs; returns how many runs went with it.
    pub async fn delete_prompt(&self, id: &PromptId) -> Result<u64> {
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let (runs,): (i64,) = sqlx::query_as("SELECT count(*) FROM runs WHERE prompt_id = ?")
            .bind(id.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM prompts WHERE id = ?")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::not_found("prompt", id.as_str()));
        }
        tx.commit().await?;
        Ok(runs as u64)
    }

    /// How many runs a prompt has.
    pub async fn prompt_run_count(&self, id: &PromptId) -> Result<i64> {
        let (runs,): (i64,) = sqlx::query_as("SELECT count(*) FROM runs WHERE prompt_id = ?")
            .bind(id.as_str())
            .fetch_one(self.pool())
            .await?;
        Ok(runs)
    }

    /// Prompts with their run counts and last run, most recently active first. `name_filter`
    /// keeps those whose name contains it (case-insensitive); `limit` caps the list.
    pub async fn list_prompts(
        &self,
        name_filter: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PromptSummary>> {
        let pattern = name_filter.map(|text| {
            format!(
                "%{}%",
                text.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let rows: Vec<SummaryRow> = sqlx::query_as(
            "SELECT p.* FROM prompts p \
             WHERE ?1 IS NULL OR p.name LIKE ?1 ESCAPE '\\' \
             ORDER BY p.active_at DESC, p.id DESC \
             LIMIT ?2",
        )
        .bind(pattern)
        .bind(limit.max(1))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(PromptSummary {
                    prompt: row.prompt.into(),
                    run_count: row.run_count,
                    last_run_at: row.last_run_at.map(from_micros),
                    last_status: row.last_status.map(|s| s.parse()).transpose()?,
                    cost_usd: row.cost_usd,
                    priced_runs: row.priced_runs,
                })
            })
            .collect()
    }
}
