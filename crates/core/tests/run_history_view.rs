//! The `run_history` view: the spec's single `prompt_run_history` record, read with plain SQL by
//! another connection (as a user's `sqlite3` or a BI tool reads it), equal to what the app shows.

mod common;

use common::{file_store, new_run, saved_prompt};
use promptline_core::{ContextMessage, RunOrigin, RunStatus};
use sqlx::{Connection, Row};

#[tokio::test]
async fn run_history_shows_every_run_as_one_record_with_every_field() {
    let (store, dir) = file_store().await;
    let prompt = saved_prompt(&store, "Greeter", "Hello {{who}}").await;
    let mut full = new_run(
        Some(&prompt.id),
        5,
        "gpt-test",
        RunStatus::Success,
        "Hello, Ada.",
    );
    full.provider = "local".into();
    full.variables = serde_json::json!({"who": "Ada"});
    full.params = serde_json::json!({"temperature": 0.3, "system": "Be kind."});
    full.origin = RunOrigin {
        source: Some("jsonl".into()),
        thread_id: Some("thread-1".into()),
        resolved_model: Some("gpt-test-2026-01-01".into()),
        system_prompt: Some("Be kind.".into()),
        context: vec![ContextMessage {
            role: "user".into(),
            text: "Earlier".into(),
        }],
        prompt_version: None,
    };
    let failed = new_run(None, 6, "echo", RunStatus::Error, "");
    for run in [&full, &failed] {
        store.insert_run(run).await.unwrap();
    }

    let mut conn = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}?mode=ro",
        dir.path().join("history.db").display()
    ))
    .await
    .unwrap();
    let rows = sqlx::query("SELECT * FROM run_history ORDER BY created_at")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (row, want) in rows.iter().zip([&full, &failed]) {
        let shown = store.run(&want.id).await.unwrap();
        let text = |c: &str| row.get::<Option<String>, _>(c);
        let int = |c: &str| row.get::<Option<i64>, _>(c);
        let json = |c: &str| serde_json::from_str::<serde_json::Value>(&text(c).unwrap()).unwrap();
        assert_eq!(text("id").unwrap(), want.id.as_str());
        assert_eq!(
            text("prompt_id"),
            want.prompt_id.as_ref().map(|p| p.as_str().to_owned())
        );
        assert_eq!(int("created_at"), Some(want.created_at.timestamp_micros()));
        assert_eq!(text("model").unwrap(), want.model);
        assert_eq!(text("provider").unwrap(), want.provider);
        assert_eq!(text("status").unwrap(), want.status.to_string());
        assert_eq!(int("tokens_used"), want.tokens_used);
        assert_eq!(int("input_tokens"), want.input_tokens);
        assert_eq!(int("output_tokens"), want.output_tokens);
        assert_eq!(int("execution_time_ms"), want.execution_time_ms);
        assert_eq!(int("ttft_ms"), want.ttft_ms);
        assert_eq!(text("stop_reason"), want.stop_reason);
        assert_eq!(text("error_message"), want.error_message);
        assert_eq!(json("params"), want.params);
        assert_eq!(json("variables"), want.variables);
        assert_eq!(text("prompt_text").unwrap(), want.prompt_text);
        assert_eq!(text("response").unwrap(), want.response);
        assert_eq!(text("source").unwrap(), shown.summary.source);
        assert_eq!(text("thread_id"), want.origin.thread_id);
        assert_eq!(text("resolved_model"), want.origin.resolved_model);
        assert_eq!(text("system_prompt"), want.origin.system_prompt);
        let context: Vec<ContextMessage> = serde_json::from_str(&text("context").unwrap()).unwrap();
        assert_eq!(context, want.origin.context);
        // The same record the app and the CLI show.
        assert_eq!(shown.response, want.response);
        assert_eq!(shown.summary.status, want.status);
    }
    assert_eq!(rows[0].get::<String, _>("source"), "jsonl");
    assert_eq!(rows[1].get::<String, _>("source"), "promptline");
}
