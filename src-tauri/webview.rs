//! WebKitGTK settings for the app's one window (Linux). The app is a single page that never
//! navigates, so WebKit's browser defaults (caches sized for a web browser, a back/forward page
//! cache, WebGL and Web Audio on) only cost memory here.
//!
//! Without a GPU (a VM, a remote desktop, Xvfb), "accelerated" compositing runs OpenGL in
//! software (Mesa's llvmpipe) in both the app and the web process: it loads LLVM into each of them
//! and makes every frame slower than WebKit's plain CPU rendering. There the app asks WebKit not
//! to composite; with a GPU, WebKit's own choice stands.
//!
//! JavaScriptCore runs the page without its optimizing compiler (DFG, and FTL above it): the
//! page's scripts do little per event (a click, a scrolled frame, a page of runs), which the
//! interpreter and the baseline compiler run in well under a frame, while the optimizing tiers
//! keep profiles, compiler threads and optimized code: measured with `bench/app.sh` at 100,000
//! runs, the web process peaks ~12 MB lower with them off and every timing stays where it was.

use std::path::Path;

use tauri::{Manager, Runtime};
use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};

/// JavaScriptCore options for the web process, which reads them from its environment (inherited
/// from the app's): see the module's doc.
pub const JSC_OPTIONS: &[(&str, &str)] = &[("JSC_useDFGJIT", "0")];

/// The [`JSC_OPTIONS`] that the environment does not set already (someone debugging WebKit may).
pub fn jsc_options_to_set(is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    JSC_OPTIONS
        .iter()
        .copied()
        .filter(|(name, _)| !is_set(name))
        .collect()
}

/// Puts [`JSC_OPTIONS`] into the process's environment, for the WebKit processes it starts. Call
/// first thing, while the process has one thread (the environment is not safe to change later).
pub fn prepare_environment() {
    for (name, value) in jsc_options_to_set(|name| std::env::var_os(name).is_some()) {
        std::env::set_var(name, value);
    }
}

/// Whether the machine has a GPU render node (`/dev/dri/renderD*`), which is what Mesa's
/// hardware drivers need; without one, OpenGL is emulated on the CPU.
pub fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// Applies the settings to every webview window of `app`.
pub fn tune<R: Runtime>(app: &tauri::App<R>) {
    let gpu = has_render_node(Path::new("/dev/dri"));
    for window in app.webview_windows().into_values() {
        let result = window.with_webview(move |webview| {
            let webview = webview.inner();
            if let Some(context) = webview.context() {
                // Small in-memory caches: everything the page loads comes from the app itself.
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
        if let Err(error) = result {
            eprintln!("promptline: could not tune the webview: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{has_render_node, jsc_options_to_set, JSC_OPTIONS};

    #[test]
    fn jsc_options_leave_a_value_already_set_alone() {
        assert_eq!(jsc_options_to_set(|_| false), JSC_OPTIONS.to_vec());
        assert!(jsc_options_to_set(|name| name == "JSC_useDFGJIT").is_empty());
    }

    #[test]
    fn a_render_node_means_a_gpu() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(&dir.path().join("missing")));
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(
            !has_render_node(dir.path()),
            "a card alone is not a render node"
        );
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(has_render_node(dir.path()));
    }
}
