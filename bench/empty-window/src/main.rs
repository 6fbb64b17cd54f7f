//! An empty Tauri window: the floor `bench/app.sh` measures the desktop app's launch and memory
//! against (issue 11). It opens one window of the app's size on a page of one paragraph, with the
//! webview settings the app gives its own: the app's own module for them (src-tauri/webview.rs:
//! the same JavaScriptCore options, no accelerated compositing without a GPU, small caches).
//! Whatever the app costs above this floor is then what the app itself does (its plugins, the
//! database, its page), not WebKit.

// No console window beside it on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(target_os = "linux")]
#[path = "../../../src-tauri/webview.rs"]
mod webview;

fn main() {
    #[cfg(target_os = "linux")]
    webview::prepare_environment();
    let result = tauri::Builder::default()
        .setup(|_app| {
            #[cfg(target_os = "linux")]
            webview::tune(_app);
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("promptline-empty-window: {error}");
        std::process::exit(1);
    }
}
