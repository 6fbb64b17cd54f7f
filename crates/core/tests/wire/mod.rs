//! What the provider stories share: a local HTTP/1.1 server that answers byte for byte as told
//! (SSE included, in chunked transfer encoding like the real APIs), each API's wire format, and
//! scenarios every API must pass, each checking what the history holds afterwards.

#![allow(dead_code, missing_docs)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use promptline_core::keys::{ApiKey, KeySource};
use promptline_core::providers::{self, ModelRef, NewProvider, ProviderConfig, ProviderKind};
use promptline_core::runner::{self, RunSpec};
use promptline_core::{Run, RunStatus, Store};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `POST`, `GET`, ...
    pub method: String,
    /// Path and query, e.g. `/v1/chat/completions`.
    pub target: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// One step of an answer.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes (one chunk when chunked).
    Send(Vec<u8>),
    /// Pause.
    Wait(Duration),
}

/// How an answer ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The body ends properly.
    Complete,
    /// The connection drops without ending the body.
    Abort,
    /// Nothing more is ever sent, and the connection stays open.
    Hang,
}

/// What the server answers to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status; `None` sends nothing at all (not even headers).
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub steps: Vec<Step>,
    pub ending: Ending,
    /// Chunked transfer encoding (streams) or a Content-Length (plain bodies).
    pub chunked: bool,
}

impl Reply {
    /// A JSON body with a Content-Length.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status: Some(status),
            headers: vec![("content-type".into(), "application/json".into())],
            steps: vec![Step::Send(body.into().into_bytes())],
            ending: Ending::Complete,
            chunked: false,
        }
    }

    /// A 200 event stream, one chunk per event.
    pub fn sse(events: impl IntoIterator<Item = String>) -> Self {
        Self {
            status: Some(200),
            headers: vec![
                ("content-type".into(), "text/event-stream".into()),
                ("cache-control".into(), "no-cache".into()),
            ],
            steps: events
                .into_iter()
                .map(|e| Step::Send(e.into_bytes()))
                .collect(),
            ending: Ending::Complete,
            chunked: true,
        }
    }

    /// Reads the request and never answers.
    pub fn silence() -> Self {
        Self {
            status: None,
            headers: Vec::new(),
            steps: Vec::new(),
            ending: Ending::Hang,
            chunked: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn ending(mut self, ending: Ending) -> Self {
        self.ending = ending;
        self
    }

    /// Inserts a pause before step `index`.
    pub fn wait_before(mut self, index: usize, pause: Duration) -> Self {
        self.steps.insert(index, Step::Wait(pause));
        self
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A server on 127.0.0.1 that answers every request with what `handler` says, and remembers the
/// requests.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, handler, seen).await;
                });
            }
        });
        Self {
            url,
            requests,
            task,
        }
    }

    /// Always answers `reply`.
    pub async fn always(reply: Reply) -> Self {
        Self::start(move |_| reply.clone()).await
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(
    mut socket: TcpStream,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Recorded>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let request = Recorded {
        method,
        target,
        headers,
        body,
    };
    let reply = handler(&request);
    seen.lock().unwrap().push(request);

    let Some(status) = reply.status else {
        std::future::pending::<()>().await;
        return Ok(());
    };
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if reply.chunked {
        head.push_str("transfer-encoding: chunked\r\n");
    } else {
        let total: usize = reply
            .steps
            .iter()
            .map(|s| match s {
                Step::Send(b) => b.len(),
                Step::Wait(_) => 0,
            })
            .sum();
        head.push_str(&format!("content-length: {total}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    socket.write_all(head.as_bytes()).await?;
    socket.flush().await?;
    for step in &reply.steps {
        match step {
            Step::Wait(pause) => tokio::time::sleep(*pause).await,
            Step::Send(bytes) if reply.chunked => {
                let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
                framed.extend_from_slice(bytes);
                framed.extend_from_slice(b"\r\n");
                socket.write_all(&framed).await?;
                socket.flush().await?;
            }
            Step::Send(bytes) => {
                socket.write_all(bytes).await?;
                socket.flush().await?;
            }
        }
    }
    match reply.ending {
        Ending::Complete => {
            if reply.chunked {
                socket.write_all(b"0\r\n\r\n").await?;
            }
            socket.shutdown().await?;
        }
        Ending::Abort => {
            // Drop without the terminating chunk: the body is cut off.
        }
        Ending::Hang => std::future::pending::<()>().await,
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        529 => "Overloaded",
        _ => "Whatever",
    }
}

/// A key source that hands every provider the same key (or none).
pub struct FixedKey(pub Option<String>);

impl KeySource for FixedKey {
    fn key_for(&self, _provider: &ProviderConfig) -> promptline_core::Result<Option<ApiKey>> {
        Ok(self.0.clone().and_then(ApiKey::new))
    }
}

/// The key the stories use.
pub const TEST_KEY: &str = "sk-test-0123456789abcdef";

/// A history database in a fresh temporary folder, opened as the app opens it.
pub async fn file_store() -> (tempfile::TempDir, Store, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("promptline.db");
    let store = Store::open(&path).await.unwrap();
    (dir, store, path)
}

/// The model name the stories run.
pub fn model_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::OpenAi => "gpt-test",
        ProviderKind::Anthropic => "claude-test",
        ProviderKind::Gemini => "gemini-test",
        ProviderKind::Echo => "echo",
    }
}

/// The base URL a provider of `kind` is configured with when its server is at `server`.
pub fn base_url(kind: ProviderKind, server: &str) -> String {
    match kind {
        ProviderKind::OpenAi => format!("{server}/v1"),
        ProviderKind::Gemini => format!("{server}/v1beta"),
        _ => server.to_owned(),
    }
}

/// The path a run's request goes to.
pub fn request_path(kind: ProviderKind, stream: bool) -> String {
    match (kind, stream) {
        (ProviderKind::OpenAi, _) => "/v1/chat/completions".into(),
        (ProviderKind::Anthropic, _) => "/v1/messages".into(),
        (ProviderKind::Gemini, true) => {
            "/v1beta/models/gemini-test:streamGenerateContent?alt=sse".into()
        }
        (ProviderKind::Gemini, false) => "/v1beta/models/gemini-test:generateContent".into(),
        (ProviderKind::Echo, _) => String::new(),
    }
}

/// Configures a provider called `name` at the server and returns its model address.
pub async fn configure(
    store: &Store,
    name: &str,
    kind: ProviderKind,
    server: &TestServer,
) -> ModelRef {
    store
        .add_provider(&NewProvider {
            name: name.into(),
            kind,
            base_url: base_url(kind, &server.url),
            key_env: None,
        })
        .await
        .unwrap();
    ModelRef::parse(&format!("{name}/{}", model_name(kind))).unwrap()
}

/// Runs `prompt` on `model` (resolved through the store, keyed with [`TEST_KEY`]) and returns
/// the recorded run.
pub async fn run(
    store: &Store,
    model: &ModelRef,
    prompt: &str,
    stream: bool,
    timeout: Duration,
) -> Run {
    run_with(
        store,
        model,
        prompt,
        stream,
        timeout,
        CancellationToken::new(),
        |_| {},
    )
    .await
}

pub async fn run_with(
    store: &Store,
    model: &ModelRef,
    prompt: &str,
    stream: bool,
    timeout: Duration,
    cancel: CancellationToken,
    on_event: impl FnMut(&providers::ProviderEvent) + Send,
) -> Run {
    let provider = providers::for_model(store, &FixedKey(Some(TEST_KEY.into())), model)
        .await
        .unwrap();
    let mut spec = RunSpec::new(prompt, model.clone());
    spec.stream = stream;
    spec.timeout = timeout;
    spec.params = json!({"temperature": 0.5});
    runner::execute(store, provider, spec, cancel, on_event)
        .await
        .unwrap()
}

pub const LONG: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Each API's wire format.

/// The events of a streamed answer made of `texts`, with `usage` (input, output) when given,
/// ending as the API ends a complete answer.
pub fn stream_events(kind: ProviderKind, texts: &[&str], usage: Option<(i64, i64)>) -> Vec<String> {
    let mut events = Vec::new();
    match kind {
        ProviderKind::OpenAi => {
            let chunk = |delta: Value, finish: Value, usage: Value| {
                let choices = if delta.is_null() {
                    json!([])
                } else {
                    json!([{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}])
                };
                format!(
                    "data: {}\n\n",
                    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1732406400,
                           "model": "gpt-test", "system_fingerprint": "fp_1", "choices": choices, "usage": usage})
                )
            };
            events.push(chunk(
                json!({"role": "assistant", "content": "", "refusal": null}),
                Value::Null,
                Value::Null,
            ));
            for text in texts {
                events.push(chunk(json!({"content": text}), Value::Null, Value::Null));
            }
            events.push(chunk(json!({}), json!("stop"), Value::Null));
            if let Some((input, output)) = usage {
                events.push(chunk(
                    Value::Null,
                    Value::Null,
                    json!({"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output,
                           "prompt_tokens_details": {"cached_tokens": 0}}),
                ));
            }
            events.push("data: [DONE]\n\n".into());
        }
        ProviderKind::Anthropic => {
            let event = |name: &str, data: Value| format!("event: {name}\ndata: {data}\n\n");
            let mut message = json!({"id": "msg_1", "type": "message", "role": "assistant", "content": [],
                "model": "claude-test", "stop_reason": null, "stop_sequence": null});
            if let Some((input, _)) = usage {
                message["usage"] = json!({"input_tokens": input, "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0, "output_tokens": 1});
            }
            events.push(event(
                "message_start",
                json!({"type": "message_start", "message": message}),
            ));
            events.push(event(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ));
            events.push(event("ping", json!({"type": "ping"})));
            for text in texts {
                events.push(event(
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}),
                ));
            }
            events.push(event(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 0}),
            ));
            let mut delta = json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}});
            if let Some((_, output)) = usage {
                delta["usage"] = json!({"output_tokens": output});
            }
            events.push(event("message_delta", delta));
            events.push(event("message_stop", json!({"type": "message_stop"})));
        }
        ProviderKind::Gemini => {
            // Google ends its SSE lines with CRLF.
            let last = texts.len().saturating_sub(1);
            for (i, text) in texts.iter().enumerate() {
                let mut candidate =
                    json!({"content": {"parts": [{"text": text}], "role": "model"}, "index": 0});
                let mut chunk = json!({"modelVersion": "gemini-test", "responseId": "r1"});
                if i == last {
                    candidate["finishReason"] = json!("STOP");
                }
                chunk["candidates"] = json!([candidate]);
                if let Some((input, output)) = usage {
                    chunk["usageMetadata"] = if i == last {
                        json!({"promptTokenCount": input, "candidatesTokenCount": output,
                               "totalTokenCount": input + output,
                               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": input}]})
                    } else {
                        json!({"promptTokenCount": input, "totalTokenCount": input})
                    };
                }
                events.push(format!("data: {chunk}\r\n\r\n"));
            }
        }
        ProviderKind::Echo => {}
    }
    events
}

/// A complete non-streamed answer.
pub fn full_body(kind: ProviderKind, text: &str, usage: Option<(i64, i64)>) -> String {
    let body = match kind {
        ProviderKind::OpenAi => {
            let mut body = json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1732406400,
                "model": "gpt-test", "choices": [{"index": 0,
                "message": {"role": "assistant", "content": text, "refusal": null},
                "logprobs": null, "finish_reason": "length"}]});
            if let Some((input, output)) = usage {
                body["usage"] = json!({"prompt_tokens": input, "completion_tokens": output,
                    "total_tokens": input + output});
            }
            body
        }
        ProviderKind::Anthropic => {
            let mut body = json!({"id": "msg_1", "type": "message", "role": "assistant",
                "content": [{"type": "text", "text": text}], "model": "claude-test",
                "stop_reason": "max_tokens", "stop_sequence": null});
            if let Some((input, output)) = usage {
                body["usage"] = json!({"input_tokens": input, "output_tokens": output});
            }
            body
        }
        ProviderKind::Gemini => {
            let mut body = json!({"candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": "MAX_TOKENS", "index": 0}], "modelVersion": "gemini-test"});
            if let Some((input, output)) = usage {
                body["usageMetadata"] = json!({"promptTokenCount": input,
                    "candidatesTokenCount": output, "totalTokenCount": input + output});
            }
            body
        }
        ProviderKind::Echo => json!({}),
    };
    body.to_string()
}

/// The stop reason the API reports for [`stream_events`] and for [`full_body`].
pub fn stop_reasons(kind: ProviderKind) -> (&'static str, &'static str) {
    match kind {
        ProviderKind::OpenAi => ("stop", "length"),
        ProviderKind::Anthropic => ("end_turn", "max_tokens"),
        ProviderKind::Gemini => ("STOP", "MAX_TOKENS"),
        ProviderKind::Echo => ("stop", "stop"),
    }
}

/// The API's error body for `status`.
pub fn error_body(kind: ProviderKind, status: u16, message: &str) -> String {
    match kind {
        ProviderKind::OpenAi => {
            let (kind, code) = match status {
                401 => ("invalid_request_error", json!("invalid_api_key")),
                404 => ("invalid_request_error", json!("model_not_found")),
                429 => ("requests", json!("rate_limit_exceeded")),
                _ => ("server_error", Value::Null),
            };
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
        }
        ProviderKind::Anthropic => {
            let kind = match status {
                401 => "authentication_error",
                404 => "not_found_error",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"})
        }
        ProviderKind::Gemini => {
            let status_name = match status {
                400 => "INVALID_ARGUMENT",
                401 => "UNAUTHENTICATED",
                404 => "NOT_FOUND",
                429 => "RESOURCE_EXHAUSTED",
                _ => "INTERNAL",
            };
            json!({"error": {"code": status, "message": message, "status": status_name}})
        }
        ProviderKind::Echo => json!({}),
    }
    .to_string()
}

// ---------------------------------------------------------------------------------------------
// Scenarios every API passes.

/// A streamed answer: text, usage, stop reason, timings, and what was sent.
pub async fn streamed_answer_is_recorded(kind: ProviderKind) {
    let server = TestServer::always(Reply::sse(stream_events(
        kind,
        &["Hello", ", ", "world!"],
        Some((12, 3)),
    )))
    .await;
    let (_dir, store, _) = file_store().await;
    let model = configure(&store, "remote", kind, &server).await;
    let mut seen = String::new();
    let run = run_with(
        &store,
        &model,
        "Say hello",
        true,
        LONG,
        CancellationToken::new(),
        |event| {
            if let providers::ProviderEvent::Text { text } = event {
                seen.push_str(text);
            }
        },
    )
    .await;

    let stored = store.run(&run.summary.id).await.unwrap();
    assert_eq!(stored, run);
    assert_eq!(
        stored.summary.status,
        RunStatus::Success,
        "{:?}",
        stored.summary.error_message
    );
    assert_eq!(stored.response, "Hello, world!");
    assert_eq!(seen, "Hello, world!");
    assert_eq!(stored.summary.provider, "remote");
    assert_eq!(stored.summary.model, model_name(kind));
    assert_eq!(stored.summary.input_tokens, Some(12));
    assert_eq!(stored.summary.output_tokens, Some(3));
    assert_eq!(stored.summary.tokens_used, Some(15));
    assert_eq!(stored.stop_reason.as_deref(), Some(stop_reasons(kind).0));
    assert_eq!(stored.summary.error_message, None);
    assert_eq!(stored.prompt_text, "Say hello");
    assert!(stored.summary.ttft_ms.is_some());
    assert!(stored.summary.execution_time_ms >= stored.summary.ttft_ms);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].target, request_path(kind, true));
    check_request(kind, &requests[0], true);
}

/// What each API's request must carry: the key where the API wants it, the prompt, the params.
fn check_request(kind: ProviderKind, request: &Recorded, stream: bool) {
    let body = request.json();
    match kind {
        ProviderKind::OpenAi => {
            assert_eq!(
                request.header("authorization"),
                Some(format!("Bearer {TEST_KEY}").as_str())
            );
            assert_eq!(body["model"], "gpt-test");
            assert_eq!(
                body["messages"],
                json!([{"role": "user", "content": "Say hello"}])
            );
            assert_eq!(body["stream"], json!(stream));
            assert_eq!(body["temperature"], json!(0.5));
            if stream {
                assert_eq!(body["stream_options"], json!({"include_usage": true}));
            }
        }
        ProviderKind::Anthropic => {
            assert_eq!(request.header("x-api-key"), Some(TEST_KEY));
            assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
            assert_eq!(body["model"], "claude-test");
            assert_eq!(
                body["messages"],
                json!([{"role": "user", "content": "Say hello"}])
            );
            assert_eq!(body["max_tokens"], json!(4096));
            assert_eq!(body["temperature"], json!(0.5));
            assert_eq!(
                body.get("stream").cloned().unwrap_or(json!(false)),
                json!(stream)
            );
        }
        ProviderKind::Gemini => {
            assert_eq!(request.header("x-goog-api-key"), Some(TEST_KEY));
            assert!(!request.target.contains(TEST_KEY));
            assert_eq!(
                body["contents"],
                json!([{"role": "user", "parts": [{"text": "Say hello"}]}])
            );
            assert_eq!(body["generationConfig"], json!({"temperature": 0.5}));
        }
        ProviderKind::Echo => {}
    }
    assert_eq!(request.header("content-type"), Some("application/json"));
}

/// The plain (non-streaming) call records the same fields.
pub async fn plain_answer_is_recorded(kind: ProviderKind) {
    let server = TestServer::always(Reply::json(
        200,
        full_body(kind, "Hello, world!", Some((7, 4))),
    ))
    .await;
    let (_dir, store, _) = file_store().await;
    let model = configure(&store, "remote", kind, &server).await;
    let run = run(&store, &model, "Say hello", false, LONG).await;
    let stored = store.run(&run.summary.id).await.unwrap();
    assert_eq!(
        stored.summary.status,
        RunStatus::Success,
        "{:?}",
        stored.summary.error_message
    );
    assert_eq!(stored.response, "Hello, world!");
    assert_eq!(
        (
            stored.summary.input_tokens,
            stored.summary.output_tokens,
            stored.summary.tokens_used
        ),
        (Some(7), Some(4), Some(11))
    );
    assert_eq!(stored.stop_reason.as_deref(), Some(stop_reasons(kind).1));
    assert!(stored.summary.ttft_ms.is_some());
    let requests = server.requests();
    assert_eq!(requests[0].target, request_path(kind, false));
    check_request(kind, &requests[0], false);
}

/// No usage reported, streamed or not: the token columns stay NULL.
pub async fn missing_usage_stays_null(kind: ProviderKind) {
    let (_dir, store, path) = file_store().await;
    let streamed = TestServer::always(Reply::sse(stream_events(kind, &["a", "b"], None))).await;
    let plain = TestServer::always(Reply::json(200, full_body(kind, "ab", None))).await;
    let streamed_model = configure(&store, "streamed", kind, &streamed).await;
    let plain_model = configure(&store, "plain", kind, &plain).await;
    for (model, stream) in [(&streamed_model, true), (&plain_model, false)] {
        let run = run(&store, model, "x", stream, LONG).await;
        let stored = store.run(&run.summary.id).await.unwrap();
        assert_eq!(
            stored.summary.status,
            RunStatus::Success,
            "{:?}",
            stored.summary.error_message
        );
        assert_eq!(stored.response, "ab");
        assert_eq!(
            (
                stored.summary.input_tokens,
                stored.summary.output_tokens,
                stored.summary.tokens_used
            ),
            (None, None, None),
            "stream: {stream}"
        );
    }
    // NULL in the file itself, not a zero.
    let db = sqlx_count_null_tokens(&path).await;
    assert_eq!(db, 2);
}

async fn sqlx_count_null_tokens(path: &std::path::Path) -> i64 {
    let store = Store::open(path).await.unwrap();
    let filter = promptline_core::RunFilter::default();
    let page = store.runs_page(&filter, None, 100).await.unwrap();
    page.items
        .iter()
        .filter(|r| {
            r.tokens_used.is_none() && r.input_tokens.is_none() && r.output_tokens.is_none()
        })
        .count() as i64
}

/// One HTTP failure and what its recorded message must say.
pub struct Failure {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(&'static str, &'static str)>,
    pub expect: Vec<String>,
}

/// 401, 404, 429 with Retry-After, 500 (and whatever `extra` adds), streamed and not: each is
/// one error run with the status and the provider's words.
pub async fn http_errors_are_recorded(kind: ProviderKind, extra: Vec<Failure>) {
    let mut failures = vec![
        Failure {
            status: 401,
            body: error_body(kind, 401, "Incorrect API key provided"),
            headers: vec![],
            expect: vec![
                "remote answered 401 Unauthorized: Incorrect API key provided".into(),
                "promptline key set remote".into(),
            ],
        },
        Failure {
            status: 404,
            body: error_body(kind, 404, "The model `nope` does not exist"),
            headers: vec![],
            expect: vec![
                "remote answered 404 Not Found: The model `nope` does not exist".into(),
                "promptline models".into(),
            ],
        },
        Failure {
            status: 429,
            body: error_body(kind, 429, "Rate limit reached for requests"),
            headers: vec![("retry-after", "20")],
            expect: vec![
                "remote answered 429 Too Many Requests: Rate limit reached for requests".into(),
                "retry after 20 s".into(),
            ],
        },
        Failure {
            status: 500,
            body: error_body(
                kind,
                500,
                "The server had an error while processing your request",
            ),
            headers: vec![],
            expect: vec![
                "remote answered 500 Internal Server Error: The server had an error".into(),
                "try again later".into(),
            ],
        },
    ];
    failures.extend(extra);
    let (_dir, store, _) = file_store().await;
    for (i, failure) in failures.iter().enumerate() {
        let mut reply = Reply::json(failure.status, failure.body.clone());
        for (name, value) in &failure.headers {
            reply = reply.header(name, value);
        }
        let server = TestServer::always(reply).await;
        let name = "remote";
        store.remove_provider(name).await.ok();
        let model = configure(&store, name, kind, &server).await;
        for stream in [true, false] {
            let run = run(&store, &model, &format!("attempt {i}"), stream, LONG).await;
            let stored = store.run(&run.summary.id).await.unwrap();
            assert_eq!(stored.summary.status, RunStatus::Error);
            assert_eq!(stored.response, "");
            assert_eq!(stored.summary.tokens_used, None);
            let message = stored.summary.error_message.clone().unwrap();
            for expected in &failure.expect {
                assert!(
                    message.contains(expected.as_str()),
                    "{message:?} lacks {expected:?}"
                );
            }
            assert!(!message.contains(TEST_KEY));
            assert_preview_of(&stored.summary.preview, &message);
        }
        // What the server received, not what was recorded: a retry would be a second request.
        assert_eq!(
            server.requests().len(),
            2,
            "{}: one request per run (streamed and not), no retries",
            failure.status
        );
    }
    let all = store
        .count_runs(&promptline_core::RunFilter::default())
        .await
        .unwrap();
    assert_eq!(
        all as usize,
        failures.len() * 2,
        "one run per attempt, no retries"
    );
}

/// A list's preview of an error run, worked out here rather than by the code under test: the
/// message's words with single spaces, whole when they fit in 160 characters (with room for the
/// ellipsis), otherwise the words that fit and an ellipsis.
fn assert_preview_of(preview: &str, message: &str) {
    let words: Vec<&str> = message.split_whitespace().collect();
    let whole = words.join(" ");
    assert!(!whole.is_empty(), "an error run says why");
    if whole.chars().count() < 160 {
        assert_eq!(preview, whole);
    } else {
        let cut = preview
            .strip_suffix('…')
            .unwrap_or_else(|| panic!("{preview:?} is cut with an ellipsis"));
        assert!(cut.chars().count() <= 160, "{preview:?} is too long");
        assert!(
            whole.starts_with(cut) && whole[cut.len()..].starts_with(' '),
            "{preview:?} is whole words of {whole:?}"
        );
        let next = whole[cut.len() + 1..].split(' ').next().unwrap();
        assert!(
            cut.chars().count() + 1 + next.chars().count() > 159,
            "{preview:?} stops before a word that fits"
        );
    }
}

/// A body that is not the API's JSON, streamed (after some good text) and not.
pub async fn malformed_json_is_an_error(kind: ProviderKind) {
    let (_dir, store, _) = file_store().await;
    let mut events = stream_events(kind, &["good ", "text"], Some((1, 1)));
    // Keep the opening events and the text, then a broken event.
    let keep = match kind {
        ProviderKind::OpenAi => 3,
        ProviderKind::Anthropic => 5,
        _ => 1,
    };
    events.truncate(keep);
    events.push(if kind == ProviderKind::Gemini {
        "data: {\"candidates\": [\r\n\r\n".into()
    } else {
        "data: {\"choices\": [\n\n".into()
    });
    let streamed = TestServer::always(Reply::sse(events)).await;
    let plain = TestServer::always(Reply::json(200, "{\"id\": \"x\", ")).await;
    let streamed_model = configure(&store, "streamed", kind, &streamed).await;
    let plain_model = configure(&store, "plain", kind, &plain).await;

    let run_a = run(&store, &streamed_model, "x", true, LONG).await;
    assert_eq!(run_a.summary.status, RunStatus::Error);
    let expected_text = if kind == ProviderKind::Gemini {
        "good "
    } else {
        "good text"
    };
    assert_eq!(run_a.response, expected_text);
    let message = run_a.summary.error_message.unwrap();
    assert!(
        message.contains("streamed sent a stream event that is not valid JSON"),
        "{message}"
    );

    let run_b = run(&store, &plain_model, "x", false, LONG).await;
    assert_eq!(run_b.summary.status, RunStatus::Error);
    let message = run_b.summary.error_message.unwrap();
    assert!(
        message.contains("plain sent a response that is not valid JSON"),
        "{message}"
    );
}

/// The connection drops mid-stream, or the stream ends cleanly but too early: an error run that
/// keeps the text received.
pub async fn cut_off_stream_keeps_partial_text(kind: ProviderKind) {
    let (_dir, store, _) = file_store().await;
    let mut events = stream_events(kind, &["first ", "second ", "third"], Some((5, 5)));
    let keep = match kind {
        ProviderKind::OpenAi => 3,
        ProviderKind::Anthropic => 5,
        _ => 2,
    };
    events.truncate(keep);
    let dropped = TestServer::always(Reply::sse(events.clone()).ending(Ending::Abort)).await;
    // A clean end in the middle of an event.
    let mut half = events.clone();
    half.push("data: {\"partial\": ".into());
    let ended = TestServer::always(Reply::sse(half)).await;
    let dropped_model = configure(&store, "dropped", kind, &dropped).await;
    let ended_model = configure(&store, "ended", kind, &ended).await;

    let run_a = run(&store, &dropped_model, "x", true, LONG).await;
    let stored = store.run(&run_a.summary.id).await.unwrap();
    assert_eq!(stored.summary.status, RunStatus::Error);
    assert_eq!(stored.response, "first second ");
    let message = stored.summary.error_message.unwrap();
    assert!(
        message.contains("the connection to dropped broke mid-response"),
        "{message}"
    );

    let run_b = run(&store, &ended_model, "x", true, LONG).await;
    let stored = store.run(&run_b.summary.id).await.unwrap();
    assert_eq!(stored.summary.status, RunStatus::Error);
    assert_eq!(stored.response, "first second ");
    let message = stored.summary.error_message.unwrap();
    assert!(
        message.contains("the stream from ended ended before the response was complete"),
        "{message}"
    );
}

/// A server that accepts the request and never answers: a timeout run after the limit.
pub async fn silent_server_times_out(kind: ProviderKind) {
    let server = TestServer::always(Reply::silence()).await;
    let (_dir, store, _) = file_store().await;
    let model = configure(&store, "remote", kind, &server).await;
    for stream in [true, false] {
        let started = std::time::Instant::now();
        let run = run(&store, &model, "x", stream, Duration::from_millis(300)).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        let stored = store.run(&run.summary.id).await.unwrap();
        assert_eq!(stored.summary.status, RunStatus::Timeout);
        assert_eq!(stored.response, "");
        assert_eq!(stored.summary.ttft_ms, None);
        let elapsed = stored.summary.execution_time_ms.unwrap();
        assert!((300..3000).contains(&elapsed), "{elapsed}");
        assert!(stored
            .summary
            .error_message
            .unwrap()
            .contains("timed out after 300 ms"));
    }
}

/// A stream that times out after some text keeps it.
pub async fn timeout_mid_stream_keeps_partial_text(kind: ProviderKind) {
    let mut events = stream_events(kind, &["partial ", "answer"], Some((1, 1)));
    let keep = match kind {
        ProviderKind::OpenAi => 2,
        ProviderKind::Anthropic => 4,
        _ => 1,
    };
    events.truncate(keep);
    let server = TestServer::always(Reply::sse(events).ending(Ending::Hang)).await;
    let (_dir, store, _) = file_store().await;
    let model = configure(&store, "remote", kind, &server).await;
    let run = run(&store, &model, "x", true, Duration::from_millis(400)).await;
    let stored = store.run(&run.summary.id).await.unwrap();
    assert_eq!(stored.summary.status, RunStatus::Timeout);
    assert_eq!(stored.response, "partial ");
    assert!(stored.summary.ttft_ms.is_some());
}

/// Headers at once, the first token after a pause: ttft measures the pause.
pub async fn slow_first_token_is_measured(kind: ProviderKind) {
    let pause = Duration::from_millis(350);
    let events = stream_events(kind, &["late", " token"], Some((1, 2)));
    let first_text = match kind {
        ProviderKind::OpenAi => 1,
        ProviderKind::Anthropic => 3,
        _ => 0,
    };
    let server = TestServer::always(Reply::sse(events).wait_before(first_text, pause)).await;
    let (_dir, store, _) = file_store().await;
    let model = configure(&store, "remote", kind, &server).await;
    let run = run(&store, &model, "x", true, LONG).await;
    let stored = store.run(&run.summary.id).await.unwrap();
    assert_eq!(
        stored.summary.status,
        RunStatus::Success,
        "{:?}",
        stored.summary.error_message
    );
    assert_eq!(stored.response, "late token");
    let ttft = stored.summary.ttft_ms.unwrap();
    assert!(ttft >= pause.as_millis() as i64, "ttft {ttft} ms");
    assert!(ttft < 3000, "ttft {ttft} ms");
    assert!(stored.summary.execution_time_ms.unwrap() >= ttft);
}

/// The user cancels after the first text: a cancelled run keeping that text.
pub async fn cancellation_keeps_partial_text(kind: ProviderKind) {
    let events = stream_events(kind, &["kept ", "never"], Some((1, 2)));
    let second_text = match kind {
        ProviderKind::OpenAi => 2,
        ProviderKind::Anthropic => 4,
        _ => 1,
    };
    let server =
        TestServer::always(Reply::sse(events).wait_before(second_text, Duration::from_secs(30)))
            .await;
    let (_dir, store, _) = file_store().await;
    let model = configure(&store, "remote", kind, &server).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let started = std::time::Instant::now();
    let run = run_with(&store, &model, "x", true, LONG, cancel, move |event| {
        if matches!(event, providers::ProviderEvent::Text { .. }) {
            trigger.cancel();
        }
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let stored = store.run(&run.summary.id).await.unwrap();
    assert_eq!(stored.summary.status, RunStatus::Cancelled);
    assert_eq!(stored.response, "kept ");
    assert_eq!(
        stored.summary.error_message.as_deref(),
        Some("cancelled by the user")
    );
}

/// A streaming run's partial answer is written once 64 KiB have come since the last write (or a
/// second has passed), not at every piece: 10 KB and a pause leave nothing written; 60 KB more make
/// the stored partial 70 KB, before the answer ends.
pub async fn partial_answer_is_written_by_size_not_at_every_piece(kind: ProviderKind) {
    let small = "s".repeat(10_000);
    let large = "l".repeat(60_000);
    let events = stream_events(kind, &[&small, &large, "zzfinal"], Some((1, 2)));
    let at = |needle: &str| events.iter().position(|e| e.contains(needle)).unwrap();
    let (large_at, final_at) = (at("llll"), at("zzfinal"));
    let pause = Duration::from_millis(600);
    // The later pause first: each one inserted shifts the steps after it.
    let reply = Reply::sse(events.clone())
        .wait_before(final_at, pause)
        .wait_before(large_at, pause);
    let server = TestServer::always(reply).await;
    let (_dir, store, _) = file_store().await;
    let model = configure(&store, "remote", kind, &server).await;
    let provider = providers::for_model(&store, &FixedKey(Some(TEST_KEY.into())), &model)
        .await
        .unwrap();
    let spec = RunSpec::new("x", model.clone());
    let id = spec.id.clone();
    let done = std::sync::atomic::AtomicBool::new(false);
    let run = async {
        let run = runner::execute(&store, provider, spec, CancellationToken::new(), |_| {})
            .await
            .unwrap();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        run
    };
    let watch = async {
        let mut seen = Vec::new();
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(stored) = store.run(&id).await {
                if stored.summary.status == RunStatus::Running {
                    seen.push(stored.response.chars().count());
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        seen
    };
    let (run, seen) = tokio::join!(run, watch);
    assert_eq!(run.summary.status, RunStatus::Success);
    assert!(
        seen.iter().all(|&n| n == 0 || n == 70_000),
        "partials written: {:?}",
        dedup(&seen)
    );
    assert!(
        seen.contains(&70_000),
        "partials written: {:?}",
        dedup(&seen)
    );
}

fn dedup(seen: &[usize]) -> Vec<usize> {
    let mut out = seen.to_vec();
    out.dedup();
    out
}

/// 10 MB of text, streamed in 4 KiB pieces and as one plain body: stored whole.
pub async fn ten_megabytes_are_stored_whole(kind: ProviderKind) {
    const PIECE: usize = 4096;
    const PIECES: usize = 2560; // 10 MiB
    let piece: String = "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(PIECE)
        .collect();
    let pieces: Vec<&str> = vec![piece.as_str(); PIECES];
    let whole = piece.repeat(PIECES);
    let streamed = TestServer::always(Reply::sse(stream_events(
        kind,
        &pieces,
        Some((3, 2_000_000)),
    )))
    .await;
    let plain = TestServer::always(Reply::json(
        200,
        full_body(kind, &whole, Some((3, 2_000_000))),
    ))
    .await;
    let (_dir, store, _) = file_store().await;
    let streamed_model = configure(&store, "streamed", kind, &streamed).await;
    let plain_model = configure(&store, "plain", kind, &plain).await;
    for (model, stream) in [(&streamed_model, true), (&plain_model, false)] {
        let run = run(&store, model, "x", stream, LONG).await;
        let stored = store.run(&run.summary.id).await.unwrap();
        assert_eq!(
            stored.summary.status,
            RunStatus::Success,
            "{:?}",
            stored.summary.error_message
        );
        assert_eq!(stored.response.len(), PIECE * PIECES);
        assert_eq!(stored.summary.response_chars, (PIECE * PIECES) as i64);
        assert!(stored.response == whole, "stream: {stream}");
        assert_eq!(stored.summary.output_tokens, Some(2_000_000));
    }
}

/// A server that ignores `stream` and answers with one JSON document is understood; one that
/// answers with a web page is named as the wrong address.
pub async fn whole_answers_to_stream_requests(kind: ProviderKind) {
    let (_dir, store, _) = file_store().await;
    let json = TestServer::always(Reply::json(
        200,
        full_body(kind, "all at once", Some((2, 3))),
    ))
    .await;
    let html = TestServer::always(Reply {
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
        ..Reply::json(200, "<html><body>Welcome to nginx!</body></html>")
    })
    .await;
    let json_model = configure(&store, "whole", kind, &json).await;
    let html_model = configure(&store, "page", kind, &html).await;

    let run_a = run(&store, &json_model, "x", true, LONG).await;
    let stored = store.run(&run_a.summary.id).await.unwrap();
    assert_eq!(
        stored.summary.status,
        RunStatus::Success,
        "{:?}",
        stored.summary.error_message
    );
    assert_eq!(stored.response, "all at once");
    assert_eq!(stored.summary.tokens_used, Some(5));
    assert_eq!(stored.stop_reason.as_deref(), Some(stop_reasons(kind).1));

    let run_b = run(&store, &html_model, "x", true, LONG).await;
    let stored = store.run(&run_b.summary.id).await.unwrap();
    assert_eq!(stored.summary.status, RunStatus::Error);
    let base = base_url(kind, &html.url);
    assert_eq!(
        stored.summary.error_message.as_deref(),
        Some(format!("page answered with a web page instead of an event stream. Is {base} the API's base URL?").as_str())
    );
}

/// A finished echo run `minute` minutes ago, with no tokens: a row to record and export.
pub fn echo_run(minute: i64) -> promptline_core::NewRun {
    promptline_core::NewRun {
        id: promptline_core::RunId::new(),
        prompt_id: None,
        created_at: chrono::Utc::now() - chrono::Duration::minutes(minute),
        model: "echo".into(),
        provider: "echo".into(),
        status: promptline_core::RunStatus::Success,
        tokens_used: None,
        input_tokens: None,
        output_tokens: None,
        execution_time_ms: Some(5),
        ttft_ms: None,
        stop_reason: None,
        error_message: None,
        params: serde_json::json!({}),
        variables: serde_json::json!({}),
        prompt_text: String::new(),
        response: "fine".into(),
        origin: Default::default(),
        token_details: Default::default(),
        cost: None,
    }
}
