//! OTLP/HTTP: one POST of an `ExportTraceServiceRequest` per batch, protobuf (or JSON) encoded,
//! and the collector's answer in words.
//!
//! Built on `opentelemetry-proto` and reqwest rather than the SDK's exporter: the SDK's batch
//! processor keeps spans in memory and reports success for a whole pipeline, while the outbox
//! needs to know which runs a given request carried and whether that request was acknowledged,
//! and past runs need their own start and end times and stable ids.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};

use super::config::{ExportConfig, Protocol};
use super::span;
use crate::error::{Error, Result};

/// How a send failed: what to tell people, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// In words, without any header value.
    pub message: String,
    /// The collector said when to come back (429/503 with `Retry-After`).
    pub retry_after: Option<Duration>,
    /// A connection failure, a time-out, 408, 429 or a 5xx: it may work later by itself. Other
    /// answers (401, 404, ...) need the settings changed, though the runs still wait.
    pub transient: bool,
}

/// What an accepted request said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    /// Spans the collector received but dropped (OTLP partial success), with its reason.
    pub rejected: Option<(i64, String)>,
}

/// Sends batches of spans to one endpoint.
#[derive(Debug, Clone)]
pub struct OtlpClient {
    http: reqwest::Client,
    config: ExportConfig,
    resource: Resource,
}

impl OtlpClient {
    /// A client for `config` (its headers checked once here).
    pub fn new(config: ExportConfig) -> Result<Self> {
        let mut headers = HeaderMap::new();
        for (name, value) in config.headers.expose() {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid(format!("`{name}` is not a header name")))?;
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid(format!("the value of header `{name}` is not valid in HTTP"))
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("promptline/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::invalid(format!("cannot set up the OTLP client: {e}")))?;
        let resource = span::resource(&config.resource);
        Ok(Self {
            http,
            config,
            resource,
        })
    }

    /// The configuration it sends with.
    pub fn config(&self) -> &ExportConfig {
        &self.config
    }

    /// Encodes `spans` in one request body (what [`OtlpClient::send_body`] posts).
    pub fn encode(&self, spans: Vec<Span>) -> Vec<u8> {
        let request = span::request(&self.resource, spans);
        match self.config.protocol {
            Protocol::Protobuf => request.encode_to_vec(),
            Protocol::Json => serde_json::to_vec(&request).unwrap_or_default(),
        }
    }

    /// Sends `spans` in one request.
    pub async fn send(&self, spans: Vec<Span>) -> Result<Accepted, SendFailure> {
        let body = self.encode(spans);
        self.send_body(body).await
    }

    /// Posts an encoded request.
    pub async fn send_body(&self, body: Vec<u8>) -> Result<Accepted, SendFailure> {
        let content_type = match self.config.protocol {
            Protocol::Protobuf => "application/x-protobuf",
            Protocol::Json => "application/json",
        };
        let endpoint = &self.config.endpoint;
        let response = self
            .http
            .post(endpoint)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport_failure(&e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.unwrap_or_default();
        if status.is_success() {
            return Ok(self.accepted(&bytes));
        }
        let code = status.as_u16();
        let reason = status.canonical_reason().unwrap_or("");
        let detail = self.detail(&bytes);
        let transient = matches!(code, 408 | 429) || status.is_server_error();
        let message = match code {
            401 | 403 => format!(
                "the collector at {endpoint} refused the credentials ({code} {reason}): check the \
                 headers (`promptline otel set --header 'Authorization=...'` or Settings > Integrations){detail}"
            ),
            404 | 405 => format!(
                "no OTLP traces receiver at {endpoint} ({code} {reason}): the endpoint is the full \
                 traces URL, e.g. http://localhost:4318/v1/traces{detail}"
            ),
            413 => format!(
                "the collector at {endpoint} refused a batch as too large ({code}){detail}"
            ),
            415 => format!(
                "the collector at {endpoint} does not take this encoding ({code}): set \
                 OTEL_EXPORTER_OTLP_PROTOCOL to http/protobuf or http/json{detail}"
            ),
            _ if transient => format!(
                "the collector at {endpoint} is busy or failing ({code} {reason}); the runs wait \
                 and are sent again{detail}"
            ),
            _ => format!("the collector at {endpoint} rejected the spans ({code} {reason}){detail}"),
        };
        Err(SendFailure {
            message,
            retry_after,
            transient,
        })
    }

    fn transport_failure(&self, error: &reqwest::Error) -> SendFailure {
        let endpoint = &self.config.endpoint;
        let message = if error.is_timeout() {
            format!(
                "the collector at {endpoint} did not answer within {} s; the runs wait and are sent again",
                self.config.timeout.as_secs_f64()
            )
        } else if error.is_connect() {
            format!(
                "cannot reach the collector at {endpoint} (is it running? {}); the runs wait and are sent when it is back",
                root_cause(error)
            )
        } else {
            format!(
                "sending to the collector at {endpoint} failed: {}",
                root_cause(error)
            )
        };
        SendFailure {
            message: self.config.headers.scrub(&message),
            retry_after: None,
            transient: true,
        }
    }

    fn accepted(&self, body: &[u8]) -> Accepted {
        let response = match self.config.protocol {
            Protocol::Protobuf => ExportTraceServiceResponse::decode(body).ok(),
            Protocol::Json => serde_json::from_slice(body).ok(),
        };
        let rejected = response
            .and_then(|r| r.partial_success)
            .filter(|p| p.rejected_spans > 0)
            .map(|p| {
                (
                    p.rejected_spans,
                    self.config.headers.scrub(&p.error_message),
                )
            });
        Accepted { rejected }
    }

    /// The start of an error body, for people (a JSON or text message), scrubbed of header values.
    fn detail(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() || text.starts_with('<') {
            return String::new();
        }
        let short: String = text.chars().take(300).collect();
        format!(": {}", self.config.headers.scrub(&short))
    }
}

/// The innermost cause of a reqwest error (e.g. `Connection refused (os error 111)`).
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The request that a list of spans makes (for tests and benchmarks that decode it).
pub fn decode_request(body: &[u8]) -> Option<ExportTraceServiceRequest> {
    ExportTraceServiceRequest::decode(body).ok()
}
