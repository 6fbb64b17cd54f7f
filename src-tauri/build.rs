//! Build script: compiles tauri.conf.json, the capabilities in src-tauri/capabilities and one
//! `allow-*` permission per app command, so the window can call only what it is granted.

fn main() {
    check_every_handler_is_listed();
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}

/// Every `#[tauri::command]` in src-tauri/commands.rs, settings.rs, curate.rs, import.rs,
/// integrations.rs, prices.rs, team.rs and controls.rs; keep in step with `generate_handler!`.
const COMMANDS: &[&str] = &[
    "list_prompts",
    "get_prompt",
    "create_prompt",
    "update_prompt",
    "delete_prompt",
    "prompt_run_count",
    "runs_page",
    "count_runs",
    "run_stats",
    "get_run",
    "get_run_head",
    "search_hits",
    "response_piece",
    "copy_run_text",
    "delete_runs",
    "delete_matching_runs",
    "undo_deletion",
    "history_changed",
    "list_models",
    "list_provider_models",
    "export_runs",
    "start_run",
    "cancel_run",
    "list_providers",
    "add_provider",
    "update_provider",
    "remove_provider",
    "set_provider_key",
    "delete_provider_key",
    "test_provider",
    "team_status",
    "team_connect",
    "team_disconnect",
    "team_sync",
    "share_prompt",
    "set_rating",
    "set_note",
    "add_tags",
    "remove_tags",
    "tags_in_use",
    "compare_fields",
    "previous_run",
    "retention_rules",
    "set_retention_rule",
    "remove_retention_rule",
    "plan_retention",
    "apply_retention",
    "storage_report",
    "compact",
    "import_file",
    "llm_import_offer",
    "thread_runs",
    "list_sources",
    "otel_status",
    "otel_save",
    "otel_off",
    "price_settings",
    "set_user_price",
    "remove_user_price",
    "reprice_runs",
    "set_monthly_budget",
    "budget_status",
    "update_price_table",
    "key_move_question",
    "prompt_versions",
    "duplicate_prompt",
    "prompt_memory",
    "save_prompt_memory",
    "user_settings",
    "save_user_settings",
];

/// A command registered in `generate_handler!` but missing above gets no permission, and Tauri then
/// lets every window call it: the build stops instead.
fn check_every_handler_is_listed() {
    println!("cargo:rerun-if-changed=src-tauri/lib.rs");
    let lib = std::fs::read_to_string("src-tauri/lib.rs").expect("read src-tauri/lib.rs");
    let start = lib
        .find("generate_handler![")
        .expect("generate_handler! in src-tauri/lib.rs");
    let list = &lib[start + "generate_handler![".len()..];
    let list = &list[..list.find(']').expect("generate_handler! closes")];
    let unlisted: Vec<&str> = list
        .split(',')
        .filter_map(|path| path.trim().rsplit("::").next())
        .filter(|name| !name.is_empty() && !COMMANDS.contains(name))
        .collect();
    assert!(
        unlisted.is_empty(),
        "src-tauri/build.rs: add {unlisted:?} to COMMANDS and an allow-* permission to \
         src-tauri/capabilities/main.json"
    );
}
