//! Every database an earlier Promptline made opens in this build with every row kept; one made by
//! a newer Promptline is refused with a message that says so, and is left as it was.

use std::path::{Path, PathBuf};

use promptline_core::{RunFilter, Store};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

fn migration_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// A database file brought to the first `n` migrations, as the Promptline of that time left it,
/// with a prompt and three runs in it (written with the columns the first schema already had).
async fn database_at(n: usize, dir: &Path) -> PathBuf {
    let steps = dir.join(format!("steps-{n}"));
    std::fs::create_dir_all(&steps).unwrap();
    for file in &migration_files()[..n] {
        std::fs::copy(file, steps.join(file.file_name().unwrap())).unwrap();
    }
    let db = dir.join(format!("at-{n}.db"));
    let options = SqliteConnectOptions::new()
        .filename(&db)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(steps.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let base: i64 = 1_780_000_000_000_000; // microseconds, in 2026
    sqlx::query(
        "INSERT INTO prompts (id, name, template, default_model, created_at, updated_at) \
         VALUES ('p-1', 'Old prompt', 'Tell me about {{x}}', 'echo', ?1, ?1)",
    )
    .bind(base)
    .execute(&pool)
    .await
    .unwrap();
    for i in 0..3i64 {
        let at = base + i * 1_000_000;
        sqlx::query(
            "INSERT INTO runs (seq, id, prompt_id, created_at, model, provider, status, tokens_used, \
             execution_time_ms, preview) VALUES (?, ?, 'p-1', ?, 'gpt-4o-mini', 'openai', ?, 12, 340, ?)",
        )
        .bind(at * 1024)
        .bind(format!("run-{i}"))
        .bind(at)
        .bind(if i == 1 { "error" } else { "success" })
        .bind(format!("answer {i}"))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO run_texts (seq, prompt_text, response) VALUES (?, ?, ?)")
            .bind(at * 1024)
            .bind(format!("Tell me about pelicans {i}"))
            .bind(format!("answer {i}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    db
}

#[tokio::test]
async fn a_database_of_every_earlier_version_opens_with_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let total = migration_files().len();
    for n in 1..total {
        let db = database_at(n, dir.path()).await;
        let store = Store::open(&db)
            .await
            .unwrap_or_else(|e| panic!("a database at migration {n} does not open: {e}"));
        assert_eq!(
            store.count_runs(&RunFilter::default()).await.unwrap(),
            3,
            "at {n}"
        );
        for i in 0..3 {
            let run = store
                .run(&format!("run-{i}").as_str().into())
                .await
                .unwrap();
            assert_eq!(run.response, format!("answer {i}"), "at {n}");
            assert_eq!(
                run.prompt_text,
                format!("Tell me about pelicans {i}"),
                "at {n}"
            );
            assert_eq!(run.summary.tokens_used, Some(12));
        }
        let search = RunFilter {
            query: Some("pelicans".into()),
            ..RunFilter::default()
        };
        assert_eq!(store.count_runs(&search).await.unwrap(), 3, "search at {n}");
        let prompts = store.list_prompts(None, 10).await.unwrap();
        assert_eq!((prompts.len(), prompts[0].run_count), (1, 3), "at {n}");
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        // The new statuses work on the upgraded file.
        let errors = RunFilter {
            statuses: vec![promptline_core::RunStatus::Error],
            ..RunFilter::default()
        };
        assert_eq!(store.count_runs(&errors).await.unwrap(), 1);
        // The runs already there are in the analytics roll-ups (migration 15 back-fills them).
        let stats = store.run_stats(&RunFilter::default(), 0).await.unwrap();
        assert_eq!((stats.runs.success, stats.runs.error), (2, 1), "at {n}");
        assert_eq!(stats.tokens, 36, "at {n}");
        assert_eq!(
            stats,
            store
                .run_stats_by_scan(&RunFilter::default(), 0)
                .await
                .unwrap(),
            "at {n}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_database_from_a_newer_promptline_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("newer.db");
    let store = Store::open(&db).await.unwrap();
    store.close().await;
    // A later version added a migration this build does not know.
    let options = SqliteConnectOptions::new().filename(&db);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (29991231000001, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let before = std::fs::read(&db).unwrap();

    let error = Store::open(&db).await.unwrap_err().to_string();
    assert!(
        error.contains("newer version of Promptline") && error.contains("29991231000001"),
        "{error}"
    );
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the file was changed"
    );
}
