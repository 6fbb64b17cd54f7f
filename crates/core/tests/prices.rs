//! What runs cost: prices from the genai-prices table checked against figures worked out by hand
//! from the providers' published per-million rates, runs without a price, user prices and
//! repricing, existing databases priced after the migration, cost in every export format, and
//! the analytics total equal to the sum of the runs.

mod common;
mod wire;

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use common::{file_store, new_run, saved_prompt};
use promptline_core::prices::{self, PriceInput, Pricer};
use promptline_core::providers::{ProviderEdit, ProviderKind};
use promptline_core::store::transfer::ExportFormat;
use promptline_core::{CostSource, NewRun, RunFilter, RunStatus, Store, TokenDetails};
use wire::{Reply, TestServer};

/// A day in 2026 at `hour`:00 UTC.
fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 4, hour, 0, 0).unwrap()
}

fn input<'a>(provider: &'a str, model: &'a str, tokens: (i64, i64)) -> PriceInput<'a> {
    PriceInput {
        provider,
        model,
        resolved_model: None,
        created_at: at(12),
        input_tokens: Some(tokens.0),
        output_tokens: Some(tokens.1),
        token_details: TokenDetails::default(),
    }
}

#[track_caller]
fn assert_usd(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a cost");
    assert!(
        (actual - expected).abs() <= expected.abs() * 1e-9 + 1e-15,
        "cost {actual} != {expected}"
    );
}

async fn pricer() -> (Pricer, Store, tempfile::TempDir) {
    let (store, dir) = file_store().await;
    (Pricer::load(&store).await.unwrap(), store, dir)
}

#[tokio::test]
async fn table_prices_match_the_published_rates() {
    let (pricer, _store, _dir) = pricer().await;

    // OpenAI gpt-4o-mini: $0.15 in, $0.60 out per million.
    let cost = pricer.price(&input("openai", "gpt-4o-mini", (1_000, 500)));
    assert_eq!(cost.source, CostSource::Table);
    assert_eq!(cost.priced_as.as_deref(), Some("openai/gpt-4o-mini"));
    assert_usd(cost.usd, 1_000.0 * 0.15e-6 + 500.0 * 0.60e-6); // $0.00045

    // Anthropic Claude 3.5 Haiku: $0.80 in, $4 out.
    let cost = pricer.price(&input("anthropic", "claude-3-5-haiku-latest", (2_000, 300)));
    assert_eq!(cost.source, CostSource::Table);
    assert_usd(cost.usd, 2_000.0 * 0.80e-6 + 300.0 * 4e-6); // $0.0028

    // Claude Sonnet 4 (the dated id the API resolves to): $3 in, $15 out.
    let cost = pricer.price(&input(
        "anthropic",
        "claude-sonnet-4-20250514",
        (10_000, 1_000),
    ));
    assert_usd(cost.usd, 10_000.0 * 3e-6 + 1_000.0 * 15e-6); // $0.045

    // Google Gemini 2.0 Flash, on the provider Promptline calls `gemini`: $0.10 in, $0.40 out.
    let cost = pricer.price(&input("gemini", "gemini-2.0-flash", (10_000, 2_000)));
    assert_eq!(cost.priced_as.as_deref(), Some("google/gemini-2.0-flash"));
    assert_usd(cost.usd, 10_000.0 * 0.10e-6 + 2_000.0 * 0.40e-6); // $0.0018
}

#[tokio::test]
async fn the_resolved_model_prices_a_run_whose_requested_name_the_table_does_not_know() {
    let (pricer, store, _dir) = pricer().await;

    // A gateway alias the table has never heard of, answered by gpt-4o-mini ($0.15 / $0.60).
    let mut run = input("openai", "team-default-fast", (2_000, 1_000));
    assert_eq!(pricer.price(&run).source, CostSource::Unknown);
    run.resolved_model = Some("gpt-4o-mini-2024-07-18");
    let cost = pricer.price(&run);
    assert_eq!(cost.source, CostSource::Table);
    assert_eq!(cost.priced_as.as_deref(), Some("openai/gpt-4o-mini"));
    assert_usd(cost.usd, 2_000.0 * 0.15e-6 + 1_000.0 * 0.60e-6); // $0.0009

    // The requested name wins when the table knows it: gpt-4o ($2.50 / $10), even if the
    // provider reports another model.
    let mut run = input("openai", "gpt-4o", (1_000, 100));
    run.resolved_model = Some("gpt-4o-mini");
    assert_usd(pricer.price(&run).usd, 1_000.0 * 2.5e-6 + 100.0 * 10e-6);

    // A user's price for the resolved model applies when there is none for the requested one.
    store
        .set_user_price("openai", "gpt-4o-mini-2024-07-18", 1.0, 2.0, None)
        .await
        .unwrap();
    let pricer = Pricer::load(&store).await.unwrap();
    let mut run = input("openai", "team-default-fast", (1_000_000, 1_000_000));
    run.resolved_model = Some("gpt-4o-mini-2024-07-18");
    let cost = pricer.price(&run);
    assert_eq!(cost.source, CostSource::User);
    assert_usd(cost.usd, 3.0);
}

#[tokio::test]
async fn cached_and_reasoning_tokens_are_priced_at_their_rates() {
    let (pricer, _store, _dir) = pricer().await;

    // OpenAI gpt-4o: $2.50 in, $1.25 cached in, $10 out. 10,000 in of which 4,000 cached.
    let mut run = input("openai", "gpt-4o", (10_000, 1_000));
    run.token_details.cached_tokens = Some(4_000);
    let cost = pricer.price(&run);
    assert_usd(
        cost.usd,
        6_000.0 * 2.5e-6 + 4_000.0 * 1.25e-6 + 1_000.0 * 10e-6,
    ); // $0.03

    // Anthropic Claude 3.5 Haiku: cache writes $1, cache reads $0.08. 3,500 in: 1,000 fresh,
    // 500 written to the cache, 2,000 read from it.
    let mut run = input("anthropic", "claude-3-5-haiku-latest", (3_500, 100));
    run.token_details.cache_write_tokens = Some(500);
    run.token_details.cached_tokens = Some(2_000);
    let cost = pricer.price(&run);
    assert_usd(
        cost.usd,
        1_000.0 * 0.8e-6 + 500.0 * 1e-6 + 2_000.0 * 0.08e-6 + 100.0 * 4e-6,
    ); // $0.00186

    // o4-mini bills reasoning as output ($4.40): the split changes nothing.
    let mut run = input("openai", "o4-mini", (1_000, 2_000));
    let plain = pricer.price(&run).usd;
    run.token_details.reasoning_tokens = Some(1_500);
    assert_usd(pricer.price(&run).usd, 1_000.0 * 1.1e-6 + 2_000.0 * 4.4e-6);
    assert_eq!(pricer.price(&run).usd, plain);
}

#[tokio::test]
async fn the_price_in_force_at_the_runs_time_applies() {
    let (pricer, _store, _dir) = pricer().await;
    // DeepSeek chat: $0.27 in / $1.10 out from 00:30 to 16:30 UTC, half that off-peak.
    let mut run = input("deepseek", "deepseek-chat", (1_000_000, 1_000_000));
    run.created_at = at(10);
    assert_usd(pricer.price(&run).usd, 0.27 + 1.10);
    run.created_at = at(20);
    assert_usd(pricer.price(&run).usd, 0.135 + 0.55);
}

#[tokio::test]
async fn unknown_and_local_models_have_no_cost_and_echo_is_free() {
    let (pricer, _store, _dir) = pricer().await;
    let unpriced = [
        (("ollama", "llama3.2:latest"), CostSource::Local),
        (("openai", "gpt-nonexistent-9"), CostSource::Unknown),
        (("unknown", "my-model"), CostSource::Unknown),
    ];
    for ((provider, model), source) in unpriced {
        let cost = pricer.price(&input(provider, model, (100, 100)));
        assert_eq!(
            (cost.usd, cost.source),
            (None, source),
            "{provider}/{model}"
        );
    }
    let mut run = input("openai", "gpt-4o-mini", (0, 0));
    run.output_tokens = None;
    let cost = pricer.price(&run);
    assert_eq!((cost.usd, cost.source), (None, CostSource::NoTokens));

    let cost = pricer.price(&input("echo", "echo", (7, 7)));
    assert_eq!((cost.usd, cost.source), (Some(0.0), CostSource::Free));
}

/// Points a built-in provider at a local server (its name still says which API it is).
async fn serve_as(store: &Store, provider: &str, kind: ProviderKind, server: &TestServer) {
    store
        .update_provider(
            provider,
            &ProviderEdit {
                kind: None,
                base_url: Some(wire::base_url(kind, &server.url)),
                key_env: Some(None),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn runs_record_cache_and_reasoning_counts_and_their_cost() {
    let (_dir, store, _) = wire::file_store().await;

    // OpenAI reports cached and reasoning tokens inside the usage details.
    let body = serde_json::json!({"id": "c1", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10_000, "completion_tokens": 1_000, "total_tokens": 11_000,
            "prompt_tokens_details": {"cached_tokens": 4_000},
            "completion_tokens_details": {"reasoning_tokens": 300}}});
    let server = TestServer::always(Reply::json(200, body.to_string())).await;
    serve_as(&store, "openai", ProviderKind::OpenAi, &server).await;
    let model = promptline_core::providers::ModelRef::parse("openai/gpt-4o").unwrap();
    let run = wire::run(&store, &model, "x", false, wire::LONG).await;
    let s = &run.summary;
    assert_eq!(s.token_details.cached_tokens, Some(4_000));
    assert_eq!(s.token_details.reasoning_tokens, Some(300));
    assert_eq!(s.cost_source, Some(CostSource::Table));
    assert_usd(
        s.cost_usd,
        6_000.0 * 2.5e-6 + 4_000.0 * 1.25e-6 + 1_000.0 * 10e-6,
    );
    // As stored, not only as returned.
    let stored = store.run(&s.id).await.unwrap();
    assert_eq!(stored.summary, run.summary);

    // Anthropic reports cache writes and reads beside the fresh input tokens.
    let body = serde_json::json!({"id": "m1", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
        "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 1_000, "cache_creation_input_tokens": 500,
            "cache_read_input_tokens": 2_000, "output_tokens": 100}});
    let server = TestServer::always(Reply::json(200, body.to_string())).await;
    serve_as(&store, "anthropic", ProviderKind::Anthropic, &server).await;
    let model =
        promptline_core::providers::ModelRef::parse("anthropic/claude-3-5-haiku-latest").unwrap();
    let run = wire::run(&store, &model, "x", false, wire::LONG).await;
    let s = &run.summary;
    assert_eq!(s.input_tokens, Some(3_500));
    assert_eq!(s.token_details.cached_tokens, Some(2_000));
    assert_eq!(s.token_details.cache_write_tokens, Some(500));
    assert_usd(
        s.cost_usd,
        1_000.0 * 0.8e-6 + 500.0 * 1e-6 + 2_000.0 * 0.08e-6 + 100.0 * 4e-6,
    );

    // Gemini counts thinking apart from the answer; both are output.
    let body = serde_json::json!({"candidates": [{"content": {"parts": [{"text": "hi"}], "role": "model"},
        "finishReason": "STOP", "index": 0}], "modelVersion": "gemini-2.0-flash",
        "usageMetadata": {"promptTokenCount": 10_000, "candidatesTokenCount": 1_500,
            "thoughtsTokenCount": 500, "totalTokenCount": 12_000}});
    let server = TestServer::always(Reply::json(200, body.to_string())).await;
    serve_as(&store, "gemini", ProviderKind::Gemini, &server).await;
    let model = promptline_core::providers::ModelRef::parse("gemini/gemini-2.0-flash").unwrap();
    let run = wire::run(&store, &model, "x", false, wire::LONG).await;
    let s = &run.summary;
    assert_eq!(s.output_tokens, Some(2_000));
    assert_eq!(s.token_details.reasoning_tokens, Some(500));
    assert_usd(s.cost_usd, 10_000.0 * 0.10e-6 + 2_000.0 * 0.40e-6);
}

fn priced_run(provider: &str, model: &str, minutes: i64, tokens: (i64, i64)) -> NewRun {
    let mut run = new_run(None, minutes, model, RunStatus::Success, "ok");
    run.provider = provider.into();
    run.input_tokens = Some(tokens.0);
    run.output_tokens = Some(tokens.1);
    run.tokens_used = Some(tokens.0 + tokens.1);
    run
}

#[tokio::test]
async fn user_prices_win_and_reprice_applies_them() {
    let (store, _dir) = file_store().await;
    let prompt = saved_prompt(&store, "p", "x").await;
    let mut a = priced_run("openai", "gpt-4o-mini", 1, (1_000_000, 1_000_000));
    a.prompt_id = Some(prompt.id.clone());
    let mut b = priced_run("ollama", "llama3.2:latest", 2, (2_000_000, 1_000_000));
    b.prompt_id = Some(prompt.id.clone());
    for run in [&a, &b] {
        store.insert_run(run).await.unwrap();
    }
    assert_eq!(store.count_unpriced().await.unwrap(), 2);
    assert_eq!(prices::price_pending(&store, &mut |_| {}).await.unwrap(), 2);
    assert_eq!(store.count_unpriced().await.unwrap(), 0);
    let cost_of = |id| {
        let store = store.clone();
        async move { store.run(id).await.unwrap().summary }
    };
    assert_usd(cost_of(&a.id).await.cost_usd, 0.15 + 0.60);
    assert_eq!(cost_of(&b.id).await.cost_source, Some(CostSource::Local));
    let summary = &store.list_prompts(None, 10).await.unwrap()[0];
    assert_eq!(summary.priced_runs, 1);
    assert_usd(Some(summary.cost_usd), 0.75);

    // A negotiated rate for gpt-4o-mini on openai, and the self-hosted model at $0.
    store
        .set_user_price("openai", "gpt-4o-mini", 0.10, 0.40, None)
        .await
        .unwrap();
    store
        .set_user_price("", "llama3.2:latest", 0.0, 0.0, None)
        .await
        .unwrap();
    // Past runs keep their price until repriced.
    assert_usd(cost_of(&a.id).await.cost_usd, 0.75);
    let filter = RunFilter {
        models: vec!["gpt-4o-mini".into()],
        ..RunFilter::default()
    };
    assert_eq!(
        prices::reprice(&store, &filter, &mut |_| {}).await.unwrap(),
        1
    );
    let a_now = cost_of(&a.id).await;
    assert_eq!(a_now.cost_source, Some(CostSource::User));
    assert_eq!(a_now.priced_as.as_deref(), Some("openai/gpt-4o-mini"));
    assert_usd(a_now.cost_usd, 0.10 + 0.40);
    // Outside the filter: unchanged.
    assert_eq!(cost_of(&b.id).await.cost_source, Some(CostSource::Local));
    prices::reprice(&store, &RunFilter::default(), &mut |_| {})
        .await
        .unwrap();
    let b_now = cost_of(&b.id).await;
    assert_eq!(
        (b_now.cost_usd, b_now.cost_source),
        (Some(0.0), Some(CostSource::User))
    );
    let summary = &store.list_prompts(None, 10).await.unwrap()[0];
    assert_eq!(summary.priced_runs, 2);
    assert_usd(Some(summary.cost_usd), 0.50);

    // A price on another provider does not apply; removing the price brings the table back.
    assert!(store
        .remove_user_price("openai", "gpt-4o-mini")
        .await
        .unwrap());
    assert!(!store
        .remove_user_price("openai", "gpt-4o-mini")
        .await
        .unwrap());
    prices::reprice(&store, &RunFilter::default(), &mut |_| {})
        .await
        .unwrap();
    assert_usd(cost_of(&a.id).await.cost_usd, 0.75);
    assert!(store
        .set_user_price("openai", "gpt-4o-mini", -1.0, 0.0, None)
        .await
        .is_err());
}

/// The migrations before prices existed, applied to a fresh file as an older release did.
async fn database_before_prices(path: &Path) {
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let old = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&all).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".sql") && name.as_str() < "20261201000006" {
            std::fs::copy(entry.path(), old.path().join(&name)).unwrap();
        }
    }
    let migrator = sqlx::migrate::Migrator::new(old.path()).await.unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    migrator.run(&pool).await.unwrap();
    for (i, (provider, model, tokens)) in [
        ("openai", "gpt-4o-mini", Some((1_000_000, 1_000_000))),
        ("anthropic", "claude-3-5-haiku-latest", Some((1_000_000, 0))),
        ("ollama", "llama3.2:latest", Some((5, 5))),
        ("openai", "gpt-4o-mini", None),
    ]
    .into_iter()
    .enumerate()
    {
        let micros = at(12).timestamp_micros() + i as i64;
        sqlx::query(
            "INSERT INTO runs (seq, id, created_at, model, provider, status, input_tokens, output_tokens) \
             VALUES (?, ?, ?, ?, ?, 'success', ?, ?)",
        )
        .bind(micros << 10)
        .bind(format!("old-{i}"))
        .bind(micros)
        .bind(model)
        .bind(provider)
        .bind(tokens.map(|t| t.0))
        .bind(tokens.map(|t| t.1))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO run_texts (seq, prompt_text, response) VALUES (?, 'x', 'y')")
            .bind(micros << 10)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn an_existing_database_is_priced_after_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    database_before_prices(&path).await;

    let store = Store::open(&path).await.unwrap();
    // Opening does not walk the history: the runs wait, unpriced, for the background pricing.
    assert_eq!(store.count_unpriced().await.unwrap(), 4);
    let page = store
        .runs_page(&RunFilter::default(), None, 10)
        .await
        .unwrap();
    assert!(page.items.iter().all(|r| r.cost_source.is_none()));

    let mut heard = Vec::new();
    let priced = prices::price_pending(&store, &mut |n| heard.push(n))
        .await
        .unwrap();
    assert_eq!((priced, heard.last().copied()), (4, Some(4)));
    let cost = |id: &str| {
        let store = store.clone();
        let id = id.to_owned();
        async move { store.run(&id.as_str().into()).await.unwrap().summary }
    };
    assert_usd(cost("old-0").await.cost_usd, 0.15 + 0.60);
    assert_usd(cost("old-1").await.cost_usd, 0.80);
    assert_eq!(cost("old-2").await.cost_source, Some(CostSource::Local));
    let missing = cost("old-3").await;
    assert_eq!(
        (missing.cost_usd, missing.cost_source),
        (None, Some(CostSource::NoTokens))
    );
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    // Nothing is left to price, and a second pass does nothing.
    assert_eq!(prices::price_pending(&store, &mut |_| {}).await.unwrap(), 0);
}

#[tokio::test]
async fn cost_is_in_every_export_and_survives_a_jsonl_round_trip() {
    let (store, _dir) = file_store().await;
    let mut priced = priced_run("openai", "gpt-4o", 1, (10_000, 1_000));
    priced.token_details.cached_tokens = Some(4_000);
    store.insert_run(&priced).await.unwrap();
    let unpriced = priced_run("ollama", "llama3.2:latest", 2, (10, 10));
    store.insert_run(&unpriced).await.unwrap();
    prices::price_pending(&store, &mut |_| {}).await.unwrap();
    let expected = 6_000.0 * 2.5e-6 + 4_000.0 * 1.25e-6 + 1_000.0 * 10e-6;

    let export = |format| {
        let store = store.clone();
        async move {
            let mut out = Vec::new();
            store
                .export(&RunFilter::default(), format, &mut out)
                .await
                .unwrap();
            String::from_utf8(out).unwrap()
        }
    };
    let jsonl = export(ExportFormat::Jsonl).await;
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Newest first: the local run, then the priced one.
    assert_eq!(lines[0]["cost_usd"], serde_json::Value::Null);
    assert_eq!(lines[0]["cost_source"], "local");
    assert_usd(lines[1]["cost_usd"].as_f64(), expected);
    assert_eq!(lines[1]["cached_tokens"], 4_000);

    let json: Vec<serde_json::Value> =
        serde_json::from_str(&export(ExportFormat::Json).await).unwrap();
    assert_usd(json[1]["cost_usd"].as_f64(), expected);

    let csv = export(ExportFormat::Csv).await;
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "cost_usd").unwrap();
    let values: Vec<String> = rows
        .map(|row| row.split(',').nth(column).unwrap().to_owned())
        .collect();
    assert_eq!(values[0], "");
    assert_usd(values[1].parse().ok(), expected);

    // Read back into another database: the cost is kept as the file says, and where it came from.
    let (other, _other_dir) = file_store().await;
    other
        .import_jsonl("export.jsonl", jsonl.as_bytes(), &mut |_| {})
        .await
        .unwrap();
    let back = other.run(&priced.id).await.unwrap().summary;
    assert_eq!(back.cost_source, Some(CostSource::Table));
    assert_eq!(back.priced_as.as_deref(), Some("openai/gpt-4o"));
    assert_usd(back.cost_usd, expected);
    assert_eq!(back.token_details.cached_tokens, Some(4_000));
    // The unpriced one waits to be priced here, with this database's prices.
    assert_eq!(other.count_unpriced().await.unwrap(), 1);
    // A cost from another tool's file, which does not say where it came from.
    let mut line: serde_json::Value = serde_json::from_str(jsonl.lines().nth(1).unwrap()).unwrap();
    line["id"] = "from-elsewhere".into();
    line.as_object_mut().unwrap().remove("cost_source");
    other
        .import_jsonl("other.jsonl", line.to_string().as_bytes(), &mut |_| {})
        .await
        .unwrap();
    let elsewhere = other.run(&"from-elsewhere".into()).await.unwrap().summary;
    assert_eq!(elsewhere.cost_source, Some(CostSource::Imported));
    assert_usd(elsewhere.cost_usd, expected);
}

#[tokio::test]
async fn analytics_cost_is_the_sum_of_the_runs_shown() {
    let (store, _dir) = file_store().await;
    let runs = [
        priced_run("openai", "gpt-4o-mini", 0, (1_234, 567)),
        priced_run("openai", "gpt-4o-mini", 60 * 24, (99_000, 12_345)),
        priced_run(
            "anthropic",
            "claude-3-5-haiku-latest",
            60 * 25,
            (5_000, 800),
        ),
        priced_run("gemini", "gemini-2.0-flash", 60 * 49, (77_777, 3_333)),
        priced_run("ollama", "llama3.2:latest", 60 * 49 + 5, (1, 1)),
    ];
    for run in &runs {
        store.insert_run(run).await.unwrap();
    }
    prices::price_pending(&store, &mut |_| {}).await.unwrap();
    for filter in [
        RunFilter::default(),
        RunFilter {
            models: vec!["gpt-4o-mini".into()],
            ..RunFilter::default()
        },
    ] {
        let page = store.runs_page(&filter, None, 100).await.unwrap();
        let sum: f64 = page.items.iter().filter_map(|r| r.cost_usd).sum();
        let priced = page.items.iter().filter(|r| r.cost_usd.is_some()).count() as i64;
        let stats = store.run_stats(&filter, 0).await.unwrap();
        assert_usd(Some(stats.cost_usd), sum);
        assert_eq!(stats.priced_runs, priced);
        let by_day: f64 = stats.days.iter().map(|d| d.cost_usd).sum();
        let by_model: f64 = stats.models.iter().map(|m| m.cost_usd).sum();
        assert_usd(Some(by_day), sum);
        assert_usd(Some(by_model), sum);
    }
    let stats = store.run_stats(&RunFilter::default(), 0).await.unwrap();
    let mini = stats
        .models
        .iter()
        .find(|m| m.model == "gpt-4o-mini")
        .unwrap();
    let expected = (1_234.0 + 99_000.0) * 0.15e-6 + (567.0 + 12_345.0) * 0.60e-6;
    assert_usd(Some(mini.cost_usd), expected);
    assert_usd(mini.cost_per_1k_runs(), expected / 2.0 * 1000.0);
    let local = stats
        .models
        .iter()
        .find(|m| m.provider == "ollama")
        .unwrap();
    assert_eq!((local.priced_runs, local.cost_per_1k_runs()), (0, None));
}

#[tokio::test]
async fn month_to_date_spend_counts_this_months_runs() {
    let (store, _dir) = file_store().await;
    let mut recent = priced_run("openai", "gpt-4o-mini", 0, (1_000_000, 0));
    recent.created_at = Utc::now() - chrono::Duration::seconds(5);
    let mut old = priced_run("openai", "gpt-4o-mini", 0, (1_000_000, 0));
    old.created_at = Utc::now() - chrono::Duration::days(70);
    store.insert_run(&recent).await.unwrap();
    store.insert_run(&old).await.unwrap();
    prices::price_pending(&store, &mut |_| {}).await.unwrap();
    let month_start = promptline_core::prices::month_start(Utc::now(), 0);
    let spend = store.spend_since(month_start).await.unwrap();
    assert_eq!((spend.runs, spend.priced_runs), (1, 1));
    assert_usd(Some(spend.cost_usd), 0.15);
    let stats = store.run_stats(&RunFilter::default(), 0).await.unwrap();
    assert_usd(Some(stats.month_cost_usd), 0.15);
    assert_usd(Some(stats.cost_usd), 0.30);

    store.set_monthly_budget(Some(0.10)).await.unwrap();
    let status = prices::budget_status(&store, 0).await.unwrap().unwrap();
    assert!(status.exceeded);
    store.set_monthly_budget(None).await.unwrap();
    assert!(prices::budget_status(&store, 0).await.unwrap().is_none());
    assert!(store.set_monthly_budget(Some(0.0)).await.is_err());
}
