//! A key reaches the provider's request header and nowhere else: not the database file, its WAL,
//! an error message, an export, or any Debug output.

mod otlp;
mod wire;

use promptline_core::keys::ApiKey;
use promptline_core::providers::{anthropic, gemini, openai, ModelRef, ProviderKind};
use promptline_core::runner::{self, RunSpec};
use promptline_core::store::transfer::ExportFormat;
use promptline_core::RunFilter;
use wire::{Reply, TestServer};

const SECRET: &str = "sk-leak-check-7f3a9c2e1b5d";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn the_key_never_reaches_the_history_messages_exports_or_debug_output() {
    let (dir, store, _path) = wire::file_store().await;
    let keys = wire::FixedKey(Some(SECRET.into()));
    // Servers that echo the key back, whole and masked, as some APIs do in their 401s.
    let echo_body = format!(
        "{{\"error\":{{\"message\":\"Incorrect API key provided: {SECRET}. Also sk-lea*********5d.\",\"type\":\"invalid_request_error\"}}}}"
    );
    let mut messages = Vec::new();
    for kind in [
        ProviderKind::OpenAi,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
    ] {
        let ok = TestServer::always(Reply::sse(wire::stream_events(
            kind,
            &["fine"],
            Some((1, 1)),
        )))
        .await;
        let rejecting = TestServer::always(Reply::json(401, echo_body.clone())).await;
        let mid_stream = {
            let mut events = wire::stream_events(kind, &["so far"], None);
            events.truncate(match kind {
                ProviderKind::OpenAi => 2,
                ProviderKind::Anthropic => 4,
                _ => 1,
            });
            events.push(format!(
                "event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"api_error\",\"message\":\"bad key {SECRET}\"}}}}\n\n"
            ));
            TestServer::always(Reply::sse(events)).await
        };
        for (name, server) in [
            ("ok", &ok),
            ("rejecting", &rejecting),
            ("midstream", &mid_stream),
        ] {
            let name = format!("{name}-{kind}");
            let model = wire::configure(&store, &name, kind, server).await;
            let provider = promptline_core::providers::for_model(&store, &keys, &model)
                .await
                .unwrap();
            for stream in [true, false] {
                let mut spec = RunSpec::new(format!("prompt for {name}"), model.clone());
                spec.stream = stream;
                let run = runner::execute(
                    &store,
                    provider.clone(),
                    spec,
                    tokio_util::sync::CancellationToken::new(),
                    |_| {},
                )
                .await
                .unwrap();
                messages.push(format!("{run:?}"));
                if let Some(message) = run.summary.error_message {
                    messages.push(message);
                }
            }
        }
        // The request did carry it, in the header the API wants.
        let request = &ok.requests()[0];
        let carried = request.headers.iter().any(|(_, v)| v.contains(SECRET));
        assert!(carried, "{kind}: the key was not sent");
        assert!(!request.target.contains(SECRET));
    }
    // Unreachable server and missing-key errors.
    let refused = ModelRef::parse("nowhere/m").unwrap();
    store
        .add_provider(&promptline_core::providers::NewProvider {
            name: "nowhere".into(),
            kind: ProviderKind::OpenAi,
            base_url: "http://127.0.0.1:9/v1".into(),
            key_env: Some("PROMPTLINE_TEST_NOWHERE_KEY".into()),
        })
        .await
        .unwrap();
    let provider = promptline_core::providers::for_model(&store, &keys, &refused)
        .await
        .unwrap();
    let run = runner::execute(
        &store,
        provider,
        RunSpec::new("x", refused),
        tokio_util::sync::CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap();
    messages.push(run.summary.error_message.unwrap());

    assert!(messages
        .iter()
        .any(|m| m.contains("Incorrect API key provided")));
    for message in &messages {
        assert!(!message.contains(SECRET), "{message}");
        assert!(!message.contains("7f3a9c"), "{message}");
        assert!(!message.contains("*****5d"), "{message}");
    }

    // Debug output of everything that holds a key.
    let key = ApiKey::new(SECRET).unwrap();
    let debug = [
        format!("{key:?}"),
        format!(
            "{:?}",
            openai::OpenAiProvider::new("o", "http://x", Some(key.clone()), None)
        ),
        format!(
            "{:?}",
            anthropic::AnthropicProvider::new("a", "http://x", Some(key.clone()), None)
        ),
        format!(
            "{:?}",
            gemini::GeminiProvider::new("g", "http://x", Some(key.clone()), None)
        ),
    ];
    for text in &debug {
        assert!(!text.contains(SECRET), "{text}");
    }

    // Every export format.
    for format in [ExportFormat::Jsonl, ExportFormat::Json, ExportFormat::Csv] {
        let mut out = Vec::new();
        let count = store
            .export(&RunFilter::default(), format, &mut out)
            .await
            .unwrap();
        assert!(count >= 19);
        assert!(!contains(&out, SECRET));
    }

    // The database file and its write-ahead log, before and after a checkpoint.
    let files = |dir: &std::path::Path| -> Vec<Vec<u8>> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            // Files only: `<db>-live/` holds the empty lock files of processes with runs in flight.
            .filter(|path| path.is_file())
            .map(|path| std::fs::read(path).unwrap())
            .collect()
    };
    for bytes in files(dir.path()) {
        assert!(!contains(&bytes, SECRET));
        assert!(!contains(&bytes, "7f3a9c2e"));
    }
    store.close().await;
    // Closing checkpoints the log into the database file, unless two pooled connections close at
    // the same moment and neither is the last one: then the log stays, so read whatever is there.
    let bytes: Vec<u8> = files(dir.path()).concat();
    assert!(
        contains(&bytes, "prompt for ok-openai"),
        "the check reads real data"
    );
    assert!(!contains(&bytes, SECRET));
}

/// An OTLP header value (Langfuse's basic auth, an API key) reaches the collector it was stored
/// for and nowhere else: not the database or its WAL, the exporter's errors and state, an export,
/// or Debug output. It lives in the OS keychain.
#[tokio::test]
async fn otlp_header_values_never_reach_the_history_messages_exports_or_debug_output() {
    use promptline_core::otel::{self, Headers, LiveExporter, SettingsChange};
    use std::time::Duration;

    const BASIC: &str = "cGstbGYtbGVhay1jaGVjazpzay1sZi1sZWFrLWNoZWNr";
    const TOKEN: &str = "otlp-token-4d9e8a1c7b";
    let (dir, store, _path) = wire::file_store().await;
    // A collector that quotes the credentials back in its 401, as some do.
    let receiver = otlp::Receiver::start_on(
        0,
        otlp::Mode::StatusWithBody(
            401,
            format!("bad credentials: Basic {BASIC}; token {TOKEN}"),
        ),
    )
    .await;
    let headers = Headers::new([
        ("Authorization".to_owned(), format!("Basic {BASIC}")),
        ("x-api-key".to_owned(), TOKEN.to_owned()),
    ])
    .unwrap();
    otel::save_settings(
        &store,
        SettingsChange {
            endpoint: Some(receiver.url.clone()),
            headers: Some(headers.clone()),
            capture_content: Some(true),
        },
    )
    .await
    .expect("the OS keychain (or the kernel keyring) takes the headers");
    let exporter = LiveExporter::load(&store).await;
    for minute in 0..3 {
        store
            .insert_run(&promptline_core::NewRun {
                prompt_text: format!("prompt for otlp {minute}"),
                ..wire::echo_run(minute)
            })
            .await
            .unwrap();
    }
    let mut messages = Vec::new();
    let report = exporter.flush(Duration::from_secs(5)).await;
    messages.push(report.error.clone().expect("the 401 is reported"));
    let status = exporter.status().await.unwrap();
    assert_eq!(status.header_names, ["Authorization", "x-api-key"]);
    messages.push(status.last_error.clone().unwrap());
    messages.push(format!("{status:?}"));
    messages.push(serde_json::to_string(&status).unwrap());
    messages.push(format!("{:?}", exporter.config()));
    messages.push(format!("{headers:?}"));
    messages.push(format!("{:?}", store.otel_settings().await.unwrap()));
    assert!(messages
        .iter()
        .any(|m| m.contains("refused the credentials")));
    for message in &messages {
        assert!(!message.contains(BASIC), "{message}");
        assert!(!message.contains(TOKEN), "{message}");
    }

    // The collector did get them, in the headers.
    receiver.set_mode(otlp::Mode::Accept);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = exporter.flush(Duration::from_secs(5)).await;
    assert_eq!(report.sent, 3, "{report:?}");
    let request = receiver.requests().pop().unwrap();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Basic {BASIC}").as_str())
    );
    assert_eq!(request.header("x-api-key"), Some(TOKEN));
    // A fresh exporter reads them back from the keychain.
    assert_eq!(
        LiveExporter::load(&store).await.config().unwrap().headers,
        headers
    );

    for format in [ExportFormat::Jsonl, ExportFormat::Json, ExportFormat::Csv] {
        let mut out = Vec::new();
        store
            .export(&RunFilter::default(), format, &mut out)
            .await
            .unwrap();
        assert!(!contains(&out, BASIC) && !contains(&out, TOKEN));
    }
    let files = |dir: &std::path::Path| -> Vec<u8> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            // Files only (`<db>-live/` holds lock files); one removed meanwhile (the WAL) is skipped.
            .filter(|path| path.is_file())
            .flat_map(|path| std::fs::read(path).unwrap_or_default())
            .collect()
    };
    let bytes = files(dir.path());
    assert!(
        contains(&bytes, &receiver.url),
        "the check reads the settings"
    );
    assert!(!contains(&bytes, BASIC) && !contains(&bytes, TOKEN));

    // Off: the keychain entry goes too.
    let endpoint = store.otel_settings().await.unwrap().endpoint.unwrap();
    let binding = otel::secrets::binding(&store.database_id().await.unwrap(), &endpoint).unwrap();
    assert!(!otel::secrets::load(&binding).unwrap().is_empty());
    otel::turn_off(&store).await.unwrap();
    assert!(otel::secrets::load(&binding).unwrap().is_empty());
    store.close().await;
    let bytes = files(dir.path());
    assert!(contains(&bytes, "prompt for otlp 1"));
    assert!(!contains(&bytes, BASIC) && !contains(&bytes, TOKEN));
}
