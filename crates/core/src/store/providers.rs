//! The `providers` table: which provider names model addresses may use, the API each speaks, where
//! it is, and which environment variable may hold its key. Never a key.

use sqlx::FromRow;

use crate::domain::{
    from_micros, now, to_micros, NewProvider, ProviderConfig, ProviderEdit, ProviderKind,
};
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(FromRow)]
struct ProviderRow {
    name: String,
    kind: String,
    base_url: String,
    key_env: Option<String>,
    builtin: bool,
    created_at: i64,
    updated_at: i64,
}

impl ProviderRow {
    fn into_config(self) -> Result<ProviderConfig> {
        Ok(ProviderConfig {
            name: self.name,
            kind: self.kind.parse()?,
            base_url: self.base_url,
            key_env: self.key_env,
            builtin: self.builtin,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
        })
    }
}

const COLUMNS: &str = "name, kind, base_url, key_env, builtin, created_at, updated_at";

fn checked_name(name: &str) -> Result<&str> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(name)
    } else {
        Err(Error::invalid(format!(
            "`{name}` cannot name a provider: use letters, digits, `-`, `_` and `.` (no `/`)"
        )))
    }
}

fn checked_base_url(kind: ProviderKind, base_url: &str) -> Result<String> {
    let url = base_url.trim().trim_end_matches('/');
    if kind == ProviderKind::Echo {
        return Ok(url.to_owned());
    }
    let host = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    if !host
        .is_some_and(|h| !h.is_empty() && !h.starts_with('/') && !h.contains(char::is_whitespace))
    {
        return Err(Error::invalid(format!(
            "`{base_url}` is not a base URL: pass --base-url http(s)://HOST[:PORT][/PATH], \
             e.g. http://localhost:11434/v1"
        )));
    }
    Ok(url.to_owned())
}

fn checked_key_env(key_env: Option<&str>) -> Result<Option<String>> {
    let Some(var) = key_env.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let valid = var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !var.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(Some(var.to_owned()))
    } else {
        // Catches the easy mistake of passing the key itself where its variable's name goes.
        Err(Error::invalid(
            "--key-env takes the NAME of an environment variable (e.g. OPENROUTER_API_KEY), \
             not the key: store keys with `promptline key set PROVIDER`",
        ))
    }
}

impl Store {
    /// Adds a provider and returns it. Fails if the name is taken.
    pub async fn add_provider(&self, new: &NewProvider) -> Result<ProviderConfig> {
        let name = checked_name(&new.name)?;
        let base_url = checked_base_url(new.kind, &new.base_url)?;
        let key_env = checked_key_env(new.key_env.as_deref())?;
        let at = now();
        let done = sqlx::query(
            "INSERT INTO providers (name, kind, base_url, key_env, builtin, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(new.kind.as_str())
        .bind(&base_url)
        .bind(&key_env)
        .bind(to_micros(at))
        .bind(to_micros(at))
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::invalid(format!(
                "a provider named `{name}` exists already: remove it first (`promptline provider rm {name}`) \
                 or pick another name"
            )));
        }
        self.provider(name).await
    }

    /// Every configured provider, by name.
    pub async fn list_providers(&self) -> Result<Vec<ProviderConfig>> {
        let rows: Vec<ProviderRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM providers ORDER BY name"))
                .fetch_all(self.pool())
                .await?;
        rows.into_iter().map(ProviderRow::into_config).collect()
    }

    /// One provider by name.
    pub async fn provider(&self, name: &str) -> Result<ProviderConfig> {
        let row: Option<ProviderRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM providers WHERE name = ?"))
                .bind(name.trim())
                .fetch_optional(self.pool())
                .await?;
        row.ok_or_else(|| Error::not_found("provider", name.trim()))?
            .into_config()
    }

    /// Changes the given fields of a provider and returns it as it now is.
    pub async fn update_provider(&self, name: &str, edit: &ProviderEdit) -> Result<ProviderConfig> {
        let mut config = self.provider(name).await?;
        if let Some(kind) = edit.kind {
            config.kind = kind;
        }
        if let Some(base_url) = &edit.base_url {
            config.base_url = base_url.clone();
        }
        config.base_url = checked_base_url(config.kind, &config.base_url)?;
        if let Some(key_env) = &edit.key_env {
            config.key_env = checked_key_env(key_env.as_deref())?;
        }
        config.updated_at = now();
        sqlx::query(
            "UPDATE providers SET kind = ?, base_url = ?, key_env = ?, updated_at = ? WHERE name = ?",
        )
        .bind(config.kind.as_str())
        .bind(&config.base_url)
        .bind(&config.key_env)
        .bind(to_micros(config.updated_at))
        .bind(&config.name)
        .execute(self.pool())
        .await?;
        Ok(config)
    }

    /// Removes a provider (the other built-in ones too, but never the offline `echo`, which is
    /// what a new user runs first). Its runs stay in the history.
    pub async fn remove_provider(&self, name: &str) -> Result<()> {
        if name.trim() == "echo" {
            return Err(Error::invalid(
                "the built-in `echo` provider cannot be removed: it is the offline demo that needs no key",
            ));
        }
        let done = sqlx::query("DELETE FROM providers WHERE name = ?")
            .bind(name.trim())
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found("provider", name.trim()));
        }
        Ok(())
    }
}
