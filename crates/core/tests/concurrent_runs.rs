//! Twenty runs at once against local servers of every API kind, recorded in one file-backed store
//! without `database is locked`, each with its own prompt, response and usage.

mod wire;

use std::time::Duration;

use promptline_core::providers::{ModelRef, ProviderKind};
use promptline_core::{RunFilter, RunStatus};
use serde_json::Value;
use wire::{Reply, TestServer};

/// Answers with the prompt it was sent, streamed in three pieces after a short pause, so the runs
/// overlap.
fn echoing_server(kind: ProviderKind) -> impl Fn(&wire::Recorded) -> Reply + Send + Sync {
    move |request| {
        let body = request.json();
        let prompt = match kind {
            ProviderKind::Gemini => body["contents"][0]["parts"][0]["text"].clone(),
            _ => body["messages"][0]["content"].clone(),
        };
        let prompt = prompt.as_str().unwrap_or_default().to_owned();
        let words = prompt.split(' ').count() as i64;
        let pieces = ["echo: ", prompt.as_str(), "."];
        Reply::sse(wire::stream_events(kind, &pieces, Some((words, words + 2))))
            .wait_before(0, Duration::from_millis(150))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_runs_are_all_recorded() {
    let (_dir, store, _) = wire::file_store().await;
    let kinds = [
        ProviderKind::OpenAi,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
    ];
    let mut servers = Vec::new();
    let mut models: Vec<ModelRef> = Vec::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        let server = TestServer::start(echoing_server(kind)).await;
        models.push(wire::configure(&store, &format!("p{i}"), kind, &server).await);
        servers.push(server);
    }

    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let model = models[i % models.len()].clone();
            tokio::spawn(async move {
                let prompt = format!("prompt number {i}");
                let run = wire::run(&store, &model, &prompt, true, wire::LONG).await;
                (i, model, run)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        let (i, model, run) = task.await.unwrap();
        let stored = store.run(&run.summary.id).await.unwrap();
        assert_eq!(
            stored.summary.status,
            RunStatus::Success,
            "{:?}",
            stored.summary.error_message
        );
        assert_eq!(stored.prompt_text, format!("prompt number {i}"));
        assert_eq!(stored.response, format!("echo: prompt number {i}."));
        assert_eq!(stored.summary.provider, model.provider);
        assert_eq!(stored.summary.input_tokens, Some(3));
        assert_eq!(stored.summary.output_tokens, Some(5));
        assert_eq!(stored.summary.tokens_used, Some(8));
        assert!(stored.summary.ttft_ms.unwrap() >= 150);
        ids.push(stored.summary.id);
    }
    // They ran side by side, not one after another (20 × 150 ms = 3 s).
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(store.count_runs(&RunFilter::default()).await.unwrap(), 20);
    let requests: usize = servers.iter().map(|s| s.requests().len()).sum();
    assert_eq!(requests, 20, "one request per run");
    let _: Value = serde_json::json!(null);
}
