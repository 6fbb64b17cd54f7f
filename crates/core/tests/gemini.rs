//! The gemini provider against a local server speaking its wire format, each story checking the
//! history afterwards. The scenarios are shared with the other APIs (see `wire`).

mod wire;

use promptline_core::providers::ProviderKind;

const KIND: ProviderKind = ProviderKind::Gemini;

#[tokio::test]
async fn streamed_answer_is_recorded() {
    wire::streamed_answer_is_recorded(KIND).await;
}

#[tokio::test]
async fn plain_answer_is_recorded() {
    wire::plain_answer_is_recorded(KIND).await;
}

#[tokio::test]
async fn missing_usage_stays_null() {
    wire::missing_usage_stays_null(KIND).await;
}

#[tokio::test]
async fn malformed_json_is_an_error() {
    wire::malformed_json_is_an_error(KIND).await;
}

#[tokio::test]
async fn cut_off_stream_keeps_partial_text() {
    wire::cut_off_stream_keeps_partial_text(KIND).await;
}

#[tokio::test]
async fn silent_server_times_out() {
    wire::silent_server_times_out(KIND).await;
}

#[tokio::test]
async fn timeout_mid_stream_keeps_partial_text() {
    wire::timeout_mid_stream_keeps_partial_text(KIND).await;
}

#[tokio::test]
async fn slow_first_token_is_measured() {
    wire::slow_first_token_is_measured(KIND).await;
}

#[tokio::test]
async fn cancellation_keeps_partial_text() {
    wire::cancellation_keeps_partial_text(KIND).await;
}

#[tokio::test]
async fn ten_megabytes_are_stored_whole() {
    wire::ten_megabytes_are_stored_whole(KIND).await;
}

#[tokio::test]
async fn http_errors_are_recorded() {
    let bad_key = wire::Failure {
        status: 400,
        body: r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#.into(),
        headers: vec![],
        expect: vec![
            "remote answered 400 Bad Request: API key not valid. Please pass a valid API key (INVALID_ARGUMENT)".into(),
            "promptline key set remote".into(),
        ],
    };
    let quota = wire::Failure {
        status: 429,
        body: r#"{"error":{"code":429,"message":"You exceeded your current quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"22s"}]}}"#.into(),
        headers: vec![],
        expect: vec![
            "You exceeded your current quota (RESOURCE_EXHAUSTED); retry after 22 s".into(),
        ],
    };
    wire::http_errors_are_recorded(KIND, vec![bad_key, quota]).await;
}

#[tokio::test]
async fn a_blocked_prompt_is_an_error_naming_the_reason() {
    use promptline_core::RunStatus;

    let body = r#"{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8}}"#;
    let server = wire::TestServer::always(wire::Reply::json(200, body)).await;
    let (_dir, store, _) = wire::file_store().await;
    let model = wire::configure(&store, "remote", KIND, &server).await;
    let run = wire::run(&store, &model, "x", false, wire::LONG).await;
    assert_eq!(run.summary.status, RunStatus::Error);
    assert_eq!(run.summary.input_tokens, Some(8));
    assert!(run
        .summary
        .error_message
        .unwrap()
        .contains("remote refused the prompt (blockReason SAFETY)"));
}

#[tokio::test]
async fn whole_answers_to_stream_requests() {
    wire::whole_answers_to_stream_requests(KIND).await;
}

#[tokio::test]
async fn the_json_array_form_of_the_stream_is_understood() {
    use promptline_core::RunStatus;

    // What `:streamGenerateContent` sends when `alt=sse` is lost on the way.
    let body = r#"[{"candidates":[{"content":{"parts":[{"text":"one "}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":4,"totalTokenCount":4}},
{"candidates":[{"content":{"parts":[{"text":"two"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2,"totalTokenCount":6}}]"#;
    let server = wire::TestServer::always(wire::Reply::json(200, body)).await;
    let (_dir, store, _) = wire::file_store().await;
    let model = wire::configure(&store, "remote", KIND, &server).await;
    let run = wire::run(&store, &model, "x", true, wire::LONG).await;
    assert_eq!(run.summary.status, RunStatus::Success);
    assert_eq!(run.response, "one two");
    assert_eq!(run.stop_reason.as_deref(), Some("STOP"));
    assert_eq!(
        (
            run.summary.input_tokens,
            run.summary.output_tokens,
            run.summary.tokens_used
        ),
        (Some(4), Some(2), Some(6))
    );
}
