//! An empty Tauri window: the floor `bench/app.sh` measures the desktop app's launch and memory
//! against (issue 11). It opens one window of the app's size on a page of one paragraph, with the
//! webview settings the app gives its own (src-tauri/webview.rs): the same JavaScriptCore options,
//! no accelerated compositing without a GPU, small caches. Whatever the app costs above this
//! floor is then what the app itself does (its plugins, the database, its page), not WebKit.

// No console window beside it on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The app sets this before anything else starts, for the web process to inherit.
    if std::env::var_os("JSC_useDFGJIT").is_none() {
        std::env::set_var("JSC_useDFGJIT", "0");
    }
    let result = tauri::Builder::default()
        .setup(|app| {
            tune(app);
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("promptline-empty-window: {error}");
        std::process::exit(1);
    }
}

/// The app's WebKitGTK settings (src-tauri/webview.rs), on this window.
#[cfg(target_os = "linux")]
fn tune(app: &tauri::App) {
    use tauri::Manager;
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };

    let gpu = std::fs::read_dir("/dev/dri")
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    for window in app.webview_windows().into_values() {
        let _ = window.with_webview(move |webview| {
            let webview = webview.inner();
            if let Some(context) = webview.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = WebViewExt::settings(&webview) {
                settings.set_enable_page_cache(false);
                settings.set_enable_webgl(false);
                settings.set_enable_webaudio(false);
                if !gpu {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn tune(_app: &tauri::App) {}
