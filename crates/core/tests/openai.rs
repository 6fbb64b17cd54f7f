//! The openai provider against a local server speaking its wire format, each story checking the
//! history afterwards. The scenarios are shared with the other APIs (see `wire`).

mod wire;

use promptline_core::providers::ProviderKind;

const KIND: ProviderKind = ProviderKind::OpenAi;

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
async fn partial_answer_is_written_by_size_not_at_every_piece() {
    wire::partial_answer_is_written_by_size_not_at_every_piece(KIND).await;
}

#[tokio::test]
async fn ten_megabytes_are_stored_whole() {
    wire::ten_megabytes_are_stored_whole(KIND).await;
}

#[tokio::test]
async fn http_errors_are_recorded() {
    wire::http_errors_are_recorded(KIND, Vec::new()).await;
}

#[tokio::test]
async fn a_server_that_is_not_running_is_named() {
    use promptline_core::providers::NewProvider;
    use promptline_core::RunStatus;

    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_dir, store, _) = wire::file_store().await;
    store
        .add_provider(&NewProvider {
            name: "local".into(),
            kind: KIND,
            base_url: format!("http://127.0.0.1:{port}/v1"),
            key_env: None,
        })
        .await
        .unwrap();
    let model = promptline_core::providers::ModelRef::parse("local/llama3.2").unwrap();
    for stream in [true, false] {
        let run = wire::run(&store, &model, "x", stream, wire::LONG).await;
        assert_eq!(run.summary.status, RunStatus::Error);
        assert_eq!(
            run.summary.error_message.as_deref(),
            Some(
                format!(
                    "cannot connect to http://127.0.0.1:{port}/v1: connection refused. Is the server running?"
                )
                .as_str()
            )
        );
    }
}

#[tokio::test]
async fn an_error_object_inside_the_stream_ends_the_run() {
    use promptline_core::RunStatus;

    let mut events = wire::stream_events(KIND, &["so far"], None);
    events.truncate(2);
    events.push(
        "data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\"}}\n\n"
            .into(),
    );
    let server = wire::TestServer::always(wire::Reply::sse(events)).await;
    let (_dir, store, _) = wire::file_store().await;
    let model = wire::configure(&store, "remote", KIND, &server).await;
    let run = wire::run(&store, &model, "x", true, wire::LONG).await;
    assert_eq!(run.summary.status, RunStatus::Error);
    assert_eq!(run.response, "so far");
    assert_eq!(
        run.summary.error_message.as_deref(),
        Some("remote reported an error mid-response: The server is overloaded")
    );
}

#[tokio::test]
async fn whole_answers_to_stream_requests() {
    wire::whole_answers_to_stream_requests(KIND).await;
}
