//! Promptline's desktop shell: opens the store, registers the commands and plugins, and starts
//! the window. All logic lives in promptline-core; this crate only connects it to the UI.

pub mod commands;
pub mod controls;
pub mod curate;
pub mod desktop;
pub mod error;
pub mod import;
pub mod integrations;
pub mod ipc;
pub mod keys;
pub mod models;
pub mod prices;
pub mod settings;
pub mod state;
pub mod team;
#[cfg(target_os = "linux")]
pub mod webview;

#[cfg(test)]
mod bindings;
#[cfg(test)]
#[path = "../crates/core/tests/otlp/mod.rs"]
mod otlp;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use promptline_core::Store;
use tauri::{Builder, Runtime};

pub use error::{CommandError, CommandResult};
pub use state::AppState;

/// The environment variable that overrides where the database lives.
pub const DB_ENV: &str = "PROMPTLINE_DB";

/// The database the app opens: `$PROMPTLINE_DB` when set, else the one the CLI uses by default.
pub fn db_path() -> promptline_core::Result<PathBuf> {
    match std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        Some(path) => Ok(PathBuf::from(path)),
        None => promptline_core::store::default_db_path(),
    }
}

/// Adds the app's plugins, state and commands to `builder`. Generic over the runtime so tests
/// can drive the same app with `tauri::test::mock_builder()`.
pub fn app_builder<R: Runtime>(builder: Builder<R>, store: Store) -> Builder<R> {
    builder
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(AppState::new(store))
        .invoke_handler(tauri::generate_handler![
            commands::list_prompts,
            commands::get_prompt,
            commands::create_prompt,
            commands::update_prompt,
            commands::delete_prompt,
            commands::prompt_run_count,
            commands::runs_page,
            commands::count_runs,
            commands::run_stats,
            commands::get_run,
            commands::get_run_head,
            commands::response_piece,
            commands::copy_run_text,
            commands::search_hits,
            commands::delete_runs,
            commands::delete_matching_runs,
            commands::undo_deletion,
            commands::history_changed,
            commands::list_models,
            commands::list_provider_models,
            commands::export_runs,
            commands::start_run,
            commands::cancel_run,
            settings::list_providers,
            settings::add_provider,
            settings::update_provider,
            settings::remove_provider,
            settings::set_provider_key,
            settings::delete_provider_key,
            settings::test_provider,
            team::team_status,
            team::team_connect,
            team::team_disconnect,
            team::team_sync,
            team::share_prompt,
            curate::set_rating,
            curate::set_note,
            curate::add_tags,
            curate::remove_tags,
            curate::tags_in_use,
            curate::compare_fields,
            curate::previous_run,
            curate::retention_rules,
            curate::set_retention_rule,
            curate::remove_retention_rule,
            curate::plan_retention,
            curate::apply_retention,
            curate::storage_report,
            curate::compact,
            import::import_file,
            import::llm_import_offer,
            import::thread_runs,
            import::list_sources,
            integrations::otel_status,
            integrations::otel_save,
            integrations::otel_off,
            prices::price_settings,
            prices::set_user_price,
            prices::remove_user_price,
            prices::reprice_runs,
            prices::set_monthly_budget,
            prices::budget_status,
            prices::update_price_table,
            settings::key_move_question,
            controls::prompt_versions,
            controls::duplicate_prompt,
            controls::prompt_memory,
            controls::save_prompt_memory,
            controls::user_settings,
            controls::save_user_settings,
        ])
}

/// The database at `path` as the app opens it at start-up, with the sample prompt on a first
/// launch.
pub async fn open_store(path: &std::path::Path) -> promptline_core::Result<Store> {
    let store = Store::open(path).await?;
    store.ensure_sample_prompt().await?;
    Ok(store)
}

/// Opens the store (creating the sample prompt on a first launch) and runs the app until its
/// window closes. A second launch on the same database focuses the running app and exits.
pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Before any thread starts (the async runtime below starts several).
    #[cfg(target_os = "linux")]
    webview::prepare_environment();
    let path = db_path()?;
    let store = tauri::async_runtime::block_on(open_store(&path))?;
    let sync_store = store.clone();
    let background = store.clone();
    let tidy = store.clone();
    let context = tauri::generate_context!("tauri.conf.json");
    let instance = desktop::instance_id(&context.config().identifier, &path);
    let window_state = desktop::window_state_file(&path);
    let state_file = window_state.clone();
    // First: a second instance must be found before anything else is set up.
    let builder = tauri::Builder::default()
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance)
                .callback(|app, _args, _cwd| desktop::focus_main(app))
                .build(),
        )
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_filename(window_state.to_string_lossy())
                .with_state_flags(desktop::WINDOW_STATE)
                // Placed as it is built (desktop::open_main_window), not moved after.
                .skip_initial_state("main")
                .build(),
        )
        .menu(desktop::menu)
        .on_menu_event(|app, event| desktop::on_menu(app, event.id().as_ref()));
    app_builder(builder, store)
        .setup(move |app| {
            desktop::open_main_window(app.handle(), &state_file)?;
            team::start_background_sync(app.handle().clone(), sync_store);
            prices::price_in_background(app.handle().clone(), background);
            curate::spawn_retention(app.handle().clone(), tidy);
            #[cfg(target_os = "linux")]
            webview::tune(app);
            Ok(())
        })
        .run(context)?;
    Ok(())
}
