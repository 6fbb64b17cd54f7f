//! A real OTLP/HTTP traces receiver for tests and the benchmark: HTTP/1.1 with keep-alive on a free
//! port of 127.0.0.1, `POST /v1/traces` bodies decoded with `opentelemetry-proto` (protobuf, or
//! JSON when the request says so), answered as a collector answers (an encoded
//! `ExportTraceServiceResponse`), or with an error status, or never, as the test says.
//!
//! Shared by the core's and the CLI's tests and by `examples/otlp_receiver.rs` (`#[path]`).

#![allow(dead_code, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the receiver answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// 200 with an empty `ExportTraceServiceResponse`.
    Accept,
    /// This status, with a short text body (and `Retry-After: 0` for 429 and 503).
    Status(u16),
    /// This status with this body (a server that quotes what it was sent).
    StatusWithBody(u16, String),
    /// Reads the request and never answers.
    Hang,
    /// Accepts until this many spans were accepted, then answers this status.
    AcceptThen(u64, u16),
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// The decoded request; `None` when the body did not decode.
    pub request: Option<ExportTraceServiceRequest>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The status answered (0: none).
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every span in the request.
    pub fn spans(&self) -> Vec<Span> {
        self.request
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .flat_map(|ss| ss.spans.clone())
            .collect()
    }
}

#[derive(Default)]
struct Shared {
    mode: Mutex<Option<Mode>>,
    received: Mutex<Vec<Received>>,
    spans_accepted: std::sync::atomic::AtomicU64,
    /// Decode and keep requests (tests); off, only spans are counted (the benchmark).
    keep: std::sync::atomic::AtomicBool,
}

/// A receiver running on a task of its own until dropped.
pub struct Receiver {
    /// `http://127.0.0.1:PORT/v1/traces`
    pub url: String,
    pub port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// A receiver on a free port, accepting.
    pub async fn start() -> Self {
        Self::start_on(0, Mode::Accept).await
    }

    /// A receiver on `port` (0: a free one) answering as `mode` says.
    pub async fn start_on(port: u16, mode: Mode) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        *shared.mode.lock().unwrap() = Some(mode);
        shared
            .keep
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let state = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, state).await;
                });
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}/v1/traces"),
            port,
            shared,
            task,
        }
    }

    /// Keep decoded requests (the default) or only count spans.
    pub fn keep_requests(&self, keep: bool) {
        self.shared
            .keep
            .store(keep, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = Some(mode);
    }

    /// Every request so far, answered or not.
    pub fn requests(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The spans of the requests answered 2xx, in arrival order.
    pub fn accepted_spans(&self) -> Vec<Span> {
        self.requests()
            .iter()
            .filter(|r| (200..300).contains(&r.answered))
            .flat_map(Received::spans)
            .collect()
    }

    /// How many spans the 2xx answers covered (counted even when requests are not kept).
    pub fn accepted_count(&self) -> u64 {
        self.shared
            .spans_accepted
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits until at least `n` spans were accepted, or `limit` passed.
    pub async fn wait_for(&self, n: u64, limit: Duration) -> u64 {
        let until = tokio::time::Instant::now() + limit;
        while self.accepted_count() < n && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.accepted_count()
    }
}

async fn serve(mut socket: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
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
        let headers: Vec<(String, String)> = head
            .split("\r\n")
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while buf.len() < body_start + length {
            let n = socket.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[body_start..body_start + length].to_vec();
        buf.drain(..body_start + length);

        let mode = match shared.mode.lock().unwrap().clone().unwrap_or(Mode::Accept) {
            Mode::AcceptThen(limit, code) => {
                if shared
                    .spans_accepted
                    .load(std::sync::atomic::Ordering::Relaxed)
                    < limit
                {
                    Mode::Accept
                } else {
                    Mode::Status(code)
                }
            }
            other => other,
        };
        let json = headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("application/json"));
        let request = if json {
            serde_json::from_slice::<ExportTraceServiceRequest>(&body).ok()
        } else {
            ExportTraceServiceRequest::decode(body.as_slice()).ok()
        };
        let span_count: u64 = request
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .map(|ss| ss.spans.len() as u64)
            .sum();
        let (status, reply_type, reply): (u16, &str, Vec<u8>) = match &mode {
            Mode::Hang => {
                record(&shared, headers, request, body, 0);
                std::future::pending::<()>().await;
                return Ok(());
            }
            Mode::Accept if request.is_none() => (400, "text/plain", b"undecodable body".to_vec()),
            Mode::Accept => (
                200,
                if json {
                    "application/json"
                } else {
                    "application/x-protobuf"
                },
                if json {
                    b"{}".to_vec()
                } else {
                    ExportTraceServiceResponse::default().encode_to_vec()
                },
            ),
            Mode::Status(code) | Mode::AcceptThen(_, code) => {
                (*code, "text/plain", b"not now".to_vec())
            }
            Mode::StatusWithBody(code, text) => (*code, "text/plain", text.clone().into_bytes()),
        };
        if (200..300).contains(&status) {
            shared
                .spans_accepted
                .fetch_add(span_count, std::sync::atomic::Ordering::Relaxed);
        }
        record(&shared, headers, request, body, status);
        let mut head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {reply_type}\r\ncontent-length: {}\r\n",
            reply.len()
        );
        if matches!(status, 429 | 503) {
            head.push_str("retry-after: 0\r\n");
        }
        head.push_str("\r\n");
        socket.write_all(head.as_bytes()).await?;
        socket.write_all(&reply).await?;
        socket.flush().await?;
    }
}

fn record(
    shared: &Shared,
    headers: Vec<(String, String)>,
    request: Option<ExportTraceServiceRequest>,
    body: Vec<u8>,
    answered: u16,
) {
    if !shared.keep.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    shared.received.lock().unwrap().push(Received {
        headers,
        request,
        body,
        answered,
    });
}

/// A span's attribute value, if it has it.
pub fn attr<'a>(span: &'a Span, key: &str) -> Option<&'a any_value::Value> {
    attr_in(&span.attributes, key)
}

/// An attribute value in a list.
pub fn attr_in<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

/// A string attribute.
pub fn text<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    match attr(span, key) {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// An integer attribute.
pub fn int(span: &Span, key: &str) -> Option<i64> {
    match attr(span, key) {
        Some(any_value::Value::IntValue(n)) => Some(*n),
        _ => None,
    }
}

/// A double attribute.
pub fn double(span: &Span, key: &str) -> Option<f64> {
    match attr(span, key) {
        Some(any_value::Value::DoubleValue(n)) => Some(*n),
        _ => None,
    }
}

/// A string-array attribute.
pub fn texts(span: &Span, key: &str) -> Option<Vec<String>> {
    match attr(span, key) {
        Some(any_value::Value::ArrayValue(array)) => Some(
            array
                .values
                .iter()
                .filter_map(|v: &AnyValue| match &v.value {
                    Some(any_value::Value::StringValue(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}
