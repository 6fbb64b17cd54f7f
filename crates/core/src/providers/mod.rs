//! Providers: one trait, one file per API. Streaming comes first; a non-streaming call yields the
//! same events, just all at once, so the runner treats both alike.

pub mod echo;

use std::sync::Arc;

use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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

/// Finds the provider for a model address. Knows the built-in `echo`; configured providers are
/// looked up in the store.
pub fn resolve(model: &ModelRef) -> Result<Arc<dyn Provider>> {
    match model.provider.as_str() {
        echo::PROVIDER_NAME => Ok(Arc::new(echo::EchoProvider)),
        other => Err(Error::not_found("provider", other)),
    }
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
    }
}
