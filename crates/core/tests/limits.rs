//! The time limits the README names: connecting gives up after 10 s whatever the run's own limit,
//! and a run's limit is 300 s unless told otherwise.

mod wire;

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use promptline_core::providers::{ModelRef, NewProvider, ProviderKind};
use promptline_core::runner::{RunSpec, DEFAULT_TIMEOUT};
use promptline_core::RunStatus;

/// A listening socket whose accept queue is full: the kernel drops further SYNs, so a new
/// connection neither succeeds nor is refused (as with a firewalled host). Returns the listener
/// and the connections that fill its queue (both must stay alive).
fn unanswered_address() -> (TcpListener, Vec<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..4096 {
        match TcpStream::connect_timeout(&address, Duration::from_millis(200)) {
            Ok(stream) => queued.push(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return (listener, queued),
            Err(e) => panic!("filling the accept queue: {e}"),
        }
    }
    panic!("the accept queue of {address} never filled");
}

#[tokio::test]
async fn connecting_gives_up_after_10_seconds_even_when_the_run_may_take_longer() {
    let (listener, _queued) = unanswered_address();
    let (_dir, store, _) = wire::file_store().await;
    store
        .add_provider(&NewProvider {
            name: "firewalled".into(),
            kind: ProviderKind::OpenAi,
            base_url: format!("http://{}/v1", listener.local_addr().unwrap()),
            key_env: None,
        })
        .await
        .unwrap();
    let model = ModelRef::parse("firewalled/gpt-test").unwrap();
    let started = Instant::now();
    let run = wire::run(&store, &model, "hello", true, Duration::from_secs(60)).await;
    let took = started.elapsed();
    let stored = store.run(&run.summary.id).await.unwrap();
    assert_eq!(stored.summary.status, RunStatus::Error, "{stored:?}");
    let message = stored.summary.error_message.unwrap();
    assert!(
        message.contains("no answer within 10 s (connect timeout)"),
        "{message}"
    );
    assert!(
        (Duration::from_millis(9_500)..Duration::from_secs(30)).contains(&took),
        "gave up after {took:?}"
    );
}

#[test]
fn a_run_may_take_300_seconds_unless_told_otherwise() {
    assert_eq!(DEFAULT_TIMEOUT, Duration::from_secs(300));
    let spec = RunSpec::new("x", ModelRef::parse("echo").unwrap());
    assert_eq!(spec.timeout, Duration::from_secs(300));
    assert_eq!(
        promptline_core::providers::CONNECT_TIMEOUT,
        Duration::from_secs(10)
    );
}
