//! A run's response read a head and pieces at a time (what the detail view loads), against a real
//! SQLite file: pieces count characters, so multi-byte text is never split and comes back whole.

mod common;

use common::{file_store, new_run};
use promptline_core::{Error, RunId, RunStatus};

/// Emoji (4 bytes, 2 UTF-16 units), CJK (3 bytes), accents (2 bytes) and ASCII, mixed.
fn multibyte(repeats: usize) -> String {
    "Résumé 🦀 日本語のテキスト — naïve ✅ ascii tail\n".repeat(repeats)
}

#[tokio::test]
async fn pieces_of_a_multibyte_response_join_to_exactly_the_stored_text() {
    let (store, _dir) = file_store().await;
    let response = multibyte(500);
    let run = store
        .insert_run(&new_run(None, 0, "echo", RunStatus::Success, &response))
        .await
        .unwrap();
    let chars = response.chars().count() as i64;

    let head = store.run_head(&run.summary.id, 1000).await.unwrap();
    assert_eq!(head.response_total_chars, chars);
    assert_eq!(head.run.response.chars().count(), 1000);
    assert!(response.starts_with(&head.run.response));
    // Everything but the response is the run as stored.
    assert_eq!(head.run.prompt_text, run.prompt_text);
    assert_eq!(head.run.summary.id, run.summary.id);

    // A piece size that is prime, so piece edges fall at every kind of character.
    let mut joined = head.run.response.clone();
    let mut pieces = 0;
    while (joined.chars().count() as i64) < chars {
        let start = joined.chars().count() as i64;
        let piece = store
            .response_piece(&run.summary.id, start, 997)
            .await
            .unwrap();
        assert!(!piece.is_empty(), "no progress at {start}");
        assert!(piece.chars().count() <= 997);
        joined.push_str(&piece);
        pieces += 1;
    }
    assert!(pieces > 10, "{pieces} pieces");
    assert_eq!(joined, response);
}

#[tokio::test]
async fn the_head_of_a_short_response_is_all_of_it() {
    let (store, _dir) = file_store().await;
    let response = "短い answer 🦀";
    let run = store
        .insert_run(&new_run(None, 0, "echo", RunStatus::Success, response))
        .await
        .unwrap();
    let head = store.run_head(&run.summary.id, 65_536).await.unwrap();
    assert_eq!(head.run.response, response);
    assert_eq!(head.response_total_chars, 11);
    // The head is the full run when it is short.
    assert_eq!(head.run, store.run(&run.summary.id).await.unwrap());
}

#[tokio::test]
async fn an_unknown_run_is_not_found() {
    let (store, _dir) = file_store().await;
    let missing = RunId::new();
    assert!(matches!(
        store.run_head(&missing, 10).await,
        Err(Error::NotFound { kind: "run", .. })
    ));
    assert!(matches!(
        store.response_piece(&missing, 0, 10).await,
        Err(Error::NotFound { kind: "run", .. })
    ));
}

#[tokio::test]
async fn ranges_past_the_end_or_empty_give_nothing() {
    let (store, _dir) = file_store().await;
    let run = store
        .insert_run(&new_run(None, 0, "echo", RunStatus::Success, "🦀🦀🦀"))
        .await
        .unwrap();
    let id = &run.summary.id;
    assert_eq!(store.response_piece(id, 3, 10).await.unwrap(), "");
    assert_eq!(store.response_piece(id, 1_000_000, 10).await.unwrap(), "");
    assert_eq!(store.response_piece(id, 0, 0).await.unwrap(), "");
    assert_eq!(store.response_piece(id, 0, -5).await.unwrap(), "");
    // The end of the text: what is left, not an error.
    assert_eq!(store.response_piece(id, 2, 10).await.unwrap(), "🦀");
    // A negative start reads from the beginning.
    assert_eq!(store.response_piece(id, -4, 1).await.unwrap(), "🦀");
    assert_eq!(store.run_head(id, 0).await.unwrap().run.response, "");
    assert_eq!(store.run_head(id, 0).await.unwrap().response_total_chars, 3);
}
