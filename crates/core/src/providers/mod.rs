//! Providers: one trait, one file per API. Streaming comes first; a non-streaming call yields the
//! same events, just all at once, so the runner treats both alike.
//!
//! Which providers exist is configuration kept in the database ([`ProviderConfig`], the
//! `providers` table), so the CLI and the desktop app share it; [`for_model`] turns a model
//! address into a ready provider, with its key from a [`KeySource`].

pub mod anthropic;
pub mod echo;
pub mod gemini;
mod http;
pub mod openai;
pub mod sse;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys::KeySource;
use crate::store::Store;

/// The configuration types live in the domain (the store keeps them, providers are built from
/// them); re-exported here, where callers have always found them.
pub use crate::domain::{NewProvider, ProviderConfig, ProviderEdit, ProviderKind};

pub use http::CONNECT_TIMEOUT;

/// What the runner asks a provider for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderRequest {
    /// The model name as the provider knows it (without the `provider/` prefix).
    pub model: String,
    /// The rendered prompt, sent as one user message.
    pub prompt: String,
    /// Generation parameters: `temperature`, `max_tokens`, `top_p`, `system`, ... as a JSON object.
    pub params: serde_json::Value,
    /// Use the API's streaming form (`true`) or its plain request/response form.
    pub stream: bool,
}

/// Token counts as a provider reported them. `None` means "not reported", never a guess.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt-side tokens.
    pub input_tokens: Option<i64>,
    /// Completion-side tokens.
    pub output_tokens: Option<i64>,
    /// Total tokens; providers that do not send it get input + output when both are known.
    pub total_tokens: Option<i64>,
    /// Cache reads and writes (parts of the input) and reasoning (part of the output).
    #[serde(flatten)]
    pub details: crate::domain::TokenDetails,
}

/// One thing a provider tells the runner while a run is under way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProviderEvent {
    /// A piece of the response text.
    Text {
        /// The text to append.
        text: String,
    },
    /// Token usage (may come more than once; later values win field by field).
    Usage {
        /// The counts.
        usage: Usage,
    },
    /// Why the model stopped.
    Stop {
        /// The provider's own word for it (`stop`, `length`, `end_turn`, `STOP`, ...).
        reason: String,
    },
}

/// A failure reported by a provider or on the way to it, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct ProviderError {
    /// The HTTP status, when the provider answered with one.
    pub http_status: Option<u16>,
    /// The message for people: the provider's own words plus what to do. Never contains a key.
    pub message: String,
}

impl ProviderError {
    /// An error with no HTTP status (connection failures, malformed streams, ...).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            http_status: None,
            message: message.into(),
        }
    }
}

/// The events of one call, in order. Ends after the last event or the first error.
pub type EventStream = BoxStream<'static, Result<ProviderEvent, ProviderError>>;

/// An API that turns a prompt into a response.
pub trait Provider: Send + Sync {
    /// Starts the call. Nothing is sent until the stream is first polled.
    fn stream(&self, request: ProviderRequest) -> EventStream;

    /// The models the API offers, by the names a run uses. APIs that cannot list theirs say so.
    fn list_models(&self) -> BoxFuture<'static, Result<Vec<String>, ProviderError>> {
        Box::pin(async { Err(ProviderError::new("this provider cannot list its models")) })
    }
}

/// A model address split into the configured provider and the provider's model name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRef {
    /// The configured provider's name, e.g. `openai`, `ollama`, `echo`.
    pub provider: String,
    /// The model as the provider knows it, e.g. `gpt-4o-mini`.
    pub model: String,
}

impl ModelRef {
    /// Parses `PROVIDER/MODEL`; a bare `echo` means the echo provider.
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        if spec == echo::PROVIDER_NAME {
            return Ok(Self {
                provider: echo::PROVIDER_NAME.into(),
                model: echo::PROVIDER_NAME.into(),
            });
        }
        match spec.split_once('/') {
            Some((provider, model)) if !provider.is_empty() && !model.is_empty() => {
                Ok(Self { provider: provider.into(), model: model.into() })
            }
            _ => Err(Error::invalid(format!(
                "`{spec}` is not a model address: write PROVIDER/MODEL (e.g. openai/gpt-4o-mini) or `echo`"
            ))),
        }
    }
}

/// Builds the provider a configuration describes, with its key from `keys`.
///
/// A provider with a `key_env` needs a key: when neither the keychain nor the variable has one,
/// this fails with what to do. A provider without one (a local server) gets a key only if the
/// keychain holds one for it.
pub fn build(config: &ProviderConfig, keys: &dyn KeySource) -> Result<Arc<dyn Provider>> {
    if config.kind == ProviderKind::Echo {
        return Ok(Arc::new(echo::EchoProvider));
    }
    let key = keys.key_for(config)?;
    if key.is_none() {
        if let Some(var) = &config.key_env {
            return Err(Error::MissingKey {
                provider: config.name.clone(),
                origin: crate::secrets::Origin::parse(&config.base_url)
                    .map_or_else(|_| config.base_url.clone(), |o| o.to_string()),
                env: var.clone(),
            });
        }
    }
    let (name, base, env) = (&config.name, &config.base_url, config.key_env.clone());
    Ok(match config.kind {
        ProviderKind::OpenAi => Arc::new(openai::OpenAiProvider::new(name, base, key, env)),
        ProviderKind::Anthropic => {
            Arc::new(anthropic::AnthropicProvider::new(name, base, key, env))
        }
        ProviderKind::Gemini => Arc::new(gemini::GeminiProvider::new(name, base, key, env)),
        ProviderKind::Echo => Arc::new(echo::EchoProvider),
    })
}

/// Finds the configured provider a model address names and builds it with its key.
///
/// `echo` always works, even when its entry was removed: it is the offline demo.
pub async fn for_model(
    store: &Store,
    keys: &dyn KeySource,
    model: &ModelRef,
) -> Result<Arc<dyn Provider>> {
    match store.provider(&model.provider).await {
        Ok(config) => build(&config, keys),
        Err(Error::NotFound { .. }) if model.provider == echo::PROVIDER_NAME => {
            Ok(Arc::new(echo::EchoProvider))
        }
        Err(Error::NotFound { .. }) => Err(Error::invalid(format!(
            "no provider named `{}`: add it with `promptline provider add {} --kind openai|anthropic|gemini --base-url URL`, \
             or see `promptline provider list`",
            model.provider, model.provider
        ))),
        Err(other) => Err(other),
    }
}

/// What one configured provider offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderModels {
    /// The provider's name; a model address is `provider/model`.
    pub provider: String,
    /// The API it speaks.
    pub kind: ProviderKind,
    /// Its models, when it could list them.
    pub models: Vec<String>,
    /// Why it could not, in words a user can act on.
    pub error: Option<String>,
}

/// How long [`list_models`] waits for each provider.
pub const LIST_MODELS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Asks every configured provider which models it offers, all at once; a provider that fails
/// (no key, not running, no list endpoint) gets its error instead of a list.
pub async fn list_models(store: &Store, keys: &dyn KeySource) -> Result<Vec<ProviderModels>> {
    let configs = store.list_providers().await?;
    let lookups = configs.into_iter().map(|config| {
        let provider = build(&config, keys);
        async move {
            let listed = match provider {
                Err(error) => Err(error.to_string()),
                Ok(_) if config.kind == ProviderKind::Echo => {
                    Ok(vec![echo::PROVIDER_NAME.to_owned()])
                }
                Ok(provider) => {
                    match tokio::time::timeout(LIST_MODELS_TIMEOUT, provider.list_models()).await {
                        Ok(Ok(models)) => Ok(models),
                        Ok(Err(error)) => Err(error.message),
                        Err(_) => Err(format!(
                            "{} did not list its models within {} s",
                            config.name,
                            LIST_MODELS_TIMEOUT.as_secs()
                        )),
                    }
                }
            };
            let (models, error) = match listed {
                Ok(models) => (models, None),
                Err(error) => (Vec::new(), Some(error)),
            };
            ProviderModels {
                provider: config.name,
                kind: config.kind,
                models,
                error,
            }
        }
    });
    Ok(futures_util::future::join_all(lookups).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_addresses() {
        assert_eq!(ModelRef::parse("echo").unwrap().provider, "echo");
        let m = ModelRef::parse("ollama/llama3.2:latest").unwrap();
        assert_eq!(
            (m.provider.as_str(), m.model.as_str()),
            ("ollama", "llama3.2:latest")
        );
        let m = ModelRef::parse("openrouter/meta-llama/llama-3-8b").unwrap();
        assert_eq!(m.model, "meta-llama/llama-3-8b");
        assert!(ModelRef::parse("gpt-4o")
            .unwrap_err()
            .to_string()
            .contains("PROVIDER/MODEL"));
        // A slash with nothing on one side names no provider or no model.
        for half in ["openai/", "/gpt-4o", "/"] {
            let error = ModelRef::parse(half).unwrap_err().to_string();
            assert!(error.contains("PROVIDER/MODEL"), "{half}: {error}");
        }
    }
}
