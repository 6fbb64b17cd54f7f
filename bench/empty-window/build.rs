//! Compiles this crate's tauri.conf.json (the window and its embedded page).

fn main() {
    tauri_build::build();
}
