//! The `prompts` table: saved, named templates.

use sqlx::FromRow;

use crate::domain::{
    from_micros, now, to_micros, NewPrompt, Prompt, PromptEdit, PromptId, PromptSummary,
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
}

impl From<PromptRow> for Prompt {
    fn from(row: PromptRow) -> Self {
        Prompt {
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
        };
        sqlx::query(
            "INSERT INTO prompts (id, name, template, default_model, created_at, updated_at, active_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(prompt.id.as_str())
        .bind(&prompt.name)
        .bind(&prompt.template)
        .bind(&prompt.default_model)
        .bind(to_micros(at))
        .bind(to_micros(at))
        .bind(to_micros(at))
        .execute(self.pool())
        .await?;
        Ok(prompt)
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

    /// Changes the given fields of a prompt and returns it as it now is.
    pub async fn edit_prompt(&self, id: &PromptId, edit: &PromptEdit) -> Result<Prompt> {
        let mut prompt = self.prompt(id).await?;
        if let Some(name) = &edit.name {
            prompt.name = checked_name(name)?.to_owned();
        }
        if let Some(template) = &edit.template {
            prompt.template = template.clone();
        }
        if let Some(model) = &edit.default_model {
            prompt.default_model = model.clone().filter(|m| !m.trim().is_empty());
        }
        prompt.updated_at = now();
        sqlx::query(
            "UPDATE prompts SET name = ?1, template = ?2, default_model = ?3, updated_at = ?4, \
             active_at = max(active_at, ?4) WHERE id = ?5",
        )
        .bind(&prompt.name)
        .bind(&prompt.template)
        .bind(&prompt.default_model)
        .bind(to_micros(prompt.updated_at))
        .bind(prompt.id.as_str())
        .execute(self.pool())
        .await?;
        Ok(prompt)
    }

    /// Deletes a prompt and, by cascade, its runs; returns how many runs went with it.
    pub async fn delete_prompt(&self, id: &PromptId) -> Result<u64> {
        let mut tx = self.pool().begin().await?;
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
