//! "A recorded run survives a power cut": every connection the store opens runs with
//! `synchronous = FULL` in WAL mode, read back from SQLite on the live connections (a kill -9
//! test alone passes with `synchronous = OFF`, since the OS keeps what the process wrote).

use promptline_core::store::durability::ConnectionSettings;
use promptline_core::Store;

fn assert_durable(settings: &[ConnectionSettings], expected_connections: usize) {
    assert_eq!(settings.len(), expected_connections, "{settings:?}");
    for connection in settings {
        assert_eq!(
            connection.synchronous,
            ConnectionSettings::FULL,
            "{connection:?}"
        );
        assert_eq!(connection.journal_mode, "wal", "{connection:?}");
        assert!(connection.foreign_keys, "{connection:?}");
    }
}

#[tokio::test]
async fn the_app_s_pool_and_the_cli_s_single_connection_all_run_with_synchronous_full() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    // The app's pool (Store::open) and what the CLI opens for a command (one connection).
    let app = Store::open(&path).await.unwrap();
    assert_durable(&app.connection_settings().await.unwrap(), 4);
    let cli = Store::open_with_connections(&path, 1).await.unwrap();
    assert_durable(&cli.connection_settings().await.unwrap(), 1);
    let mcp = Store::open_with_connections(&path, 4).await.unwrap();
    assert_durable(&mcp.connection_settings().await.unwrap(), 4);
    // Reopened after a close: settings are per connection, not kept in the file.
    app.close().await;
    cli.close().await;
    mcp.close().await;
    let again = Store::open(&path).await.unwrap();
    assert_durable(&again.connection_settings().await.unwrap(), 4);
}
