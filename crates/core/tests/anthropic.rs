//! The anthropic provider against a local server speaking its wire format, each story checking the
//! history afterwards. The scenarios are shared with the other APIs (see `wire`).

mod wire;

use promptline_core::providers::ProviderKind;

const KIND: ProviderKind = ProviderKind::Anthropic;

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
    let overloaded = wire::Failure {
        status: 529,
        body: wire::error_body(KIND, 529, "Overloaded"),
        headers: vec![],
        expect: vec![
            "remote answered 529 Overloaded: Overloaded (overloaded_error)".into(),
            "remote is overloaded; try again in a moment".into(),
        ],
    };
    wire::http_errors_are_recorded(KIND, vec![overloaded]).await;
}

#[tokio::test]
async fn an_error_event_mid_stream_keeps_the_text_so_far() {
    use promptline_core::RunStatus;

    let mut events = wire::stream_events(KIND, &["Once upon", " a time"], Some((10, 20)));
    events.truncate(5);
    events.push(
        "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n"
            .into(),
    );
    let server = wire::TestServer::always(wire::Reply::sse(events)).await;
    let (_dir, store, _) = wire::file_store().await;
    let model = wire::configure(&store, "remote", KIND, &server).await;
    let run = wire::run(&store, &model, "x", true, wire::LONG).await;
    let stored = store.run(&run.summary.id).await.unwrap();
    assert_eq!(stored.summary.status, RunStatus::Error);
    assert_eq!(stored.response, "Once upon a time");
    // The input count from message_start was reported; the output count never came.
    assert_eq!(stored.summary.input_tokens, Some(10));
    assert_eq!(stored.summary.output_tokens, None);
    assert_eq!(stored.summary.tokens_used, None);
    let message = stored.summary.error_message.unwrap();
    assert!(
        message.starts_with(
            "remote reported an error mid-response: Overloaded (overloaded_error). remote is overloaded"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn whole_answers_to_stream_requests() {
    wire::whole_answers_to_stream_requests(KIND).await;
}
