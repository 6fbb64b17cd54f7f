//! What the desktop app needs from the store beyond the CLI's queries: a sample prompt so a first
//! launch is never empty, and the models of the history as runnable `provider/model` addresses.

use crate::domain::{NewPrompt, Prompt};
use crate::error::Result;
use crate::store::Store;

/// The sample prompt's name.
pub const SAMPLE_PROMPT_NAME: &str = "Explain a concept";

/// The sample prompt's template: one variable, short enough to read at a glance.
pub const SAMPLE_PROMPT_TEMPLATE: &str =
    "Explain {{topic}} in three short sentences, for a curious beginner.";

impl Store {
    /// Creates the sample prompt (on the offline `echo` model) when the store has neither prompts
    /// nor runs, i.e. on a first launch; returns it when it was created.
    pub async fn ensure_sample_prompt(&self) -> Result<Option<Prompt>> {
        let (prompts, runs): (i64, i64) =
            sqlx::query_as("SELECT (SELECT count(*) FROM prompts), (SELECT count(*) FROM runs)")
                .fetch_one(self.pool())
                .await?;
        if prompts > 0 || runs > 0 {
            return Ok(None);
        }
        let sample = NewPrompt {
            name: SAMPLE_PROMPT_NAME.to_owned(),
            template: SAMPLE_PROMPT_TEMPLATE.to_owned(),
            default_model: Some(crate::domain::ECHO_PROVIDER.to_owned()),
            params: serde_json::Value::Null,
        };
        self.create_prompt(&sample).await.map(Some)
    }

    /// The distinct `(provider, model)` pairs in the history with their run counts, most used
    /// first.
    pub async fn provider_models_in_history(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT provider, model, runs FROM run_models ORDER BY runs DESC, provider, model",
        )
        .fetch_all(self.pool())
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[tokio::test]
    async fn sample_prompt_only_on_an_empty_store() {
        let store = Store::open_in_memory().await.unwrap();
        let sample = store.ensure_sample_prompt().await.unwrap().unwrap();
        assert_eq!(
            crate::template::variables(&sample.template),
            ["topic".to_owned()]
        );
        assert_eq!(sample.default_model.as_deref(), Some("echo"));
        assert!(store.ensure_sample_prompt().await.unwrap().is_none());
        assert_eq!(store.list_prompts(None, 10).await.unwrap().len(), 1);
    }
}
