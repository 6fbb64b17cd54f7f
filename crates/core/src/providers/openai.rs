//! OpenAI-compatible Chat Completions: `POST {base}/chat/completions`, streamed as server-sent
//! `chat.completion.chunk`s ending with `data: [DONE]`, usage asked for with
//! `stream_options.include_usage`. One kind serves OpenAI, Ollama, LM Studio, llama.cpp's server,
//! vLLM, OpenRouter, Groq, Mistral, DeepSeek and the gateways that speak the same API.

use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::http::{self, Api, StreamDecoder};
use super::sse::SseEvent;
use super::{EventStream, Provider, ProviderError, ProviderEvent, ProviderRequest, Usage};
use crate::domain::TokenDetails;
use crate::keys::ApiKey;

/// A Chat Completions API at a base URL such as `https://api.openai.com/v1` or
/// `http://localhost:11434/v1`. Its `Debug` output never shows the key.
#[derive(Debug, Clone)]
pub struct OpenAiProvider {
    api: Api,
}

impl OpenAiProvider {
    /// A provider named `name` (used in messages) at `base_url`; `key` is sent as a bearer token
    /// when given, and `key_env` names the variable hints point to.
    pub fn new(name: &str, base_url: &str, key: Option<ApiKey>, key_env: Option<String>) -> Self {
        Self {
            api: Api::new(name, base_url, key, key_env),
        }
    }

    fn post(&self, body: &Value) -> reqwest::RequestBuilder {
        self.authorized(self.api.client.post(self.api.url("/chat/completions")))
            .json(body)
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.api.key {
            Some(key) => request.bearer_auth(key.expose()),
            None => request,
        }
    }
}

/// The request body for `request`: the prompt as one user message, `system` as a system message
/// before it, every other parameter passed through as the API names it.
fn request_body(request: &ProviderRequest) -> Value {
    let mut messages = Vec::new();
    if let Some(system) = http::system_prompt(&request.params) {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.push(json!({"role": "user", "content": request.prompt}));
    let mut body = serde_json::Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert("messages".into(), Value::Array(messages));
    body.insert("stream".into(), json!(request.stream));
    if request.stream {
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }
    http::merge_params(&mut body, &request.params, &["system"]);
    Value::Object(body)
}

fn usage_of(value: &Value) -> Option<Usage> {
    let usage = value.get("usage").filter(|u| u.is_object())?;
    Some(Usage {
        input_tokens: http::count(usage, "prompt_tokens"),
        output_tokens: http::count(usage, "completion_tokens"),
        total_tokens: http::count(usage, "total_tokens"),
        details: TokenDetails {
            cached_tokens: usage
                .get("prompt_tokens_details")
                .and_then(|d| http::count(d, "cached_tokens")),
            cache_write_tokens: None,
            reasoning_tokens: usage
                .get("completion_tokens_details")
                .and_then(|d| http::count(d, "reasoning_tokens")),
        },
    })
}

/// A `{"error": ...}` object sent with a 200 status, as some servers do mid-stream.
fn inline_error(api: &Api, value: &Value) -> Option<ProviderError> {
    let error = value.get("error").filter(|e| !e.is_null())?;
    let text = error
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| error.as_str())
        .unwrap_or("unknown error");
    Some(ProviderError::new(format!(
        "{} reported an error mid-response: {}",
        api.name,
        api.scrub(text)
    )))
}

#[derive(Default)]
struct ChunkDecoder {
    saw_done: bool,
    saw_finish: bool,
}

impl StreamDecoder for ChunkDecoder {
    fn event(
        &mut self,
        api: &Api,
        event: &SseEvent,
        out: &mut Vec<ProviderEvent>,
    ) -> Result<(), ProviderError> {
        if event.data.trim() == "[DONE]" {
            self.saw_done = true;
            return Ok(());
        }
        let chunk = http::event_json(api, event)?;
        if let Some(error) = inline_error(api, &chunk) {
            return Err(error);
        }
        let choice = chunk
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|choices| choices.first());
        if let Some(choice) = choice {
            if let Some(text) = choice
                .pointer("/delta/content")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                out.push(ProviderEvent::Text {
                    text: text.to_owned(),
                });
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.saw_finish = true;
                out.push(ProviderEvent::Stop {
                    reason: reason.to_owned(),
                });
            }
        }
        if let Some(usage) = usage_of(&chunk) {
            out.push(ProviderEvent::Usage { usage });
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.saw_done
    }

    fn end(&mut self, api: &Api, _cut_mid_event: bool) -> Result<(), ProviderError> {
        // Some compatible servers close without `[DONE]`; a finish reason is as good an ending.
        if self.saw_done || self.saw_finish {
            Ok(())
        } else {
            Err(api.cut_off("no finish_reason and no `data: [DONE]`"))
        }
    }
}

fn decode_completion(
    api: &Api,
    body: Value,
    events: &mut Vec<ProviderEvent>,
) -> Result<(), ProviderError> {
    if let Some(error) = inline_error(api, &body) {
        return Err(error);
    }
    let choice = body
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .ok_or_else(|| api.malformed("a response", "it has no `choices`"))?;
    let text = choice
        .pointer("/message/content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !text.is_empty() {
        events.push(ProviderEvent::Text {
            text: text.to_owned(),
        });
    }
    if let Some(usage) = usage_of(&body) {
        events.push(ProviderEvent::Usage { usage });
    }
    if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
        events.push(ProviderEvent::Stop {
            reason: reason.to_owned(),
        });
    }
    Ok(())
}

impl Provider for OpenAiProvider {
    fn stream(&self, request: ProviderRequest) -> EventStream {
        let body = request_body(&request);
        if request.stream {
            http::sse_stream(
                self.api.clone(),
                self.post(&body),
                ChunkDecoder::default(),
                decode_completion,
            )
        } else {
            http::json_stream(self.api.clone(), self.post(&body), decode_completion)
        }
    }

    fn list_models(&self) -> BoxFuture<'static, Result<Vec<String>, ProviderError>> {
        let api = self.api.clone();
        let request = self.authorized(api.client.get(api.url("/models")));
        Box::pin(async move {
            let body = api.send_for_body(request).await?;
            let json: Value =
                serde_json::from_slice(&body).map_err(|e| api.malformed("a model list", e))?;
            let mut models: Vec<String> = json
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| api.malformed("a model list", "it has no `data` array"))?
                .iter()
                .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect();
            models.sort();
            Ok(models)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_carries_system_params_and_usage_option() {
        let request = ProviderRequest {
            model: "gpt-4o-mini".into(),
            prompt: "Hi".into(),
            params: json!({"system": "Be brief", "temperature": 0.2, "max_tokens": 5}),
            stream: true,
        };
        let body = request_body(&request);
        assert_eq!(
            body["messages"][0],
            json!({"role": "system", "content": "Be brief"})
        );
        assert_eq!(
            body["messages"][1],
            json!({"role": "user", "content": "Hi"})
        );
        assert_eq!(body["stream_options"], json!({"include_usage": true}));
        assert_eq!(body["temperature"], json!(0.2));
        assert!(body.get("system").is_none());
        let plain = request_body(&ProviderRequest {
            stream: false,
            ..request
        });
        assert!(plain.get("stream_options").is_none());
    }

    fn api() -> Api {
        Api::new("openai", "https://api.example.test/v1", None, None)
    }

    fn data(text: &str) -> SseEvent {
        SseEvent {
            event: "message".into(),
            data: text.into(),
            id: None,
        }
    }

    #[test]
    fn the_stream_is_done_at_done_and_may_end_at_a_finish_reason_alone() {
        let finish = r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#;
        let mut out = Vec::new();

        let mut decoder = ChunkDecoder::default();
        decoder.event(&api(), &data(finish), &mut out).unwrap();
        assert!(
            !decoder.done(),
            "a finish reason alone does not stop the reading"
        );
        assert!(
            decoder.end(&api(), false).is_ok(),
            "a server that closes without [DONE]"
        );

        let mut decoder = ChunkDecoder::default();
        decoder.event(&api(), &data("[DONE]"), &mut out).unwrap();
        assert!(decoder.done());
        assert!(
            decoder.end(&api(), false).is_ok(),
            "[DONE] without a finish reason"
        );

        let mut decoder = ChunkDecoder::default();
        decoder
            .event(
                &api(),
                &data(r#"{"choices":[{"delta":{"content":"Hi"}}]}"#),
                &mut out,
            )
            .unwrap();
        assert!(decoder.end(&api(), false).is_err(), "cut off: neither came");
    }
}
