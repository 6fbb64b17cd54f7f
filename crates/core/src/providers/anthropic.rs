//! Anthropic's Messages API: `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`.
//! Streaming sends `message_start` (input usage), `content_block_delta`s (text), `message_delta`
//! (stop reason and output usage), `message_stop`, `ping`s, and `error` events when something
//! fails after the 200 (an `overloaded_error`, say).

use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::http::{self, Api, StreamDecoder};
use super::sse::SseEvent;
use super::{EventStream, Provider, ProviderError, ProviderEvent, ProviderRequest, Usage};
use crate::domain::TokenDetails;
use crate::keys::ApiKey;

/// The API version every request names.
pub const API_VERSION: &str = "2023-06-01";

/// `max_tokens` is required by this API; this is sent when the run's parameters have none.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

/// The Messages API at a base URL such as `https://api.anthropic.com`. Its `Debug` output never
/// shows the key.
#[derive(Debug, Clone)]
pub struct AnthropicProvider {
    api: Api,
}

impl AnthropicProvider {
    /// A provider named `name` (used in messages) at `base_url`; `key` goes in `x-api-key`.
    pub fn new(name: &str, base_url: &str, key: Option<ApiKey>, key_env: Option<String>) -> Self {
        Self {
            api: Api::new(name, base_url, key, key_env),
        }
    }

    fn with_headers(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request.header("anthropic-version", API_VERSION);
        match &self.api.key {
            Some(key) => http::with_secret(request, "x-api-key", key),
            None => request,
        }
    }
}

fn request_body(request: &ProviderRequest) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert(
        "messages".into(),
        json!([{"role": "user", "content": request.prompt}]),
    );
    if let Some(system) = http::system_prompt(&request.params) {
        body.insert("system".into(), json!(system));
    }
    if request.stream {
        body.insert("stream".into(), json!(true));
    }
    // The other APIs' `stop` (a string or a list) is `stop_sequences` (a list) here.
    if let Some(stop) = request.params.get("stop").filter(|s| !s.is_null()) {
        let list = if stop.is_string() {
            json!([stop])
        } else {
            stop.clone()
        };
        body.insert("stop_sequences".into(), list);
    }
    http::merge_params(&mut body, &request.params, &["system", "stream", "stop"]);
    if !body.contains_key("max_tokens") {
        body.insert("max_tokens".into(), json!(DEFAULT_MAX_TOKENS));
    }
    Value::Object(body)
}

/// Input tokens are the uncached ones plus those written to and read from the prompt cache, all
/// as reported; the cache reads and writes are kept apart too, as they are billed differently.
fn usage_of(usage: &Value) -> Usage {
    let cache_write = http::count(usage, "cache_creation_input_tokens");
    let cache_read = http::count(usage, "cache_read_input_tokens");
    let input = http::count(usage, "input_tokens")
        .map(|fresh| fresh + cache_write.unwrap_or(0) + cache_read.unwrap_or(0));
    Usage {
        input_tokens: input,
        output_tokens: http::count(usage, "output_tokens"),
        total_tokens: None,
        details: TokenDetails {
            cached_tokens: cache_read,
            cache_write_tokens: cache_write,
            reasoning_tokens: None,
        },
    }
}

/// The HTTP status an error type stands for, for errors that arrive inside a stream.
fn status_of(error_type: &str) -> Option<u16> {
    Some(match error_type {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "api_error" => 500,
        "overloaded_error" => 529,
        _ => return None,
    })
}

fn stream_error(api: &Api, value: &Value) -> ProviderError {
    let error = value.get("error").unwrap_or(value);
    let kind = error.get("type").and_then(Value::as_str).unwrap_or("error");
    let text = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message");
    let hint = match kind {
        "overloaded_error" => format!(". {} is overloaded; try again in a moment", api.name),
        "rate_limit_error" => "; wait a moment before trying again".to_owned(),
        "api_error" => format!(". {}'s server failed; try again later", api.name),
        _ => String::new(),
    };
    ProviderError {
        http_status: status_of(kind),
        message: format!(
            "{} reported an error mid-response: {} ({kind}){hint}; the text received so far is kept",
            api.name,
            api.scrub(text.trim_end_matches('.'))
        ),
    }
}

#[derive(Default)]
struct EventDecoder {
    saw_stop: bool,
}

impl StreamDecoder for EventDecoder {
    fn event(
        &mut self,
        api: &Api,
        event: &SseEvent,
        out: &mut Vec<ProviderEvent>,
    ) -> Result<(), ProviderError> {
        let data = http::event_json(api, event)?;
        let kind = data
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event.event.as_str());
        match kind {
            "message_start" => {
                // Its output count is a placeholder; the real one comes with `message_delta`.
                if let Some(usage) = data.pointer("/message/usage") {
                    let usage = Usage {
                        output_tokens: None,
                        ..usage_of(usage)
                    };
                    out.push(ProviderEvent::Usage { usage });
                }
            }
            "content_block_delta" => {
                let delta = data.get("delta").unwrap_or(&Value::Null);
                if delta.get("type").and_then(Value::as_str) == Some("text_delta") {
                    if let Some(text) = delta
                        .get("text")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                    {
                        out.push(ProviderEvent::Text {
                            text: text.to_owned(),
                        });
                    }
                }
            }
            "message_delta" => {
                if let Some(reason) = data.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    out.push(ProviderEvent::Stop {
                        reason: reason.to_owned(),
                    });
                }
                if let Some(usage) = data.get("usage") {
                    out.push(ProviderEvent::Usage {
                        usage: usage_of(usage),
                    });
                }
            }
            "message_stop" => self.saw_stop = true,
            "error" => return Err(stream_error(api, &data)),
            // ping, content_block_start/stop, and event types added later
            _ => {}
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.saw_stop
    }

    fn end(&mut self, api: &Api, _cut_mid_event: bool) -> Result<(), ProviderError> {
        if self.saw_stop {
            Ok(())
        } else {
            Err(api.cut_off("no `message_stop` event"))
        }
    }
}

fn decode_message(
    api: &Api,
    body: Value,
    events: &mut Vec<ProviderEvent>,
) -> Result<(), ProviderError> {
    if body.get("type").and_then(Value::as_str) == Some("error") {
        return Err(stream_error(api, &body));
    }
    let content = body
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| api.malformed("a response", "it has no `content` array"))?;
    let text: String = content
        .iter()
        .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|block| block.get("text").and_then(Value::as_str))
        .collect();
    if !text.is_empty() {
        events.push(ProviderEvent::Text { text });
    }
    if let Some(usage) = body.get("usage") {
        events.push(ProviderEvent::Usage {
            usage: usage_of(usage),
        });
    }
    if let Some(reason) = body.get("stop_reason").and_then(Value::as_str) {
        events.push(ProviderEvent::Stop {
            reason: reason.to_owned(),
        });
    }
    Ok(())
}

impl Provider for AnthropicProvider {
    fn stream(&self, request: ProviderRequest) -> EventStream {
        let body = request_body(&request);
        let post = self
            .with_headers(self.api.client.post(self.api.url("/v1/messages")))
            .json(&body);
        if request.stream {
            http::sse_stream(
                self.api.clone(),
                post,
                EventDecoder::default(),
                decode_message,
            )
        } else {
            http::json_stream(self.api.clone(), post, decode_message)
        }
    }

    fn list_models(&self) -> BoxFuture<'static, Result<Vec<String>, ProviderError>> {
        let api = self.api.clone();
        let request = self
            .with_headers(api.client.get(api.url("/v1/models")))
            .query(&[("limit", "1000")]);
        Box::pin(async move {
            let body = api.send_for_body(request).await?;
            let json: Value =
                serde_json::from_slice(&body).map_err(|e| api.malformed("a model list", e))?;
            let models = json
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| api.malformed("a model list", "it has no `data` array"))?
                .iter()
                .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect();
            Ok(models)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_becomes_stop_sequences() {
        let body = request_body(&ProviderRequest {
            model: "claude-x".into(),
            prompt: "Hi".into(),
            params: json!({"stop": "END", "top_p": 0.5}),
            stream: false,
        });
        assert_eq!(body["stop_sequences"], json!(["END"]));
        assert!(body.get("stop").is_none(), "{body}");
        assert_eq!(body["top_p"], json!(0.5));
        let body = request_body(&ProviderRequest {
            model: "claude-x".into(),
            prompt: "Hi".into(),
            params: json!({"stop": ["A", "B"]}),
            stream: false,
        });
        assert_eq!(body["stop_sequences"], json!(["A", "B"]));
    }

    #[test]
    fn body_has_a_top_level_system_and_a_default_max_tokens() {
        let body = request_body(&ProviderRequest {
            model: "claude-x".into(),
            prompt: "Hi".into(),
            params: json!({"system": "Be brief", "temperature": 0.5}),
            stream: true,
        });
        assert_eq!(body["system"], json!("Be brief"));
        assert_eq!(body["max_tokens"], json!(DEFAULT_MAX_TOKENS));
        assert_eq!(body["stream"], json!(true));
        assert_eq!(body["messages"], json!([{"role": "user", "content": "Hi"}]));
        let body = request_body(&ProviderRequest {
            model: "claude-x".into(),
            prompt: "Hi".into(),
            params: json!({"max_tokens": 10}),
            stream: false,
        });
        assert_eq!(body["max_tokens"], json!(10));
        assert!(body.get("stream").is_none());
    }

    #[test]
    fn cached_input_tokens_count_as_input() {
        let usage = usage_of(
            &json!({"input_tokens": 5, "cache_read_input_tokens": 100, "output_tokens": 7}),
        );
        assert_eq!(usage.input_tokens, Some(105));
        assert_eq!(usage.output_tokens, Some(7));
    }

    fn api() -> Api {
        Api::new("anthropic", "https://api.example.test/v1", None, None)
    }

    fn sse(data: Value) -> SseEvent {
        SseEvent {
            event: data["type"].as_str().unwrap_or("message").to_owned(),
            data: data.to_string(),
            id: None,
        }
    }

    #[test]
    fn cache_writes_and_reads_both_count_as_input() {
        let usage = usage_of(&json!({
            "input_tokens": 5,
            "cache_creation_input_tokens": 20,
            "cache_read_input_tokens": 100,
            "output_tokens": 7
        }));
        assert_eq!(usage.input_tokens, Some(125));
        assert_eq!(usage.details.cache_write_tokens, Some(20));
        assert_eq!(usage.details.cached_tokens, Some(100));
    }

    #[test]
    fn an_error_inside_the_stream_has_the_status_its_type_stands_for() {
        for (kind, status) in [
            ("invalid_request_error", 400),
            ("authentication_error", 401),
            ("permission_error", 403),
            ("not_found_error", 404),
            ("request_too_large", 413),
            ("rate_limit_error", 429),
            ("api_error", 500),
            ("overloaded_error", 529),
        ] {
            let error = stream_error(
                &api(),
                &json!({"type": "error", "error": {"type": kind, "message": "It failed."}}),
            );
            assert_eq!(error.http_status, Some(status), "{kind}");
            assert!(
                error.message.contains(&format!("It failed ({kind})")),
                "{}",
                error.message
            );
        }
        assert_eq!(status_of("something_new"), None);
    }

    #[test]
    fn a_stream_error_says_what_to_do_when_waiting_helps() {
        let message = |kind: &str| {
            stream_error(&api(), &json!({"error": {"type": kind, "message": "x"}})).message
        };
        assert!(
            message("overloaded_error").contains("anthropic is overloaded; try again in a moment")
        );
        assert!(message("rate_limit_error").contains("; wait a moment before trying again"));
        assert!(message("api_error").contains("anthropic's server failed; try again later"));
        assert!(!message("invalid_request_error").contains("again"));
    }

    #[test]
    fn the_stream_is_done_at_message_stop_not_before() {
        let mut decoder = EventDecoder::default();
        let mut out = Vec::new();
        decoder
            .event(
                &api(),
                &sse(json!({"type": "message_start", "message": {}})),
                &mut out,
            )
            .unwrap();
        assert!(!decoder.done());
        decoder
            .event(&api(), &sse(json!({"type": "message_stop"})), &mut out)
            .unwrap();
        assert!(decoder.done());
        assert!(decoder.end(&api(), false).is_ok());
    }
}
