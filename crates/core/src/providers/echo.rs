//! The built-in offline demo provider: answers with the prompt itself. Deterministic, needs no key
//! and no network, so a new user can run a prompt at once and tests can record real runs.

use futures_util::stream;

use super::{EventStream, Provider, ProviderEvent, ProviderRequest, Usage};

/// The provider's (and its only model's) name.
pub const PROVIDER_NAME: &str = crate::domain::ECHO_PROVIDER;

/// Echoes the prompt back, one word at a time when streaming. Tokens are counted as
/// whitespace-separated words, for input and output alike. It honours `max_tokens` as other
/// providers do: the answer stops after that many words, with the stop reason `length`; the other
/// parameters are recorded with the run and change nothing here.
#[derive(Debug, Clone, Copy, Default)]
pub struct EchoProvider;

impl Provider for EchoProvider {
    fn stream(&self, request: ProviderRequest) -> EventStream {
        let words = request.prompt.split_whitespace().count() as i64;
        let limit = request
            .params
            .get("max_tokens")
            .and_then(serde_json::Value::as_u64)
            .map(|n| n as i64)
            .filter(|&n| n < words);
        let answer = match limit {
            Some(limit) => first_words(&request.prompt, limit as usize),
            None => request.prompt.clone(),
        };
        let output = limit.unwrap_or(words);
        let text_events: Vec<ProviderEvent> = if request.stream {
            answer
                .split_inclusive(char::is_whitespace)
                .map(|piece| ProviderEvent::Text {
                    text: piece.to_owned(),
                })
                .collect()
        } else {
            vec![ProviderEvent::Text { text: answer }]
        };
        let usage = Usage {
            input_tokens: Some(words),
            output_tokens: Some(output),
            total_tokens: Some(words + output),
            details: Default::default(),
        };
        let tail = [
            ProviderEvent::Usage { usage },
            ProviderEvent::Stop {
                reason: if limit.is_some() { "length" } else { "stop" }.into(),
            },
        ];
        Box::pin(stream::iter(text_events.into_iter().chain(tail).map(Ok)))
    }
}

/// The text up to the end of its `n`th whitespace-separated word.
fn first_words(text: &str, n: usize) -> String {
    let mut seen = 0;
    let mut in_word = false;
    for (at, ch) in text.char_indices() {
        if ch.is_whitespace() {
            if in_word {
                seen += 1;
                if seen == n {
                    return text[..at].to_owned();
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    async fn answer(prompt: &str, params: serde_json::Value) -> (String, String) {
        let mut events = EchoProvider.stream(ProviderRequest {
            model: "echo".into(),
            prompt: prompt.into(),
            params,
            stream: true,
        });
        let (mut text, mut stop) = (String::new(), String::new());
        while let Some(event) = events.next().await {
            match event.unwrap() {
                ProviderEvent::Text { text: t } => text.push_str(&t),
                ProviderEvent::Stop { reason } => stop = reason,
                ProviderEvent::Usage { .. } => {}
            }
        }
        (text, stop)
    }

    #[tokio::test]
    async fn max_tokens_cuts_the_echo_after_that_many_words() {
        let prompt = "one two  three four";
        assert_eq!(
            answer(prompt, serde_json::json!({"max_tokens": 2})).await,
            ("one two".to_owned(), "length".to_owned())
        );
        assert_eq!(
            answer(prompt, serde_json::json!({"max_tokens": 4})).await,
            (prompt.to_owned(), "stop".to_owned())
        );
        assert_eq!(
            answer(prompt, serde_json::json!({})).await,
            (prompt.to_owned(), "stop".to_owned())
        );
    }
}
