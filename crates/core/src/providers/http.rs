//! What the HTTP providers share: one client with a connect timeout, the lazy request-then-stream
//! machinery, and the translation of HTTP statuses, error bodies and connection failures into
//! [`ProviderError`]s a user can act on.

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response, StatusCode};

use super::sse::{SseEvent, SseParser};
use super::{EventStream, ProviderError, ProviderEvent};
use crate::keys::ApiKey;

/// How long to wait for a TCP (and TLS) connection before giving up. The whole run has its own,
/// longer limit, enforced by the runner.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most bytes of an error body read to find the provider's message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The process-wide HTTP client: connection pool, rustls, connect timeout, no overall timeout.
pub(crate) fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .user_agent(concat!("promptline/", env!("CARGO_PKG_VERSION")))
                .tcp_nodelay(true)
                .build()
                .unwrap_or_default()
        })
        .clone()
}

/// Adds the key as header `name`, marked sensitive so that no HTTP-level debug output shows it.
pub(crate) fn with_secret(
    request: RequestBuilder,
    name: &'static str,
    key: &ApiKey,
) -> RequestBuilder {
    match reqwest::header::HeaderValue::from_str(key.expose()) {
        Ok(mut value) => {
            value.set_sensitive(true);
            request.header(name, value)
        }
        // Not a valid header value: sending fails with a builder error, which names no value.
        Err(_) => request.header(name, key.expose()),
    }
}

/// A configured HTTP API: where it is, what it is called, and its key.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    /// The configured provider's name, used in every message (`openai`, `ollama`, ...).
    pub name: String,
    /// The base URL without a trailing slash.
    pub base_url: String,
    /// The key, when the provider has one.
    pub key: Option<ApiKey>,
    /// The environment variable the key may come from, for hints.
    pub key_env: Option<String>,
    /// The shared client.
    pub client: reqwest::Client,
}

impl Api {
    pub(crate) fn new(
        name: &str,
        base_url: &str,
        key: Option<ApiKey>,
        key_env: Option<String>,
    ) -> Self {
        Self {
            name: name.to_owned(),
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            key,
            key_env,
            client: client(),
        }
    }

    /// `base_url` joined with `path` (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Removes anything that looks like the key from text that came from the provider (some
    /// APIs echo part of a wrong key back in their 401 message).
    pub(crate) fn scrub(&self, text: &str) -> String {
        let key = self.key.as_ref().map(ApiKey::expose);
        let mut out = String::with_capacity(text.len());
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let core = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '*');
            let leaks = core.contains("**")
                || key.is_some_and(|key| {
                    core.len() >= 8 && (key.contains(core) || core.contains(key))
                });
            if leaks {
                out.push_str(&word.replace(core, "[redacted]"));
            } else {
                out.push_str(word);
            }
        }
        out
    }

    fn key_hint(&self) -> String {
        let env = self
            .key_env
            .as_deref()
            .map(|var| format!(" or set {var}"))
            .unwrap_or_default();
        if self.key.is_some() {
            format!("Check the key with `promptline key set {}`{env}", self.name)
        } else {
            format!(
                "{} needs an API key: run `promptline key set {}`{env}",
                self.name, self.name
            )
        }
    }

    /// The error for a non-success answer. `body` is the start of the error body.
    pub(crate) fn status_error(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ProviderError {
        let code = status.as_u16();
        let reason = match code {
            529 => "Overloaded",
            _ => status.canonical_reason().unwrap_or("error"),
        };
        let details = ErrorDetails::parse(body);
        let own_words = details
            .message
            .as_deref()
            .map(|m| self.scrub(m.trim()))
            .filter(|m| !m.is_empty());
        let mut message = format!("{} answered {code} {reason}", self.name);
        if let Some(words) = &own_words {
            message.push_str(": ");
            message.push_str(words.trim_end_matches('.'));
        }
        // The whole body counts, not only the message: some servers name the problem only in a
        // code field ("invalid_api_key").
        let mentions_key = points_at_key(&String::from_utf8_lossy(body));
        let hint = match code {
            401 | 403 => Some(self.key_hint()),
            400 if mentions_key => Some(self.key_hint()),
            404 => Some(format!(
                "Check the model name (`promptline models` lists what {} offers) and the base URL {}",
                self.name, self.base_url
            )),
            429 => Some(
                match retry_after(headers).or(details.retry_delay) {
                    Some(wait) => format!("retry after {}", seconds(wait)),
                    None => "wait a moment before trying again".to_owned(),
                },
            ),
            405 | 501 => Some(format!(
                "{} does not offer this endpoint; check the base URL {} and the provider kind",
                self.name, self.base_url
            )),
            529 => Some(format!("{} is overloaded; try again in a moment", self.name)),
            500..=599 => Some(format!(
                "{}'s server failed; try again later",
                self.name
            )),
            _ => None,
        };
        if let Some(hint) = hint {
            message.push_str(if code == 429 { "; " } else { ". " });
            message.push_str(&hint);
        }
        ProviderError {
            http_status: Some(code),
            message,
        }
    }

    /// The error for a request that got no answer at all.
    pub(crate) fn send_error(&self, error: &reqwest::Error) -> ProviderError {
        let chain = error_chain(error);
        let refused = io_kind(error) == Some(std::io::ErrorKind::ConnectionRefused);
        let message = if refused {
            format!(
                "cannot connect to {}: connection refused. Is the server running?",
                self.base_url
            )
        } else if error.is_connect() && error.is_timeout() {
            format!(
                "cannot connect to {}: no answer within {} (connect timeout). Check the address and the network",
                self.base_url,
                seconds(CONNECT_TIMEOUT)
            )
        } else if chain.contains("dns error") {
            format!(
                "cannot connect to {}: the host name does not resolve. Check the base URL with `promptline provider list`",
                self.base_url
            )
        } else if error.is_connect() {
            format!("cannot connect to {}: {chain}", self.base_url)
        } else if error.is_builder() {
            format!(
                "cannot send a request to `{}`: {chain}. Check the base URL with `promptline provider list`",
                self.base_url
            )
        } else {
            format!(
                "{} ({}) closed the connection before answering: {chain}",
                self.name, self.base_url
            )
        };
        ProviderError::new(self.scrub(&message))
    }

    /// The error for a body that broke off after the answer began.
    pub(crate) fn body_error(&self, error: &reqwest::Error) -> ProviderError {
        ProviderError::new(self.scrub(&format!(
            "the connection to {} broke mid-response: {}; the text received so far is kept",
            self.name,
            error_chain(error)
        )))
    }

    /// The error for a body that is not what the API promises.
    pub(crate) fn malformed(&self, what: &str, error: impl std::fmt::Display) -> ProviderError {
        ProviderError::new(format!(
            "{} sent {what} that is not valid JSON for its API ({error}). Is {} really the right kind of API?",
            self.name, self.base_url
        ))
    }

    /// The error for a stream that ended cleanly but too early.
    pub(crate) fn cut_off(&self, missing: &str) -> ProviderError {
        ProviderError::new(format!(
            "the stream from {} ended before the response was complete ({missing}); the text received so far is kept",
            self.name
        ))
    }

    /// Sends `request`; a non-success status becomes an error carrying the provider's words.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<Response, ProviderError> {
        let response = request.send().await.map_err(|e| self.send_error(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let headers = response.headers().clone();
        let body = read_prefix(response, MAX_ERROR_BODY).await;
        Err(self.status_error(status, &headers, &body))
    }

    /// Sends `request` and reads the whole body (for plain, non-streaming calls).
    pub(crate) async fn send_for_body(
        &self,
        request: RequestBuilder,
    ) -> Result<Bytes, ProviderError> {
        let response = self.send(request).await?;
        response.bytes().await.map_err(|e| self.body_error(&e))
    }
}

async fn read_prefix(mut response: Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(limit);
    body
}

/// Whether an error body speaks of the key or of authentication ("Incorrect API key", "invalid
/// x-api-key", "invalid_api_key", "Unauthorized", "authentication failed", a bad token).
fn points_at_key(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    const SIGNS: [&str; 11] = [
        "api key",
        "api_key",
        "apikey",
        "api-key",
        "authenticat",
        "authoriz",
        "credential",
        "invalid key",
        "invalid token",
        "bearer",
        "access token",
    ];
    SIGNS.iter().any(|sign| lower.contains(sign))
}

/// What an error body says, whichever API sent it.
#[derive(Debug, Default)]
struct ErrorDetails {
    message: Option<String>,
    retry_delay: Option<Duration>,
}

impl ErrorDetails {
    /// Understands `{"error": {"message", "type"|"status"}}` (OpenAI, Anthropic, Gemini, most
    /// compatible servers), `{"error": "text"}` and `{"message"|"detail": "text"}`; a body that is
    /// not JSON counts as the message when it is short plain text.
    fn parse(body: &[u8]) -> Self {
        let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let Some(mut json) = json else {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            let plain = !text.is_empty() && !text.starts_with('<') && text.chars().count() <= 300;
            return Self {
                message: plain.then(|| text.to_owned()),
                retry_delay: None,
            };
        };
        // Gemini's streaming endpoint wraps its error in an array.
        if let Some(first) = json.as_array().and_then(|a| a.first()).cloned() {
            json = first;
        }
        let error = json.get("error").unwrap_or(&json);
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
        let message = error
            .as_str()
            .map(str::to_owned)
            .or_else(|| text(error.get("message")))
            .or_else(|| text(json.get("message")))
            .or_else(|| text(json.get("detail")));
        let kind = text(error.get("type")).or_else(|| text(error.get("status")));
        let message = match (message, kind) {
            (Some(m), Some(k)) if !m.contains(&k) => {
                Some(format!("{} ({k})", m.trim().trim_end_matches('.')))
            }
            (Some(m), _) => Some(m),
            (None, Some(k)) => Some(k),
            (None, None) => None,
        };
        let retry_delay = error
            .get("details")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
            .filter_map(|d| d.get("retryDelay").and_then(|v| v.as_str()))
            .find_map(parse_duration_seconds);
        Self {
            message,
            retry_delay,
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date; `retry-after-ms` too.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or_default())
}

/// Google's `"22s"` / `"1.5s"` durations.
fn parse_duration_seconds(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 || secs >= 10.0 {
        format!("{} s", secs.round())
    } else {
        format!("{:.1} s", secs)
    }
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(err) = source {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = err.source();
    }
    if parts.is_empty() {
        // reqwest's own text names the URL; the innermost cause is what matters to people.
        parts.push(error.to_string());
    }
    parts.join(": ")
}

fn io_kind(error: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = err.source();
    }
    None
}

/// Turns the server-sent events of one API into [`ProviderEvent`]s.
pub(crate) trait StreamDecoder: Send + 'static {
    /// Handles one event, appending what it means to `out`.
    fn event(
        &mut self,
        api: &Api,
        event: &SseEvent,
        out: &mut Vec<ProviderEvent>,
    ) -> Result<(), ProviderError>;

    /// Whether the API has said its last word (no need to read further).
    fn done(&self) -> bool;

    /// The body ended; `cut_mid_event` when it stopped inside an event. Fails when the API's
    /// end-of-stream marker never came.
    fn end(&mut self, api: &Api, cut_mid_event: bool) -> Result<(), ProviderError>;
}

struct SseState<D> {
    api: Api,
    whole: BodyDecoder,
    request: Option<RequestBuilder>,
    body: Option<BoxStream<'static, reqwest::Result<Bytes>>>,
    parser: SseParser,
    decoder: D,
    parsed: Vec<SseEvent>,
    queue: VecDeque<Result<ProviderEvent, ProviderError>>,
    finished: bool,
}

/// A stream that sends `request` when first polled, then decodes its SSE body as it arrives.
/// A server that answers with one JSON document instead (some ignore `stream`) is decoded with
/// `whole`, the API's non-streaming decoder.
pub(crate) fn sse_stream<D: StreamDecoder>(
    api: Api,
    request: RequestBuilder,
    decoder: D,
    whole: BodyDecoder,
) -> EventStream {
    let state = SseState {
        api,
        whole,
        request: Some(request),
        body: None,
        parser: SseParser::new(),
        decoder,
        parsed: Vec::new(),
        queue: VecDeque::new(),
        finished: false,
    };
    stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.queue.pop_front() {
                if item.is_err() {
                    st.queue.clear();
                    st.finished = true;
                }
                return Some((item, st));
            }
            if st.finished {
                return None;
            }
            if let Some(request) = st.request.take() {
                match st.api.send(request).await {
                    Ok(response) => match media_type(&response).as_str() {
                        "application/json" => {
                            let mut events = Vec::new();
                            let outcome = decode_body(&st.api, response, st.whole, &mut events).await;
                            st.queue.extend(events.into_iter().map(Ok));
                            if let Err(error) = outcome {
                                st.queue.push_back(Err(error));
                            }
                            st.finished = true;
                        }
                        "text/html" => st.queue.push_back(Err(ProviderError::new(format!(
                            "{} answered with a web page instead of an event stream. Is {} the API's base URL?",
                            st.api.name, st.api.base_url
                        )))),
                        _ => st.body = Some(response.bytes_stream().boxed()),
                    },
                    Err(error) => st.queue.push_back(Err(error)),
                }
                continue;
            }
            let Some(body) = st.body.as_mut() else {
                st.finished = true;
                continue;
            };
            match body.next().await {
                Some(Ok(bytes)) => {
                    st.parser.push(&bytes, &mut st.parsed);
                    let mut events = Vec::new();
                    for event in st.parsed.drain(..) {
                        if let Err(error) = st.decoder.event(&st.api, &event, &mut events) {
                            st.queue.extend(events.drain(..).map(Ok));
                            st.queue.push_back(Err(error));
                            break;
                        }
                        if st.decoder.done() {
                            st.finished = true;
                            break;
                        }
                    }
                    st.queue.extend(events.into_iter().map(Ok));
                    if st.finished {
                        st.body = None;
                    }
                }
                Some(Err(error)) => {
                    st.body = None;
                    st.queue.push_back(Err(st.api.body_error(&error)));
                }
                None => {
                    st.body = None;
                    let cut = st.parser.finish();
                    if let Err(error) = st.decoder.end(&st.api, cut) {
                        st.queue.push_back(Err(error));
                    }
                    st.finished = true;
                }
            }
        }
    })
    .boxed()
}

/// Finds the events in a whole (non-streamed) JSON answer, appending them to `out`; events found
/// before an error are still yielded, ahead of it.
pub(crate) type BodyDecoder =
    fn(&Api, serde_json::Value, &mut Vec<ProviderEvent>) -> Result<(), ProviderError>;

/// The response's media type, lowercased, without parameters.
fn media_type(response: &Response) -> String {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads a whole JSON body and decodes it with `decode`.
async fn decode_body(
    api: &Api,
    response: Response,
    decode: BodyDecoder,
    events: &mut Vec<ProviderEvent>,
) -> Result<(), ProviderError> {
    let body = response.bytes().await.map_err(|e| api.body_error(&e))?;
    let json = serde_json::from_slice(&body).map_err(|e| api.malformed("a response", e))?;
    decode(api, json, events)
}

/// A stream that sends `request` when first polled, reads the whole JSON body and yields the
/// events `decode` finds in it.
pub(crate) fn json_stream(api: Api, request: RequestBuilder, decode: BodyDecoder) -> EventStream {
    stream::once(async move {
        let mut events = Vec::new();
        let outcome = match api.send(request).await {
            Ok(response) => decode_body(&api, response, decode, &mut events).await,
            Err(error) => Err(error),
        };
        let mut items: Vec<Result<ProviderEvent, ProviderError>> =
            events.into_iter().map(Ok).collect();
        if let Err(error) = outcome {
            items.push(Err(error));
        }
        stream::iter(items)
    })
    .flatten()
    .boxed()
}

/// Parses one SSE `data` payload as JSON.
pub(crate) fn event_json(api: &Api, event: &SseEvent) -> Result<serde_json::Value, ProviderError> {
    serde_json::from_str(&event.data).map_err(|e| api.malformed("a stream event", e))
}

/// A JSON integer field as `i64`, if present and a non-negative number.
pub(crate) fn count(value: &serde_json::Value, field: &str) -> Option<i64> {
    value
        .get(field)
        .and_then(serde_json::Value::as_i64)
        .filter(|n| *n >= 0)
}

/// Builds the request body from the user's generation parameters: every key of `params` except
/// those in `skip` is copied into `body` (after `rename`), unless `body` already has it.
pub(crate) fn merge_params(
    body: &mut serde_json::Map<String, serde_json::Value>,
    params: &serde_json::Value,
    skip: &[&str],
) {
    if let Some(params) = params.as_object() {
        for (key, value) in params {
            if !skip.contains(&key.as_str()) && !body.contains_key(key) {
                body.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The user's `system` parameter, when it is non-empty text.
pub(crate) fn system_prompt(params: &serde_json::Value) -> Option<String> {
    params
        .get("system")
        .and_then(|v| v.as_str())
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn api(key: Option<&str>) -> Api {
        Api::new(
            "openai",
            "https://api.example.test/v1/",
            key.and_then(ApiKey::new),
            Some("OPENAI_API_KEY".into()),
        )
    }

    #[test]
    fn a_bad_request_about_the_key_keeps_the_servers_words_and_adds_the_key_hint() {
        let api = api(Some("sk-abcdefghijklmnop"));
        for body in [
            &br#"{"error":{"message":"invalid x-api-key header"}}"#[..],
            br#"{"error":{"message":"bad request","code":"invalid_api_key"}}"#,
            br#"{"detail":"Authentication failed"}"#,
        ] {
            let err = api.status_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), body);
            assert!(
                err.message.starts_with("openai answered 400 Bad Request: "),
                "{}",
                err.message
            );
            assert!(
                err.message
                    .contains("Check the key with `promptline key set openai`"),
                "{}",
                err.message
            );
        }
        // Nothing in it points at the key: the server's words alone.
        let err = api.status_error(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            b"No connected db",
        );
        assert_eq!(
            err.message,
            "openai answered 400 Bad Request: No connected db"
        );
    }

    #[test]
    fn status_errors_carry_the_providers_words_and_a_hint() {
        let api = api(Some("sk-abcdefghijklmnop"));
        let body = br#"{"error":{"message":"Incorrect API key provided: sk-abcde*****mnop.","type":"invalid_request_error","code":"invalid_api_key"}}"#;
        let err = api.status_error(StatusCode::UNAUTHORIZED, &HeaderMap::new(), body);
        assert_eq!(err.http_status, Some(401));
        assert!(
            err.message
                .starts_with("openai answered 401 Unauthorized: Incorrect API key provided"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("promptline key set openai"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("sk-abcde"), "{}", err.message);

        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("20"));
        let err = api.status_error(
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            br#"{"error":{"message":"Rate limit reached"}}"#,
        );
        assert!(
            err.message
                .ends_with("Rate limit reached; retry after 20 s"),
            "{}",
            err.message
        );

        let err = api.status_error(StatusCode::from_u16(529).unwrap(), &HeaderMap::new(), b"");
        assert!(
            err.message.starts_with("openai answered 529 Overloaded."),
            "{}",
            err.message
        );
    }

    #[test]
    fn google_retry_info_and_plain_bodies() {
        let api = api(None);
        let body = br#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"22s"}]}}"#;
        let err = api.status_error(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), body);
        assert!(
            err.message
                .contains("Quota exceeded (RESOURCE_EXHAUSTED); retry after 22 s"),
            "{}",
            err.message
        );
        let err = api.status_error(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"upstream down\n",
        );
        assert!(
            err.message
                .starts_with("openai answered 502 Bad Gateway: upstream down. "),
            "{}",
            err.message
        );
        let err = api.status_error(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>..</html>",
        );
        assert!(
            err.message.starts_with("openai answered 502 Bad Gateway. "),
            "{}",
            err.message
        );
    }

    #[test]
    fn retry_after_as_http_date() {
        let mut headers = HeaderMap::new();
        let at = chrono::Utc::now() + chrono::Duration::seconds(90);
        let value = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        headers.insert("retry-after", HeaderValue::from_str(&value).unwrap());
        let wait = retry_after(&headers).unwrap().as_secs();
        assert!((85..=90).contains(&wait), "{wait}");
    }

    #[test]
    fn scrub_removes_the_key_and_masked_keys() {
        let api = api(Some("sk-live-0123456789"));
        let text = api.scrub("bad key sk-live-0123456789, also sk-li****6789 and sk-live-012345.");
        assert!(!text.contains("0123"), "{text}");
        assert!(!text.contains("****"), "{text}");
        assert!(
            text.starts_with("bad key [redacted], also [redacted] and [redacted]."),
            "{text}"
        );
    }
}
