//! The built-in offline demo provider: answers with the prompt itself. Deterministic, needs no key
//! and no network, so a new user can run a prompt at once and tests can record real runs.

use futures_util::stream;

use super::{EventStream, Provider, ProviderEvent, ProviderRequest, Usage};

/// The provider's (and its only model's) name.
pub const PROVIDER_NAME: &str = crate::domain::ECHO_PROVIDER;

/// Echoes the prompt back, one word at a time when streaming. Tokens are counted as
/// whitespace-separated words, for input and output alike.
#[derive(Debug, Clone, Copy, Default)]
pub struct EchoProvider;

impl Provider for EchoProvider {
    fn stream(&self, request: ProviderRequest) -> EventStream {
        let words = request.prompt.split_whitespace().count() as i64;
        let text_events: Vec<ProviderEvent> = if request.stream {
            request
                .prompt
                .split_inclusive(char::is_whitespace)
                .map(|piece| ProviderEvent::Text {
                    text: piece.to_owned(),
                })
                .collect()
        } else {
            vec![ProviderEvent::Text {
                text: request.prompt.clone(),
            }]
        };
        let usage = Usage {
            input_tokens: Some(words),
            output_tokens: Some(words),
            total_tokens: Some(words * 2),
            details: Default::default(),
        };
        let tail = [
            ProviderEvent::Usage { usage },
            ProviderEvent::Stop {
                reason: "stop".into(),
            },
        ];
        Box::pin(stream::iter(text_events.into_iter().chain(tail).map(Ok)))
    }
}
