//! Provider configuration in the database, the resolver that turns a model address into a ready
//! provider with its key, and `list_models` asking each configured API.

mod wire;

use promptline_core::keys::EnvKeys;
use promptline_core::providers::{
    self, ModelRef, NewProvider, ProviderEdit, ProviderKind, ProviderModels,
};
use promptline_core::{Error, RunStatus};
use serde_json::json;
use wire::{FixedKey, Reply, TestServer};

#[tokio::test]
async fn built_in_providers_are_seeded() {
    let (_dir, store, _) = wire::file_store().await;
    let listed: Vec<(String, ProviderKind, String, Option<String>, bool)> = store
        .list_providers()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.kind, p.base_url, p.key_env, p.builtin))
        .collect();
    let expected = [
        (
            "anthropic",
            ProviderKind::Anthropic,
            "https://api.anthropic.com",
            Some("ANTHROPIC_API_KEY"),
        ),
        ("echo", ProviderKind::Echo, "", None),
        (
            "gemini",
            ProviderKind::Gemini,
            "https://generativelanguage.googleapis.com/v1beta",
            Some("GEMINI_API_KEY"),
        ),
        (
            "ollama",
            ProviderKind::OpenAi,
            "http://localhost:11434/v1",
            None,
        ),
        (
            "openai",
            ProviderKind::OpenAi,
            "https://api.openai.com/v1",
            Some("OPENAI_API_KEY"),
        ),
    ]
    .map(|(name, kind, url, env)| {
        (
            name.to_owned(),
            kind,
            url.to_owned(),
            env.map(str::to_owned),
            true,
        )
    });
    assert_eq!(listed, expected);
    let created = store.provider("openai").await.unwrap().created_at;
    let age = chrono::Utc::now() - created;
    assert!(
        age.num_seconds().abs() < 60,
        "seeded at migration time: {created}"
    );
}

#[tokio::test]
async fn providers_are_added_changed_and_removed() {
    let (_dir, store, path) = wire::file_store().await;
    let added = store
        .add_provider(&NewProvider {
            name: "openrouter".into(),
            kind: ProviderKind::OpenAi,
            base_url: "https://openrouter.ai/api/v1/".into(),
            key_env: Some("OPENROUTER_API_KEY".into()),
        })
        .await
        .unwrap();
    assert_eq!(added.base_url, "https://openrouter.ai/api/v1");
    assert!(!added.builtin);
    assert_eq!(store.provider("openrouter").await.unwrap(), added);

    let duplicate = store
        .add_provider(&NewProvider {
            name: "openrouter".into(),
            kind: ProviderKind::Anthropic,
            base_url: "https://example.invalid".into(),
            key_env: None,
        })
        .await
        .unwrap_err();
    assert!(
        duplicate.to_string().contains("exists already"),
        "{duplicate}"
    );

    let changed = store
        .update_provider(
            "openrouter",
            &ProviderEdit {
                base_url: Some("http://127.0.0.1:9/v1".into()),
                key_env: Some(None),
                ..ProviderEdit::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.base_url, "http://127.0.0.1:9/v1");
    assert_eq!(changed.key_env, None);
    assert_eq!(store.provider("openrouter").await.unwrap(), changed);

    store.remove_provider("openrouter").await.unwrap();
    assert!(matches!(
        store.provider("openrouter").await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.remove_provider("openrouter").await,
        Err(Error::NotFound { .. })
    ));

    // What a user can get wrong is refused with what to do.
    for (name, kind, url, env, says) in [
        ("a/b", ProviderKind::OpenAi, "http://x", None, "no `/`"),
        (
            "",
            ProviderKind::OpenAi,
            "http://x",
            None,
            "cannot name a provider",
        ),
        (
            "x",
            ProviderKind::OpenAi,
            "localhost:11434",
            None,
            "--base-url http(s)://",
        ),
        ("x", ProviderKind::Gemini, "", None, "not a base URL"),
        (
            "x",
            ProviderKind::OpenAi,
            "http://x",
            Some("sk-live-123"),
            "not the key",
        ),
    ] {
        let error = store
            .add_provider(&NewProvider {
                name: name.into(),
                kind,
                base_url: url.into(),
                key_env: env.map(str::to_owned),
            })
            .await
            .unwrap_err();
        assert!(error.to_string().contains(says), "{error}");
    }
    assert!("openai-ish".parse::<ProviderKind>().is_err());
    assert_eq!(
        "Anthropic".parse::<ProviderKind>().unwrap(),
        ProviderKind::Anthropic
    );

    // The schema holds the closed set too, whoever writes to it.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let raw = sqlx::query(
        "INSERT INTO providers (name, kind, base_url, created_at, updated_at) VALUES ('x', 'cohere', 'http://x', 0, 0)",
    )
    .execute(&pool)
    .await;
    assert!(raw.unwrap_err().to_string().contains("CHECK"));
}

#[tokio::test]
async fn the_resolver_explains_unknown_providers_and_missing_keys() {
    let (_dir, store, _) = wire::file_store().await;
    let unknown = providers::for_model(&store, &EnvKeys, &ModelRef::parse("nope/model").unwrap())
        .await
        .err()
        .unwrap();
    assert!(
        unknown
            .to_string()
            .contains("no provider named `nope`: add it with `promptline provider add nope"),
        "{unknown}"
    );

    let var = "PROMPTLINE_TEST_UNSET_KEY_VAR";
    store
        .update_provider(
            "openai",
            &ProviderEdit {
                key_env: Some(Some(var.into())),
                ..ProviderEdit::default()
            },
        )
        .await
        .unwrap();
    let missing = providers::for_model(
        &store,
        &EnvKeys,
        &ModelRef::parse("openai/gpt-4o-mini").unwrap(),
    )
    .await
    .err()
    .unwrap();
    assert_eq!(missing.code(), "missing_key");
    assert_eq!(
        missing.to_string(),
        format!("no API key for `openai` at https://api.openai.com: set {var} (it takes precedence over a stored key), or store one for this origin with `promptline key set openai` or in Settings > Providers")
    );

    // The offline demo cannot be removed, and works whatever its entry says.
    assert!(store.remove_provider("echo").await.is_err());
    let echo = providers::for_model(&store, &EnvKeys, &ModelRef::parse("echo").unwrap()).await;
    assert!(echo.is_ok());
}

#[tokio::test]
async fn a_key_comes_from_the_providers_own_environment_variable() {
    let var = "PROMPTLINE_TEST_GATEWAY_KEY";
    std::env::set_var(var, "gw-key-from-env\n");
    let server = TestServer::always(Reply::sse(wire::stream_events(
        ProviderKind::OpenAi,
        &["ok"],
        None,
    )))
    .await;
    let (_dir, store, _) = wire::file_store().await;
    store
        .add_provider(&NewProvider {
            name: "gateway".into(),
            kind: ProviderKind::OpenAi,
            base_url: format!("{}/v1", server.url),
            key_env: Some(var.into()),
        })
        .await
        .unwrap();
    let model = ModelRef::parse("gateway/some-model").unwrap();
    let provider = providers::for_model(&store, &EnvKeys, &model)
        .await
        .unwrap();
    let spec = promptline_core::runner::RunSpec::new("hi", model);
    let run = promptline_core::runner::execute(
        &store,
        provider,
        spec,
        tokio_util::sync::CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(run.summary.status, RunStatus::Success);
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer gw-key-from-env")
    );
    // A local server with no key variable gets no Authorization header at all.
    let local = TestServer::always(Reply::sse(wire::stream_events(
        ProviderKind::OpenAi,
        &["ok"],
        None,
    )))
    .await;
    store
        .update_provider(
            "ollama",
            &ProviderEdit {
                base_url: Some(format!("{}/v1", local.url)),
                ..ProviderEdit::default()
            },
        )
        .await
        .unwrap();
    let model = ModelRef::parse("ollama/llama3.2").unwrap();
    let provider = providers::for_model(&store, &EnvKeys, &model)
        .await
        .unwrap();
    let run = promptline_core::runner::execute(
        &store,
        provider,
        promptline_core::runner::RunSpec::new("hi", model),
        tokio_util::sync::CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(run.summary.status, RunStatus::Success);
    assert_eq!(local.requests()[0].header("authorization"), None);
}

#[tokio::test]
async fn list_models_asks_each_configured_api() {
    let openai = TestServer::start(|request| {
        assert_eq!(request.target, "/v1/models");
        Reply::json(
            200,
            json!({"object": "list", "data": [
                {"id": "gpt-b", "object": "model", "created": 1, "owned_by": "system"},
                {"id": "gpt-a", "object": "model", "created": 1, "owned_by": "system"}]})
            .to_string(),
        )
    })
    .await;
    let anthropic = TestServer::start(|request| {
        assert!(request.target.starts_with("/v1/models"));
        assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
        Reply::json(
            200,
            json!({"data": [{"type": "model", "id": "claude-x", "display_name": "Claude X",
                "created_at": "2025-01-01T00:00:00Z"}], "has_more": false,
                "first_id": "claude-x", "last_id": "claude-x"})
            .to_string(),
        )
    })
    .await;
    let gemini = TestServer::start(|request| {
        assert!(request.target.starts_with("/v1beta/models"));
        if request.target.contains("pageToken=next") {
            Reply::json(
                200,
                json!({"models": [{"name": "models/gemini-b",
                    "supportedGenerationMethods": ["generateContent", "countTokens"]}]})
                .to_string(),
            )
        } else {
            Reply::json(
                200,
                json!({"models": [
                    {"name": "models/gemini-a", "supportedGenerationMethods": ["generateContent"]},
                    {"name": "models/embedding-001", "supportedGenerationMethods": ["embedContent"]}],
                    "nextPageToken": "next"})
                .to_string(),
            )
        }
    })
    .await;
    let broken = TestServer::always(Reply::json(
        401,
        wire::error_body(ProviderKind::OpenAi, 401, "Incorrect API key provided"),
    ))
    .await;
    let (_dir, store, _) = wire::file_store().await;
    for builtin in ["openai", "anthropic", "gemini", "ollama"] {
        store.remove_provider(builtin).await.unwrap();
    }
    wire::configure(&store, "o", ProviderKind::OpenAi, &openai).await;
    wire::configure(&store, "a", ProviderKind::Anthropic, &anthropic).await;
    wire::configure(&store, "g", ProviderKind::Gemini, &gemini).await;
    wire::configure(&store, "broken", ProviderKind::OpenAi, &broken).await;

    let listed = providers::list_models(&store, &FixedKey(Some(wire::TEST_KEY.into())))
        .await
        .unwrap();
    let get =
        |name: &str| -> &ProviderModels { listed.iter().find(|p| p.provider == name).unwrap() };
    assert_eq!(listed.len(), 5);
    assert_eq!(get("o").models, ["gpt-a", "gpt-b"]);
    assert_eq!(get("a").models, ["claude-x"]);
    assert_eq!(get("g").models, ["gemini-a", "gemini-b"]);
    assert_eq!(get("echo").models, ["echo"]);
    assert!(get("broken").models.is_empty());
    let error = get("broken").error.clone().unwrap();
    assert!(
        error.starts_with("broken answered 401 Unauthorized"),
        "{error}"
    );
    assert!(get("o").error.is_none());
}
