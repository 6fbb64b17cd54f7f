//! One run as one OTLP span, following the GenAI conventions ([`super::semconv`]).
//!
//! Every run is a trace of its own: the trace id is the run id's 16 bytes when it is a UUID (as
//! every run Promptline records is; so a run is found in a tracing UI by its id without the
//! dashes), otherwise a stable hash of it; the span id is a stable hash too. Sending a run again
//! therefore sends the same span, which backends treat as the same one.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    span, status, ResourceSpans, ScopeSpans, Span, Status,
};
use serde_json::{json, Map, Value};

use super::semconv as sc;
use crate::store::otel::SpanSource;

/// The instrumentation scope's name on every span.
pub const SCOPE_NAME: &str = "promptline";

/// The version on the scope and in `service.version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What goes into a span beyond the run's own facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpanOptions {
    /// Prompt, response, system instructions and variable values (the conventions' opt-in content).
    pub capture_content: bool,
}

/// The request that carries `spans` under `resource`.
pub fn request(resource: &Resource, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource.clone()),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: SCOPE_NAME.to_owned(),
                    version: VERSION.to_owned(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// A resource with these attributes (the service name among them).
pub fn resource(attributes: &[(String, String)]) -> Resource {
    Resource {
        attributes: attributes
            .iter()
            .map(|(key, value)| string(key, value.clone()))
            .collect(),
        ..Default::default()
    }
}

/// The span of one finished run.
pub fn span(run: &SpanSource, options: SpanOptions) -> Span {
    let start = u64::try_from(run.created_at)
        .unwrap_or(0)
        .saturating_mul(1000);
    let duration_ns = run
        .execution_time_ms
        .and_then(|ms| u64::try_from(ms).ok())
        .unwrap_or(0)
        .saturating_mul(1_000_000);
    let params = parse_object(&run.params);
    let variables = parse_object(&run.variables);
    let mut attributes = Vec::with_capacity(24);
    attributes.push(string(sc::GEN_AI_OPERATION_NAME, sc::OPERATION_CHAT));
    attributes.push(string(sc::GEN_AI_PROVIDER_NAME, provider_name(run)));
    attributes.push(string(sc::GEN_AI_REQUEST_MODEL, &run.model));
    attributes.push(string(sc::GEN_AI_OUTPUT_TYPE, sc::OUTPUT_TYPE_TEXT));
    if run.status != "error" {
        // Promptline records the model it asked for; the providers answer with that model (or a
        // dated alias of it that is not kept).
        attributes.push(string(sc::GEN_AI_RESPONSE_MODEL, &run.model));
    }
    push_params(&mut attributes, &params);
    if let Some(tokens) = run.input_tokens {
        attributes.push(int(sc::GEN_AI_USAGE_INPUT_TOKENS, tokens));
    }
    if let Some(tokens) = run.output_tokens {
        attributes.push(int(sc::GEN_AI_USAGE_OUTPUT_TOKENS, tokens));
    }
    if let Some(reason) = &run.stop_reason {
        attributes.push(strings(
            sc::GEN_AI_RESPONSE_FINISH_REASONS,
            std::iter::once(reason.clone()),
        ));
    }
    if let Some((host, port)) = run.base_url.as_deref().and_then(server_of) {
        attributes.push(string(sc::SERVER_ADDRESS, host));
        attributes.push(int(sc::SERVER_PORT, i64::from(port)));
    }
    let error_type = error_type(&run.status, run.error_message.as_deref());
    if let Some(kind) = &error_type {
        attributes.push(string(sc::ERROR_TYPE, kind.clone()));
    }
    attributes.push(string(sc::PROMPTLINE_RUN_ID, &run.id));
    if let Some(id) = &run.prompt_id {
        attributes.push(string(sc::PROMPTLINE_PROMPT_ID, id));
    }
    if let Some(name) = &run.prompt_name {
        attributes.push(string(sc::PROMPTLINE_PROMPT_NAME, name));
    }
    attributes.push(string(sc::PROMPTLINE_STATUS, &run.status));
    attributes.push(string(sc::PROMPTLINE_PROVIDER, &run.provider));
    if let Some(ttft) = run.ttft_ms {
        attributes.push(int(sc::PROMPTLINE_TIME_TO_FIRST_TOKEN_MS, ttft));
    }
    if let Some(total) = run.tokens_used {
        attributes.push(int(sc::PROMPTLINE_USAGE_TOTAL_TOKENS, total));
    }
    if !variables.is_empty() {
        attributes.push(strings(
            sc::PROMPTLINE_VARIABLE_NAMES,
            variables.keys().cloned(),
        ));
    }
    if options.capture_content {
        push_content(&mut attributes, run, &params, &variables);
    }
    Span {
        trace_id: trace_id(&run.id).to_vec(),
        span_id: span_id(&run.id).to_vec(),
        name: format!("{} {}", sc::OPERATION_CHAT, run.model),
        kind: span::SpanKind::Client as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: start.saturating_add(duration_ns),
        attributes,
        status: Some(match error_type {
            Some(_) => Status {
                message: run.error_message.clone().unwrap_or_default(),
                code: status::StatusCode::Error as i32,
            },
            None => Status::default(),
        }),
        ..Default::default()
    }
}

/// The conventions' name for the provider: the well-known values for the APIs Promptline speaks,
/// the configured name for anything else (an OpenAI-compatible server such as Ollama).
fn provider_name(run: &SpanSource) -> String {
    let kind = run.provider_kind.as_deref().unwrap_or(&run.provider);
    let official_openai = run.provider == "openai"
        || run
            .base_url
            .as_deref()
            .and_then(server_of)
            .is_some_and(|(host, _)| host == "api.openai.com");
    match kind {
        "openai" if official_openai => "openai".to_owned(),
        "anthropic" => "anthropic".to_owned(),
        "gemini" => "gcp.gemini".to_owned(),
        _ => run.provider.clone(),
    }
}

/// `error.type`: the HTTP status a provider answered with, `timeout`, or the conventions' `_OTHER`.
/// Cancelled runs are no error: the user stopped them.
fn error_type(status: &str, message: Option<&str>) -> Option<String> {
    match status {
        "error" => {
            let message = message.unwrap_or("");
            let code = message
                .split_once(" answered ")
                .and_then(|(_, rest)| rest.get(..3))
                .filter(|code| code.bytes().all(|b| b.is_ascii_digit()));
            Some(match code {
                Some(code) => code.to_owned(),
                None if message.starts_with("cannot connect") => "connection_failed".to_owned(),
                None => sc::ERROR_TYPE_OTHER.to_owned(),
            })
        }
        "timeout" => Some("timeout".to_owned()),
        "interrupted" => Some("interrupted".to_owned()),
        _ => None,
    }
}

fn push_params(attributes: &mut Vec<KeyValue>, params: &Map<String, Value>) {
    let doubles = [
        ("temperature", sc::GEN_AI_REQUEST_TEMPERATURE),
        ("top_p", sc::GEN_AI_REQUEST_TOP_P),
        ("top_k", sc::GEN_AI_REQUEST_TOP_K),
        ("frequency_penalty", sc::GEN_AI_REQUEST_FREQUENCY_PENALTY),
        ("presence_penalty", sc::GEN_AI_REQUEST_PRESENCE_PENALTY),
    ];
    for (param, key) in doubles {
        if let Some(value) = params.get(param).and_then(Value::as_f64) {
            attributes.push(double(key, value));
        }
    }
    if let Some(value) = params.get("max_tokens").and_then(Value::as_i64) {
        attributes.push(int(sc::GEN_AI_REQUEST_MAX_TOKENS, value));
    }
    if let Some(value) = params.get("seed").and_then(Value::as_i64) {
        attributes.push(int(sc::GEN_AI_REQUEST_SEED, value));
    }
    if let Some(value) = params.get("n").and_then(Value::as_i64).filter(|n| *n != 1) {
        attributes.push(int(sc::GEN_AI_REQUEST_CHOICE_COUNT, value));
    }
    match params.get("stop") {
        Some(Value::String(stop)) => attributes.push(strings(
            sc::GEN_AI_REQUEST_STOP_SEQUENCES,
            std::iter::once(stop.clone()),
        )),
        Some(Value::Array(stops)) => attributes.push(strings(
            sc::GEN_AI_REQUEST_STOP_SEQUENCES,
            stops.iter().filter_map(|s| s.as_str().map(str::to_owned)),
        )),
        _ => {}
    }
}

/// The opt-in content attributes, in the conventions' message format (as JSON text, which the
/// conventions allow on spans and every backend reads).
fn push_content(
    attributes: &mut Vec<KeyValue>,
    run: &SpanSource,
    params: &Map<String, Value>,
    variables: &Map<String, Value>,
) {
    if let Some(system) = params.get("system").and_then(Value::as_str) {
        let parts = json!([{"type": "text", "content": system}]);
        attributes.push(string(sc::GEN_AI_SYSTEM_INSTRUCTIONS, parts.to_string()));
    }
    if let Some(prompt) = &run.prompt_text {
        let messages = json!([{"role": "user", "parts": [{"type": "text", "content": prompt}]}]);
        attributes.push(string(sc::GEN_AI_INPUT_MESSAGES, messages.to_string()));
    }
    if let Some(response) = run.response.as_deref().filter(|r| !r.is_empty()) {
        let finish_reason = run.stop_reason.clone().unwrap_or_else(|| {
            match run.status.as_str() {
                "success" => "stop",
                "timeout" | "cancelled" | "interrupted" => "length",
                _ => "error",
            }
            .to_owned()
        });
        let messages = json!([{
            "role": "assistant",
            "parts": [{"type": "text", "content": response}],
            "finish_reason": finish_reason,
        }]);
        attributes.push(string(sc::GEN_AI_OUTPUT_MESSAGES, messages.to_string()));
    }
    if !variables.is_empty() {
        attributes.push(string(
            sc::PROMPTLINE_VARIABLES,
            Value::Object(variables.clone()).to_string(),
        ));
    }
}

fn parse_object(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The host and port of a provider's base URL (the scheme's default port when none is written).
fn server_of(base_url: &str) -> Option<(String, u16)> {
    let url = reqwest::Url::parse(base_url).ok()?;
    Some((url.host_str()?.to_owned(), url.port_or_known_default()?))
}

/// The run's trace id: its UUID's bytes, or a hash of any other id.
pub fn trace_id(run_id: &str) -> [u8; 16] {
    let bytes = match uuid::Uuid::parse_str(run_id) {
        Ok(uuid) if !uuid.is_nil() => *uuid.as_bytes(),
        _ => fnv1a_128(b"promptline trace ", run_id.as_bytes()).to_be_bytes(),
    };
    if bytes == [0; 16] {
        // All zeros is "no trace id" in OTLP.
        return [1; 16];
    }
    bytes
}

/// The run's span id: a hash of its id, never all zeros.
pub fn span_id(run_id: &str) -> [u8; 8] {
    let hash = fnv1a_128(b"promptline span ", run_id.as_bytes());
    let folded = (hash >> 64) as u64 ^ hash as u64;
    (if folded == 0 { 1 } else { folded }).to_be_bytes()
}

/// FNV-1a, 128 bits: stable across builds and platforms (std's hasher promises neither).
fn fnv1a_128(prefix: &[u8], data: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    prefix.iter().chain(data).fold(OFFSET, |hash, byte| {
        (hash ^ u128::from(*byte)).wrapping_mul(PRIME)
    })
}

fn attribute(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn string(key: &str, text: impl Into<String>) -> KeyValue {
    attribute(key, any_value::Value::StringValue(text.into()))
}

fn int(key: &str, number: i64) -> KeyValue {
    attribute(key, any_value::Value::IntValue(number))
}

fn double(key: &str, number: f64) -> KeyValue {
    attribute(key, any_value::Value::DoubleValue(number))
}

fn strings(key: &str, texts: impl Iterator<Item = String>) -> KeyValue {
    let values = texts
        .map(|text| AnyValue {
            value: Some(any_value::Value::StringValue(text)),
        })
        .collect();
    attribute(key, any_value::Value::ArrayValue(ArrayValue { values }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_uuid_runs_keep_their_id() {
        let uuid = "0192f0c4-5a6b-7c8d-9e0f-112233445566";
        assert_eq!(
            trace_id(uuid).to_vec(),
            uuid::Uuid::parse_str(uuid).unwrap().as_bytes().to_vec()
        );
        assert_eq!(trace_id("01HXYZ"), trace_id("01HXYZ"));
        assert_ne!(trace_id("01HXYZ"), trace_id("01HXYA"));
        assert_eq!(span_id("a"), span_id("a"));
        assert_ne!(span_id("a"), span_id("b"));
        assert_ne!(span_id(""), [0; 8]);
    }

    #[test]
    fn error_types_are_low_cardinality() {
        assert_eq!(
            error_type(
                "error",
                Some("openai answered 429 Too Many Requests: slow down")
            ),
            Some("429".into())
        );
        assert_eq!(
            error_type("error", Some("cannot connect to http://x: refused")),
            Some("connection_failed".into())
        );
        assert_eq!(error_type("error", Some("odd")), Some("_OTHER".into()));
        assert_eq!(error_type("timeout", None), Some("timeout".into()));
        assert_eq!(error_type("cancelled", None), None);
        assert_eq!(error_type("success", None), None);
    }
}
