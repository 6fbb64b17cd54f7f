//! The desktop app's entry point; everything else lives in the library so tests can drive it.

// No console window beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = promptline_app::run() {
        eprintln!("promptline: {error}");
        std::process::exit(1);
    }
}
