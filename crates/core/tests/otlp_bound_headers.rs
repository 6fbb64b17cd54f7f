//! OTLP header values are secrets bound like provider keys (issue 21): to the database they were
//! set in and to the collector's origin. A real OTLP receiver records the headers each request
//! carried; the OS keychain (or the kernel keyring fallback) holds the values.

mod otlp;
mod wire;

use std::time::Duration;

use promptline_core::keys::{ApiKey, Keychain};
use promptline_core::otel::{self, Headers, LiveExporter, SettingsChange};
use promptline_core::Store;

fn bearer(secret: &str) -> Headers {
    Headers::new([("Authorization".to_owned(), format!("Bearer {secret}"))]).unwrap()
}

async fn point_at(store: &Store, url: &str, headers: Option<Headers>) -> otel::SavedSettings {
    otel::save_settings(
        store,
        SettingsChange {
            endpoint: Some(url.to_owned()),
            headers,
            capture_content: Some(false),
        },
    )
    .await
    .expect("the OS keychain (or the kernel keyring) takes the headers")
}

/// Records a run in `store` and sends it; returns the `Authorization` the receiver got.
async fn send_one(store: &Store, receiver: &otlp::Receiver, minute: i64) -> Option<String> {
    let before = receiver.requests().len();
    // Loaded first, as the app and the CLI do: a store queues runs for a loaded exporter.
    let exporter = LiveExporter::load(store).await;
    store
        .insert_run(&promptline_core::NewRun {
            prompt_text: format!("bound headers {minute}"),
            ..wire::echo_run(minute)
        })
        .await
        .unwrap();
    let report = exporter.flush(Duration::from_secs(5)).await;
    assert!(report.error.is_none(), "{report:?}");
    let requests = receiver.requests();
    assert_eq!(requests.len(), before + 1, "one request per flush");
    requests
        .last()
        .and_then(|r| r.header("authorization"))
        .map(str::to_owned)
}

#[tokio::test]
async fn headers_reach_only_the_origin_and_database_they_were_set_for() {
    let secret = format!("otlp-bound-{}", std::process::id());
    let first = otlp::Receiver::start().await;
    let second = otlp::Receiver::start().await;
    let (_a_dir, a, _) = wire::file_store().await;
    let (_b_dir, b, _) = wire::file_store().await;

    // Database A sends to the first collector with its header.
    assert!(point_at(&a, &first.url, Some(bearer(&secret)))
        .await
        .stored
        .is_some());
    assert_eq!(
        send_one(&a, &first, 1).await.as_deref(),
        Some(format!("Bearer {secret}").as_str())
    );

    // Database B, same collector, no header of its own: A's header is not B's.
    point_at(&b, &first.url, None).await;
    assert_eq!(send_one(&b, &first, 2).await, None);

    // A path on the same origin keeps the header.
    let same_origin = first.url.replace("/v1/traces", "/other/v1/traces");
    assert_ne!(same_origin, first.url);
    let saved = point_at(&a, &same_origin, None).await;
    assert!(saved.headers_left_behind.is_none());
    point_at(&a, &first.url, None).await;
    assert_eq!(
        send_one(&a, &first, 3).await.as_deref(),
        Some(format!("Bearer {secret}").as_str())
    );

    // Another port is another origin: the header stays behind, and the caller is told.
    let saved = point_at(&a, &second.url, None).await;
    let left = saved
        .headers_left_behind
        .expect("the header did not follow");
    assert!(first.url.starts_with(&left), "{left} vs {}", first.url);
    assert_eq!(send_one(&a, &second, 4).await, None);
    // Back on the first origin it is gone too: it was removed, not parked.
    point_at(&a, &first.url, None).await;
    assert_eq!(send_one(&a, &first, 5).await, None);
    otel::turn_off(&a).await.unwrap();
}

#[tokio::test]
async fn headers_stored_by_an_earlier_version_move_to_their_bound_entry_once() {
    let secret = format!("otlp-legacy-{}", std::process::id());
    let receiver = otlp::Receiver::start().await;
    let (_dir, store, _) = wire::file_store().await;
    // What the earlier version wrote: the values under a bare account named in the settings.
    let account = format!("otel/{}", uuid::Uuid::now_v7());
    let value = serde_json::to_string(&[("Authorization", format!("Bearer {secret}"))]).unwrap();
    Keychain::set(&account, &ApiKey::new(value).unwrap()).expect("a keychain");
    store
        .save_otel_settings(Some(&receiver.url), false, Some(&account))
        .await
        .unwrap();

    assert_eq!(
        send_one(&store, &receiver, 1).await.as_deref(),
        Some(format!("Bearer {secret}").as_str())
    );
    assert!(
        Keychain::get(&account).unwrap().is_none(),
        "the old entry is gone"
    );
    assert_eq!(store.otel_settings().await.unwrap().keychain_account, None);
    let binding =
        otel::secrets::binding(&store.database_id().await.unwrap(), &receiver.url).unwrap();
    assert_eq!(
        otel::secrets::load(&binding).unwrap().names(),
        ["Authorization"]
    );
    // Still sent after the move.
    assert_eq!(
        send_one(&store, &receiver, 2).await.as_deref(),
        Some(format!("Bearer {secret}").as_str())
    );
    otel::turn_off(&store).await.unwrap();
    assert!(otel::secrets::load(&binding).unwrap().is_empty());
}
