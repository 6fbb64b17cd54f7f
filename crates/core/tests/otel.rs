//! The OpenTelemetry export against a real OTLP/HTTP receiver (tests/otlp): what every span says,
//! content only when asked for, the outbox through a collector that is down, then busy, then
//! back, a collector that hangs, and the backfill resumed after a failure.

mod common;
mod otlp;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use opentelemetry_proto::tonic::trace::v1::{span::SpanKind, status::StatusCode, Span};
use otlp::{Mode, Receiver};
use promptline_core::keys::EnvKeys;
use promptline_core::otel::client::OtlpClient;
use promptline_core::otel::{self, backfill, semconv as sc, LiveExporter, SettingsChange};
use promptline_core::providers::{self, ModelRef};
use promptline_core::runner::{self, RunSpec};
use promptline_core::{NewRun, RunFilter, RunId, RunStatus, Store};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

async fn send_to(store: &Store, url: &str, content: bool) -> LiveExporter {
    otel::save_settings(
        store,
        SettingsChange {
            endpoint: Some(url.to_owned()),
            headers: None,
            capture_content: Some(content),
        },
    )
    .await
    .unwrap();
    LiveExporter::load(store).await
}

fn by_run_id(spans: &[Span]) -> HashMap<String, Span> {
    spans
        .iter()
        .map(|s| {
            (
                otlp::text(s, sc::PROMPTLINE_RUN_ID).unwrap().to_owned(),
                s.clone(),
            )
        })
        .collect()
}

/// The runs of the conventions story: one per status, on three providers.
fn story_runs(prompt_id: &promptline_core::PromptId) -> Vec<NewRun> {
    let start = Utc.timestamp_micros(1_764_000_000_123_456).unwrap();
    let mut ok = common::new_run(
        Some(prompt_id),
        0,
        "gpt-4o-mini",
        RunStatus::Success,
        "the summary",
    );
    ok.created_at = start;
    ok.provider = "openai".into();
    ok.execution_time_ms = Some(1500);
    ok.ttft_ms = Some(200);
    ok.input_tokens = Some(12);
    ok.output_tokens = Some(34);
    ok.tokens_used = Some(46);
    ok.params = json!({"temperature": 0.2, "max_tokens": 100, "top_p": 0.9, "stop": ["END"], "seed": 7, "system": "Be brief"});
    ok.variables = json!({"text": "the quarterly report"});
    ok.prompt_text = "Summarize the quarterly report".into();

    let mut failed = common::new_run(None, 1, "claude-test", RunStatus::Error, "");
    failed.provider = "anthropic".into();
    failed.error_message = Some("anthropic answered 429 Too Many Requests: slow down".into());
    failed.stop_reason = None;
    failed.input_tokens = None;
    failed.output_tokens = None;
    failed.tokens_used = None;
    failed.execution_time_ms = Some(300);

    let mut timed_out = common::new_run(None, 2, "llama3", RunStatus::Timeout, "partial");
    timed_out.provider = "ollama".into();
    timed_out.error_message = Some("timed out after 30 s".into());
    timed_out.execution_time_ms = Some(30_000);

    let cancelled = common::new_run(None, 3, "echo", RunStatus::Cancelled, "so far");
    vec![ok, failed, timed_out, cancelled]
}

#[tokio::test]
async fn every_run_becomes_one_client_span_in_the_genai_conventions() {
    let (store, _dir) = common::file_store().await;
    let receiver = Receiver::start().await;
    let prompt = common::saved_prompt(&store, "Summarize", "Summarize {{text}}").await;
    // Recorded before export was set up: not part of the live export (a backfill sends it).
    let before = store
        .insert_run(&common::new_run(
            None,
            99,
            "echo",
            RunStatus::Success,
            "old",
        ))
        .await
        .unwrap();

    assert!(!store.live_export(), "off until an endpoint is configured");
    let exporter = send_to(&store, &receiver.url, false).await;
    assert!(store.live_export());
    let runs = story_runs(&prompt.id);
    for run in &runs {
        store.insert_run(run).await.unwrap();
    }
    // And one through the runner, as the app and the CLI record them.
    let echo = providers::for_model(&store, &EnvKeys, &ModelRef::parse("echo").unwrap())
        .await
        .unwrap();
    let live = runner::execute(
        &store,
        echo,
        RunSpec::new("hello there", ModelRef::parse("echo").unwrap()),
        CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(store.otel_outbox_len().await.unwrap(), 5);

    let report = exporter.flush(Duration::from_secs(10)).await;
    assert_eq!(report.error, None);
    assert_eq!((report.sent, report.waiting), (5, 0));

    let requests = receiver.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            request.header("content-type"),
            Some("application/x-protobuf")
        );
        let decoded = request
            .request
            .as_ref()
            .expect("a protobuf ExportTraceServiceRequest");
        let resource = decoded.resource_spans[0].resource.as_ref().unwrap();
        assert_eq!(
            otlp::attr_in(&resource.attributes, sc::SERVICE_NAME),
            Some(
                &opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(
                    "promptline".into()
                )
            )
        );
        assert_eq!(
            decoded.resource_spans[0].scope_spans[0]
                .scope
                .as_ref()
                .unwrap()
                .name,
            "promptline"
        );
    }
    let spans = receiver.accepted_spans();
    assert_eq!(spans.len(), 5, "each run once");
    let spans = by_run_id(&spans);
    assert!(!spans.contains_key(before.summary.id.as_str()));

    // Every span: CLIENT, `chat {model}`, its own trace, the run's real start and end.
    let mut traces = HashSet::new();
    for (id, span) in &spans {
        let run = store.run(&RunId::from(id.as_str())).await.unwrap();
        assert_eq!(span.kind, SpanKind::Client as i32);
        assert_eq!(span.name, format!("chat {}", run.summary.model));
        let start = run.summary.created_at.timestamp_micros() as u64 * 1000;
        assert_eq!(span.start_time_unix_nano, start);
        assert_eq!(
            span.end_time_unix_nano,
            start + run.summary.execution_time_ms.unwrap() as u64 * 1_000_000
        );
        assert_eq!(span.trace_id.len(), 16);
        assert_eq!(span.span_id.len(), 8);
        assert!(span.parent_span_id.is_empty());
        assert!(traces.insert(span.trace_id.clone()), "one trace per run");
        assert_eq!(otlp::text(span, sc::GEN_AI_OPERATION_NAME), Some("chat"));
        assert_eq!(
            otlp::text(span, sc::GEN_AI_REQUEST_MODEL),
            Some(run.summary.model.as_str())
        );
        assert_eq!(
            otlp::text(span, sc::PROMPTLINE_STATUS),
            Some(run.summary.status.as_str())
        );
        for content in [
            sc::GEN_AI_INPUT_MESSAGES,
            sc::GEN_AI_OUTPUT_MESSAGES,
            sc::GEN_AI_SYSTEM_INSTRUCTIONS,
            sc::PROMPTLINE_VARIABLES,
        ] {
            assert!(
                otlp::attr(span, content).is_none(),
                "{content} sent with content off"
            );
        }
        let raw = format!("{span:?}");
        assert!(
            !raw.contains("quarterly"),
            "no prompt or variable text: {raw}"
        );
        assert!(!raw.contains("the summary"));
    }

    // The successful run: every request parameter, usage, finish reason, server, own attributes.
    let ok = &spans[runs[0].id.as_str()];
    assert_eq!(
        ok.trace_id,
        uuid::Uuid::parse_str(runs[0].id.as_str())
            .unwrap()
            .as_bytes()
            .to_vec()
    );
    assert_eq!(ok.start_time_unix_nano, 1_764_000_000_123_456_000);
    assert_eq!(ok.end_time_unix_nano, 1_764_000_001_623_456_000);
    assert_eq!(otlp::text(ok, sc::GEN_AI_PROVIDER_NAME), Some("openai"));
    assert_eq!(
        otlp::text(ok, sc::GEN_AI_RESPONSE_MODEL),
        Some("gpt-4o-mini")
    );
    assert_eq!(otlp::double(ok, sc::GEN_AI_REQUEST_TEMPERATURE), Some(0.2));
    assert_eq!(otlp::double(ok, sc::GEN_AI_REQUEST_TOP_P), Some(0.9));
    assert_eq!(otlp::int(ok, sc::GEN_AI_REQUEST_MAX_TOKENS), Some(100));
    assert_eq!(otlp::int(ok, sc::GEN_AI_REQUEST_SEED), Some(7));
    assert_eq!(
        otlp::texts(ok, sc::GEN_AI_REQUEST_STOP_SEQUENCES),
        Some(vec!["END".to_owned()])
    );
    assert_eq!(otlp::int(ok, sc::GEN_AI_USAGE_INPUT_TOKENS), Some(12));
    assert_eq!(otlp::int(ok, sc::GEN_AI_USAGE_OUTPUT_TOKENS), Some(34));
    assert_eq!(otlp::int(ok, sc::PROMPTLINE_USAGE_TOTAL_TOKENS), Some(46));
    assert_eq!(
        otlp::texts(ok, sc::GEN_AI_RESPONSE_FINISH_REASONS),
        Some(vec!["stop".to_owned()])
    );
    assert_eq!(otlp::text(ok, sc::SERVER_ADDRESS), Some("api.openai.com"));
    assert_eq!(otlp::int(ok, sc::SERVER_PORT), Some(443));
    assert_eq!(
        otlp::text(ok, sc::PROMPTLINE_PROMPT_ID),
        Some(prompt.id.as_str())
    );
    assert_eq!(
        otlp::text(ok, sc::PROMPTLINE_PROMPT_NAME),
        Some("Summarize")
    );
    assert_eq!(
        otlp::int(ok, sc::PROMPTLINE_TIME_TO_FIRST_TOKEN_MS),
        Some(200)
    );
    assert_eq!(
        otlp::texts(ok, sc::PROMPTLINE_VARIABLE_NAMES),
        Some(vec!["text".to_owned()])
    );
    assert!(otlp::attr(ok, sc::ERROR_TYPE).is_none());
    assert_eq!(ok.status.as_ref().unwrap().code, StatusCode::Unset as i32);

    // The failed run: ERROR with the provider's status as error.type and the message.
    let failed = &spans[runs[1].id.as_str()];
    assert_eq!(
        otlp::text(failed, sc::GEN_AI_PROVIDER_NAME),
        Some("anthropic")
    );
    assert_eq!(otlp::text(failed, sc::ERROR_TYPE), Some("429"));
    let status = failed.status.as_ref().unwrap();
    assert_eq!(status.code, StatusCode::Error as i32);
    assert!(
        status.message.contains("429 Too Many Requests"),
        "{}",
        status.message
    );
    assert!(otlp::attr(failed, sc::GEN_AI_USAGE_INPUT_TOKENS).is_none());
    assert!(otlp::attr(failed, sc::GEN_AI_RESPONSE_MODEL).is_none());

    // The timeout: ERROR, `timeout`; an OpenAI-compatible server keeps its own name.
    let timed_out = &spans[runs[2].id.as_str()];
    assert_eq!(otlp::text(timed_out, sc::ERROR_TYPE), Some("timeout"));
    assert_eq!(
        timed_out.status.as_ref().unwrap().code,
        StatusCode::Error as i32
    );
    assert_eq!(
        otlp::text(timed_out, sc::GEN_AI_PROVIDER_NAME),
        Some("ollama")
    );
    assert_eq!(otlp::text(timed_out, sc::SERVER_ADDRESS), Some("localhost"));
    assert_eq!(otlp::int(timed_out, sc::SERVER_PORT), Some(11434));

    // Cancelled by the user: not an error.
    let cancelled = &spans[runs[3].id.as_str()];
    assert_eq!(
        cancelled.status.as_ref().unwrap().code,
        StatusCode::Unset as i32
    );
    assert!(otlp::attr(cancelled, sc::ERROR_TYPE).is_none());

    // The runner's run: real timings.
    let from_runner = &spans[live.summary.id.as_str()];
    assert_eq!(
        otlp::text(from_runner, sc::GEN_AI_PROVIDER_NAME),
        Some("echo")
    );
    assert!(from_runner.end_time_unix_nano >= from_runner.start_time_unix_nano);

    let status = exporter.status().await.unwrap();
    assert_eq!(status.state, "connected");
    assert_eq!(status.waiting, 0);
}

#[tokio::test]
async fn content_goes_into_the_spans_only_when_turned_on() {
    let (store, _dir) = common::file_store().await;
    let receiver = Receiver::start().await;
    let prompt = common::saved_prompt(&store, "Summarize", "Summarize {{text}}").await;
    let exporter = send_to(&store, &receiver.url, true).await;
    let run = story_runs(&prompt.id).remove(0);
    store.insert_run(&run).await.unwrap();
    assert_eq!(exporter.flush(Duration::from_secs(10)).await.sent, 1);
    let spans = receiver.accepted_spans();
    let span = &spans[0];
    let input: Value =
        serde_json::from_str(otlp::text(span, sc::GEN_AI_INPUT_MESSAGES).unwrap()).unwrap();
    assert_eq!(
        input,
        json!([{"role": "user", "parts": [{"type": "text", "content": "Summarize the quarterly report"}]}])
    );
    let output: Value =
        serde_json::from_str(otlp::text(span, sc::GEN_AI_OUTPUT_MESSAGES).unwrap()).unwrap();
    assert_eq!(
        output,
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "the summary"}], "finish_reason": "stop"}])
    );
    let system: Value =
        serde_json::from_str(otlp::text(span, sc::GEN_AI_SYSTEM_INSTRUCTIONS).unwrap()).unwrap();
    assert_eq!(system, json!([{"type": "text", "content": "Be brief"}]));
    let variables: Value =
        serde_json::from_str(otlp::text(span, sc::PROMPTLINE_VARIABLES).unwrap()).unwrap();
    assert_eq!(variables, json!({"text": "the quarterly report"}));

    // Turned off again: the next run carries none of it.
    let exporter = send_to(&store, &receiver.url, false).await;
    let mut second = story_runs(&prompt.id).remove(0);
    second.id = RunId::new();
    store.insert_run(&second).await.unwrap();
    assert_eq!(exporter.flush(Duration::from_secs(10)).await.sent, 1);
    let spans = by_run_id(&receiver.accepted_spans());
    assert!(otlp::attr(&spans[second.id.as_str()], sc::GEN_AI_INPUT_MESSAGES).is_none());
}

#[tokio::test]
async fn the_outbox_keeps_runs_through_a_collector_that_is_down_then_busy_then_back() {
    let (store, _dir) = common::file_store().await;
    // A port nothing listens on (taken, then given back).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/v1/traces");
    let exporter = send_to(&store, &url, false).await;
    let mut ids = HashSet::new();
    for minute in 0..300 {
        let run = common::new_run(None, minute, "echo", RunStatus::Success, "ok");
        ids.insert(run.id.to_string());
        store.insert_run(&run).await.unwrap();
    }

    // Down: nothing is lost, and the state says so in words.
    let report = exporter.flush(Duration::from_secs(5)).await;
    assert_eq!(report.sent, 0);
    assert_eq!(report.waiting, 300);
    let error = report.error.unwrap();
    assert!(error.contains("cannot reach the collector"), "{error}");
    let status = exporter.status().await.unwrap();
    assert_eq!(status.state, "failing");
    assert_eq!(status.waiting, 300);
    assert!(status.last_error.unwrap().contains(&url));

    // Back, but answering 503 (Retry-After: 0): still nothing lost. (After the failure the runs
    // wait a second before they are due again.)
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let receiver = Receiver::start_on(port, Mode::Status(503)).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let report = exporter.flush(Duration::from_secs(5)).await;
    assert_eq!(report.sent, 0);
    assert_eq!(report.waiting, 300);
    assert!(report.error.unwrap().contains("503"));
    assert_eq!(
        receiver.requests().len(),
        1,
        "one batch tried, then it stops"
    );

    // Accepting: everything arrives once.
    receiver.set_mode(Mode::Accept);
    let report = exporter.flush(Duration::from_secs(10)).await;
    assert_eq!(report.error, None);
    assert_eq!((report.sent, report.waiting), (300, 0));
    let accepted: Vec<String> = receiver
        .accepted_spans()
        .iter()
        .map(|s| otlp::text(s, sc::PROMPTLINE_RUN_ID).unwrap().to_owned())
        .collect();
    assert_eq!(accepted.len(), 300, "nothing twice");
    assert_eq!(
        accepted.iter().cloned().collect::<HashSet<_>>(),
        ids,
        "nothing lost"
    );
    assert_eq!(exporter.status().await.unwrap().state, "connected");

    // Nothing left: a further flush sends nothing, and a backfill finds everything acknowledged.
    let requests = receiver.requests().len();
    assert_eq!(exporter.flush(Duration::from_secs(5)).await.sent, 0);
    assert_eq!(receiver.requests().len(), requests);
    let client = OtlpClient::new(exporter.config().unwrap()).unwrap();
    let report = backfill::backfill(
        &store,
        &client,
        &RunFilter::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!((report.sent, report.already_sent), (0, 300));
}

#[tokio::test]
async fn a_hanging_collector_never_delays_a_run() {
    let (store, _dir) = common::file_store().await;
    let receiver = Receiver::start_on(0, Mode::Hang).await;
    let exporter = send_to(&store, &receiver.url, false).await;
    let _background = exporter.spawn();
    let echo = providers::for_model(&store, &EnvKeys, &ModelRef::parse("echo").unwrap())
        .await
        .unwrap();
    for round in 0..5 {
        let started = Instant::now();
        let run = runner::execute(
            &store,
            echo.clone(),
            RunSpec::new(format!("round {round}"), ModelRef::parse("echo").unwrap()),
            CancellationToken::new(),
            |_| {},
        )
        .await
        .unwrap();
        exporter.wake();
        assert_eq!(run.summary.status, RunStatus::Success);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "a run took {:?} while the collector hung",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!receiver.requests().is_empty(), "the exporter did try");
    // A command's flush gives up at its deadline; the runs stay in the outbox.
    let started = Instant::now();
    let report = exporter.flush(Duration::from_millis(400)).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.waiting, 5);
    assert_eq!(store.count_runs(&RunFilter::default()).await.unwrap(), 5);
}

#[tokio::test]
async fn a_backfill_sends_past_runs_with_their_times_and_resumes_after_a_failure() {
    let (store, dir) = common::file_store().await;
    let file = common::generate_runs(1_600, dir.path());
    store
        .import_jsonl(
            "runs",
            std::io::BufReader::new(std::fs::File::open(file).unwrap()),
            &mut |_| {},
        )
        .await
        .unwrap();
    // Imports are past history: they do not go to the live outbox.
    assert_eq!(store.otel_outbox_len().await.unwrap(), 0);
    let receiver = Receiver::start().await;
    let config = otel::config::resolve(
        &Default::default(),
        Default::default(),
        Some(&receiver.url),
        &|_| None,
    )
    .unwrap()
    .unwrap();
    let client = OtlpClient::new(config).unwrap();

    // The collector refuses after the first two batches: the backfill stops and says how to go on.
    receiver.set_mode(Mode::AcceptThen(1_000, 400));
    let mut last_progress = 0;
    let result = backfill::backfill(
        &store,
        &client,
        &RunFilter::default(),
        &mut |total| assert_eq!(total, 1_600),
        &mut |sent| last_progress = sent,
    )
    .await;
    let error = result.unwrap_err().to_string();
    assert!(error.contains("run the same command again"), "{error}");
    let first = receiver.accepted_spans().len();
    // Requests run 4 at a time, so which batches got in before the refusals varies.
    assert!((1_000..1_600).contains(&first), "{first}");
    assert_eq!(
        last_progress as usize, first,
        "every accepted batch was recorded"
    );

    // Resumed: only the rest, and every run exactly once overall.
    receiver.set_mode(Mode::Accept);
    let report = backfill::backfill(
        &store,
        &client,
        &RunFilter::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.sent as usize, 1_600 - first);
    assert_eq!(report.already_sent as usize, first);
    let spans = receiver.accepted_spans();
    assert_eq!(spans.len(), 1_600);
    let ids: HashSet<&str> = spans
        .iter()
        .map(|s| otlp::text(s, sc::PROMPTLINE_RUN_ID).unwrap())
        .collect();
    assert_eq!(ids.len(), 1_600);

    // Original times: every span starts at its run's created_at.
    let mut sample = store
        .runs_page(&RunFilter::default(), None, 20)
        .await
        .unwrap()
        .items;
    sample.truncate(20);
    let spans = by_run_id(&spans);
    for run in sample {
        let span = &spans[run.id.as_str()];
        assert_eq!(
            span.start_time_unix_nano,
            run.created_at.timestamp_micros() as u64 * 1000
        );
        assert_eq!(
            span.end_time_unix_nano - span.start_time_unix_nano,
            run.execution_time_ms.unwrap_or(0) as u64 * 1_000_000
        );
    }

    // A filter narrows it: nothing of the errors is left to send.
    let errors = RunFilter {
        statuses: vec![RunStatus::Error],
        ..Default::default()
    };
    let report = backfill::backfill(&store, &client, &errors, &mut |_| {}, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.sent, 0);
    assert!(report.already_sent > 0);
}

#[tokio::test]
async fn otlp_json_is_spoken_when_the_environment_asks_for_it() {
    let (store, _dir) = common::file_store().await;
    store
        .insert_run(&common::new_run(None, 0, "echo", RunStatus::Error, ""))
        .await
        .unwrap();
    let receiver = Receiver::start().await;
    let config = otel::config::resolve(
        &Default::default(),
        Default::default(),
        Some(&receiver.url),
        &|name| (name == otel::config::ENV_PROTOCOL).then(|| "http/json".to_owned()),
    )
    .unwrap()
    .unwrap();
    let client = OtlpClient::new(config).unwrap();
    let report = backfill::backfill(
        &store,
        &client,
        &RunFilter::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.sent, 1);
    let request = &receiver.requests()[0];
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    // OTLP/JSON: hex ids, nanoseconds as strings, enums as numbers.
    let span = &body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["traceId"].as_str().unwrap().len(), 32);
    assert_eq!(span["kind"], json!(3));
    assert_eq!(span["status"]["code"], json!(2));
    assert_eq!(receiver.accepted_spans().len(), 1);
}

#[tokio::test]
async fn a_run_is_sent_only_once_it_has_a_final_status() {
    let (store, _dir) = common::file_store().await;
    let receiver = Receiver::start().await;
    let exporter = send_to(&store, &receiver.url, false).await;
    let mut run = common::new_run(None, 0, "echo", RunStatus::Success, "");
    let in_flight = store.begin_run(&run).await.unwrap();
    // Running: queued, but neither counted as waiting nor sent.
    assert_eq!(store.otel_outbox_len().await.unwrap(), 0);
    assert_eq!(exporter.flush(Duration::from_secs(5)).await.sent, 0);
    assert!(receiver.requests().is_empty());
    let backfill_client = OtlpClient::new(exporter.config().unwrap()).unwrap();
    let report = backfill::backfill(
        &store,
        &backfill_client,
        &RunFilter::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.sent, 0, "a backfill leaves running runs alone too");
    assert_eq!(report.already_sent, 0);

    run.response = "done".into();
    store.complete_run(&in_flight, &run).await.unwrap();
    assert_eq!(store.otel_outbox_len().await.unwrap(), 1);
    assert_eq!(exporter.flush(Duration::from_secs(5)).await.sent, 1);
    let spans = receiver.accepted_spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(
        otlp::text(&spans[0], sc::PROMPTLINE_STATUS),
        Some("success")
    );
}

#[tokio::test]
async fn emptying_the_outbox_says_how_many_runs_were_waiting() {
    let (store, _dir) = common::file_store().await;
    store.set_live_export(true);
    for i in 0..3 {
        store
            .insert_run(&common::new_run(
                None,
                i,
                "echo",
                RunStatus::Success,
                "waiting",
            ))
            .await
            .unwrap();
    }
    assert_eq!(store.otel_outbox_len().await.unwrap(), 3);
    assert_eq!(store.clear_otel_outbox().await.unwrap(), 3);
    assert_eq!(store.otel_outbox_len().await.unwrap(), 0);
    assert_eq!(store.clear_otel_outbox().await.unwrap(), 0);
}
