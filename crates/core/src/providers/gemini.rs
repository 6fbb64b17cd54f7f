//! Google's Gemini API: `POST {base}/models/{model}:generateContent`, and
//! `:streamGenerateContent?alt=sse` for server-sent `GenerateContentResponse` chunks, with the key
//! in `x-goog-api-key` (never in the URL). Usage comes as `usageMetadata`, the stop reason as a
//! candidate's `finishReason`; a blocked prompt as `promptFeedback.blockReason`.

use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::http::{self, Api, StreamDecoder};
use super::sse::SseEvent;
use super::{EventStream, Provider, ProviderError, ProviderEvent, ProviderRequest, Usage};
use crate::domain::TokenDetails;
use crate::keys::ApiKey;

/// The Gemini API at a base URL such as `https://generativelanguage.googleapis.com/v1beta`. Its
/// `Debug` output never shows the key.
#[derive(Debug, Clone)]
pub struct GeminiProvider {
    api: Api,
}

impl GeminiProvider {
    /// A provider named `name` (used in messages) at `base_url`; `key` goes in `x-goog-api-key`.
    pub fn new(name: &str, base_url: &str, key: Option<ApiKey>, key_env: Option<String>) -> Self {
        Self {
            api: Api::new(name, base_url, key, key_env),
        }
    }

    fn with_key(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.api.key {
            Some(key) => http::with_secret(request, "x-goog-api-key", key),
            None => request,
        }
    }
}

/// The generation parameters the other APIs name in snake case, under Gemini's names.
const RENAMED: [(&str, &str); 6] = [
    ("max_tokens", "maxOutputTokens"),
    ("max_output_tokens", "maxOutputTokens"),
    ("top_p", "topP"),
    ("top_k", "topK"),
    ("stop", "stopSequences"),
    ("stop_sequences", "stopSequences"),
];

fn request_body(request: &ProviderRequest) -> Value {
    let mut body = serde_json::Map::new();
    body.insert(
        "contents".into(),
        json!([{"role": "user", "parts": [{"text": request.prompt}]}]),
    );
    if let Some(system) = http::system_prompt(&request.params) {
        body.insert(
            "systemInstruction".into(),
            json!({"parts": [{"text": system}]}),
        );
    }
    let mut config = serde_json::Map::new();
    if let Some(params) = request.params.as_object() {
        for (key, value) in params {
            match key.as_str() {
                "system" => {}
                "generationConfig" | "safetySettings" | "tools" | "toolConfig" => {
                    body.insert(key.clone(), value.clone());
                }
                other => {
                    let name = RENAMED
                        .iter()
                        .find(|(from, _)| *from == other)
                        .map_or(other, |(_, to)| to);
                    let value = if name == "stopSequences" && value.is_string() {
                        json!([value])
                    } else {
                        value.clone()
                    };
                    config.insert(name.to_owned(), value);
                }
            }
        }
    }
    if !config.is_empty() {
        let merged = body.entry("generationConfig").or_insert_with(|| json!({}));
        if let Some(merged) = merged.as_object_mut() {
            for (key, value) in config {
                merged.entry(key).or_insert(value);
            }
        }
    }
    Value::Object(body)
}

/// Output counts the answer and the model's thinking, as both are billed as output.
fn usage_of(response: &Value) -> Option<Usage> {
    let usage = response.get("usageMetadata")?;
    let candidates = http::count(usage, "candidatesTokenCount");
    let thoughts = http::count(usage, "thoughtsTokenCount");
    let output = match (candidates, thoughts) {
        (None, None) => None,
        (c, t) => Some(c.unwrap_or(0) + t.unwrap_or(0)),
    };
    Some(Usage {
        input_tokens: http::count(usage, "promptTokenCount"),
        output_tokens: output,
        total_tokens: http::count(usage, "totalTokenCount"),
        details: TokenDetails {
            cached_tokens: http::count(usage, "cachedContentTokenCount"),
            cache_write_tokens: None,
            reasoning_tokens: thoughts,
        },
    })
}

/// The events of one `GenerateContentResponse`; `Ok(true)` when it carried a finish reason.
fn decode_response(
    api: &Api,
    response: &Value,
    out: &mut Vec<ProviderEvent>,
) -> Result<bool, ProviderError> {
    if let Some(error) = response.get("error") {
        let text = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("unknown error");
        return Err(ProviderError {
            http_status: error
                .get("code")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok()),
            message: format!(
                "{} reported an error mid-response: {}",
                api.name,
                api.scrub(text)
            ),
        });
    }
    let candidate = response
        .get("candidates")
        .and_then(Value::as_array)
        .and_then(|c| c.first());
    let mut finished = false;
    if let Some(candidate) = candidate {
        let parts = candidate
            .pointer("/content/parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for part in parts {
            // Thought summaries are not the answer.
            if part.get("thought").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            if let Some(text) = part
                .get("text")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                out.push(ProviderEvent::Text {
                    text: text.to_owned(),
                });
            }
        }
        if let Some(reason) = candidate.get("finishReason").and_then(Value::as_str) {
            finished = true;
            out.push(ProviderEvent::Stop {
                reason: reason.to_owned(),
            });
        }
    }
    if let Some(usage) = usage_of(response) {
        out.push(ProviderEvent::Usage { usage });
    }
    if candidate.is_none() {
        if let Some(reason) = response
            .pointer("/promptFeedback/blockReason")
            .and_then(Value::as_str)
        {
            return Err(ProviderError::new(format!(
                "{} refused the prompt (blockReason {reason}); rephrase it or adjust safetySettings",
                api.name
            )));
        }
    }
    Ok(finished)
}

#[derive(Default)]
struct ChunkDecoder {
    finished: bool,
}

impl StreamDecoder for ChunkDecoder {
    fn event(
        &mut self,
        api: &Api,
        event: &SseEvent,
        out: &mut Vec<ProviderEvent>,
    ) -> Result<(), ProviderError> {
        let chunk = http::event_json(api, event)?;
        if decode_response(api, &chunk, out)? {
            self.finished = true;
        }
        Ok(())
    }

    fn done(&self) -> bool {
        // Usage may follow the finish reason in a later chunk; read on to the end of the body.
        false
    }

    fn end(&mut self, api: &Api, _cut_mid_event: bool) -> Result<(), ProviderError> {
        if self.finished {
            Ok(())
        } else {
            Err(api.cut_off("no finishReason"))
        }
    }
}

fn decode_whole(
    api: &Api,
    body: Value,
    events: &mut Vec<ProviderEvent>,
) -> Result<(), ProviderError> {
    // The streaming endpoint without `alt=sse` answers with an array of responses.
    let responses = match body {
        Value::Array(items) => items,
        single => vec![single],
    };
    for response in &responses {
        if response.get("candidates").is_none()
            && response.get("promptFeedback").is_none()
            && response.get("error").is_none()
        {
            return Err(api.malformed("a response", "it has no `candidates`"));
        }
        decode_response(api, response, events)?;
    }
    Ok(())
}

impl Provider for GeminiProvider {
    fn stream(&self, request: ProviderRequest) -> EventStream {
        let body = request_body(&request);
        let model = request.model.trim_start_matches("models/");
        if request.stream {
            let url = self
                .api
                .url(&format!("/models/{model}:streamGenerateContent"));
            let post = self
                .with_key(self.api.client.post(url))
                .query(&[("alt", "sse")])
                .json(&body);
            http::sse_stream(
                self.api.clone(),
                post,
                ChunkDecoder::default(),
                decode_whole,
            )
        } else {
            let url = self.api.url(&format!("/models/{model}:generateContent"));
            let post = self.with_key(self.api.client.post(url)).json(&body);
            http::json_stream(self.api.clone(), post, decode_whole)
        }
    }

    fn list_models(&self) -> BoxFuture<'static, Result<Vec<String>, ProviderError>> {
        let api = self.api.clone();
        let this = self.clone();
        Box::pin(async move {
            let mut models = Vec::new();
            let mut page_token: Option<String> = None;
            // Bounded: a server that keeps handing out page tokens cannot keep us here.
            for _ in 0..20 {
                let mut request = this
                    .with_key(api.client.get(api.url("/models")))
                    .query(&[("pageSize", "1000")]);
                if let Some(token) = &page_token {
                    request = request.query(&[("pageToken", token)]);
                }
                let body = api.send_for_body(request).await?;
                let json: Value =
                    serde_json::from_slice(&body).map_err(|e| api.malformed("a model list", e))?;
                for model in json
                    .get("models")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let generates = match model
                        .get("supportedGenerationMethods")
                        .and_then(Value::as_array)
                    {
                        Some(methods) => methods
                            .iter()
                            .any(|m| m.as_str() == Some("generateContent")),
                        None => true,
                    };
                    if let Some(name) = model.get("name").and_then(Value::as_str) {
                        if generates {
                            models.push(name.trim_start_matches("models/").to_owned());
                        }
                    }
                }
                page_token = json
                    .get("nextPageToken")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned);
                if page_token.is_none() {
                    break;
                }
            }
            Ok(models)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_move_into_generation_config_under_geminis_names() {
        let body = request_body(&ProviderRequest {
            model: "gemini-2.0-flash".into(),
            prompt: "Hi".into(),
            params: json!({"system": "Be brief", "temperature": 0.1, "max_tokens": 20, "stop": "END"}),
            stream: true,
        });
        assert_eq!(
            body["systemInstruction"],
            json!({"parts": [{"text": "Be brief"}]})
        );
        assert_eq!(
            body["contents"],
            json!([{"role": "user", "parts": [{"text": "Hi"}]}])
        );
        assert_eq!(
            body["generationConfig"],
            json!({"temperature": 0.1, "maxOutputTokens": 20, "stopSequences": ["END"]})
        );
    }

    #[test]
    fn only_a_stop_string_becomes_a_list() {
        let body = request_body(&ProviderRequest {
            model: "gemini-2.0-flash".into(),
            prompt: "Hi".into(),
            params: json!({"stop": "END", "responseMimeType": "application/json"}),
            stream: false,
        });
        assert_eq!(body["generationConfig"]["stopSequences"], json!(["END"]));
        assert_eq!(
            body["generationConfig"]["responseMimeType"],
            json!("application/json")
        );
    }

    #[test]
    fn thinking_counts_as_output() {
        let usage = usage_of(&json!({"usageMetadata": {
            "promptTokenCount": 4, "candidatesTokenCount": 10, "thoughtsTokenCount": 5
        }}))
        .unwrap();
        assert_eq!(usage.output_tokens, Some(15));
        assert_eq!(usage.details.reasoning_tokens, Some(5));
    }
}
