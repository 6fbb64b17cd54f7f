//! What a desktop app is expected to do beside its page: a native menu whose items reach the UI
//! as events, one running instance per database (a second launch focuses it and exits), the
//! window's size and place kept across launches and fitted to the screen it opens on, and a page
//! that never navigates anywhere (links open in the OS browser through the opener plugin).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tauri::menu::{AboutMetadata, Menu, MenuItemBuilder, PredefinedMenuItem, SubmenuBuilder};
use tauri::{
    AppHandle, Emitter, Manager, PhysicalPosition, PhysicalSize, Runtime, WebviewWindow,
    WebviewWindowBuilder, WindowEvent,
};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// The event a menu item sends to the UI; its payload is the item's id, one of [`MENU_ITEMS`].
pub const MENU_EVENT: &str = "menu";

/// The ids of the menu items the UI acts on (File and View).
pub const MENU_ITEMS: [&str; 5] = ["new-prompt", "import", "export", "all-runs", "analytics"];

/// The id of File > Quit, which the shell handles itself.
pub const QUIT: &str = "quit";

/// What the window keeps across launches: its size, its place and whether it was maximized.
pub const WINDOW_STATE: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// How long the window must stay still before its size and place are written down.
const SAVE_AFTER: Duration = Duration::from_millis(400);

/// Help > About: the app's name and version.
pub fn about_metadata(version: &str) -> AboutMetadata<'static> {
    AboutMetadata {
        name: Some("Promptline".into()),
        version: Some(version.to_owned()),
        comments: Some("Write LLM prompts, run them anywhere, keep every run.".into()),
        license: Some("MIT".into()),
        ..Default::default()
    }
}

/// The native menu: File (New prompt, Import…, Export…, Quit), Edit (the standard items), View
/// (All runs, Analytics) and Help (About Promptline, with the version).
pub fn menu<R: Runtime, M: Manager<R>>(app: &M) -> tauri::Result<Menu<R>> {
    let item = |id: &str, text: &str, keys: &str| {
        MenuItemBuilder::with_id(id, text)
            .accelerator(keys)
            .build(app)
    };
    let file = SubmenuBuilder::new(app, "File")
        .item(&item("new-prompt", "New prompt", "CmdOrCtrl+N")?)
        .item(&item("import", "Import…", "CmdOrCtrl+O")?)
        .item(&item("export", "Export…", "CmdOrCtrl+E")?)
        .separator()
        .item(&item(QUIT, "Quit", "CmdOrCtrl+Q")?)
        .build()?;
    // Cut, Copy, Paste and Select all act on the focused field (no accelerator of their own on
    // Linux: the web page keeps its keys); Undo and Redo work where the OS menu provides them.
    let edit = SubmenuBuilder::new(app, "Edit")
        .undo()
        .redo()
        .separator()
        .cut()
        .copy()
        .paste()
        .select_all()
        .build()?;
    let view = SubmenuBuilder::new(app, "View")
        .item(&item("all-runs", "All runs", "CmdOrCtrl+1")?)
        .item(&item("analytics", "Analytics", "CmdOrCtrl+2")?)
        .build()?;
    let version = app.package_info().version.to_string();
    let help = SubmenuBuilder::new(app, "Help")
        .item(&PredefinedMenuItem::about(
            app,
            Some("About Promptline"),
            Some(about_metadata(&version)),
        )?)
        .build()?;
    Menu::with_items(app, &[&file, &edit, &view, &help])
}

/// What a click on a menu item does: Quit quits; the others go to the UI as [`MENU_EVENT`].
pub fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    if id == QUIT {
        app.exit(0);
    } else if MENU_ITEMS.contains(&id) {
        let _ = app.emit_to("main", MENU_EVENT, id);
    }
}

/// A 64-bit FNV-1a hash: the same for the same bytes in every build (unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The database as one absolute path whatever way it was named (relative, through a link).
fn canonical(db: &Path) -> PathBuf {
    db.canonicalize()
        .or_else(|_| std::path::absolute(db))
        .unwrap_or_else(|_| db.to_path_buf())
}

/// The name the single-instance plugin registers (a D-Bus name on Linux) for the app on `db`:
/// one instance per database, so a second launch on the same database focuses the first, while
/// apps on two databases (`PROMPTLINE_DB`) are two instances that never see each other.
pub fn instance_id(identifier: &str, db: &Path) -> String {
    let path = canonical(db);
    format!(
        "{identifier}.db{:016x}",
        fnv1a(path.as_os_str().as_encoded_bytes())
    )
}

/// Where the window's size and place are kept for the app on `db`: beside the database, so each
/// database's window (each instance) keeps its own, and a database's folder holds all of it.
pub fn window_state_file(db: &Path) -> PathBuf {
    let path = canonical(db);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "promptline".to_owned());
    path.with_file_name(format!("{stem}.window.json"))
}

/// A window's place and size, in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// `window` moved and shrunk as little as needed to lie wholly inside `screen` (the work area of
/// the monitor it opens on); `None` when it already does.
pub fn fit(window: Rect, screen: Rect) -> Option<Rect> {
    let width = window.width.min(screen.width);
    let height = window.height.min(screen.height);
    let right = screen.x + screen.width as i32 - width as i32;
    let bottom = screen.y + screen.height as i32 - height as i32;
    let fitted = Rect {
        x: window.x.clamp(screen.x, right),
        y: window.y.clamp(screen.y, bottom),
        width,
        height,
    };
    (fitted != window).then_some(fitted)
}

/// The main window's size and place as the window-state plugin last wrote them to `file`, and
/// whether it was maximized; `None` when nothing was kept.
fn kept_rect(file: &Path) -> Option<(Rect, bool)> {
    let text = std::fs::read_to_string(file).ok()?;
    let state: serde_json::Value = serde_json::from_str(&text).ok()?;
    let main = &state["main"];
    let number = |key: &str| main[key].as_i64();
    let rect = Rect {
        x: i32::try_from(number("x")?).ok()?,
        y: i32::try_from(number("y")?).ok()?,
        width: u32::try_from(number("width")?).ok()?,
        height: u32::try_from(number("height")?).ok()?,
    };
    (rect.width > 0 && rect.height > 0).then(|| (rect, main["maximized"].as_bool() == Some(true)))
}

/// The work area of a monitor as a [`Rect`].
fn work_area(monitor: &tauri::Monitor) -> Rect {
    let area = monitor.work_area();
    Rect {
        x: area.position.x,
        y: area.position.y,
        width: area.size.width,
        height: area.size.height,
    }
}

/// Where the main window opens, in physical pixels: the size and place it had, or the configured
/// size centred, brought inside the screen it opens on (the monitor it was on, else the
/// primary one); `None` when no monitor is known.
fn opening_rect<R: Runtime>(
    app: &AppHandle<R>,
    kept: Option<Rect>,
    default: (u32, u32),
) -> Option<Rect> {
    let monitors = app.available_monitors().ok()?;
    let overlaps = |r: &Rect, m: &Rect| {
        r.x < m.x + m.width as i32
            && m.x < r.x + r.width as i32
            && r.y < m.y + m.height as i32
            && m.y < r.y + r.height as i32
    };
    let (screen, scale) = kept
        .and_then(|r| {
            monitors
                .iter()
                .find(|m| overlaps(&r, &work_area(m)))
                .map(|m| (work_area(m), m.scale_factor()))
        })
        .or_else(|| {
            let primary = app.primary_monitor().ok().flatten()?;
            Some((work_area(&primary), primary.scale_factor()))
        })?;
    let wanted = kept.filter(|r| overlaps(r, &screen)).unwrap_or_else(|| {
        let width = (f64::from(default.0) * scale) as u32;
        let height = (f64::from(default.1) * scale) as u32;
        Rect {
            x: screen.x + (screen.width as i32 - width as i32).max(0) / 2,
            y: screen.y + (screen.height as i32 - height as i32).max(0) / 2,
            width,
            height,
        }
    });
    Some(fit(wanted, screen).unwrap_or(wanted))
}

/// Whether the page may go to `url`: only the app's own page (the embedded UI, or the dev
/// server during development). Links in responses open in the OS browser instead.
pub fn is_app_page(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => {
            url.host_str() == Some("tauri.localhost")
                || (!cfg!(feature = "custom-protocol")
                    && url.host_str() == Some("localhost")
                    && url.port() == Some(1420))
        }
        _ => false,
    }
}

/// Opens the main window from the configuration, refusing every navigation away from the app's
/// page, at the size and place it had, fitted to the screen it opens on (placed as it is built:
/// the plugin's own restore, which moves the window after, is skipped). Its size and place are
/// written down shortly after each move or resize, so a crash or a `kill` keeps them too (the
/// plugin alone writes them at exit).
pub fn open_main_window<R: Runtime>(
    app: &AppHandle<R>,
    state_file: &Path,
) -> tauri::Result<WebviewWindow<R>> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .unwrap_or_default();
    let kept = kept_rect(state_file);
    let default = (config.width as u32, config.height as u32);
    let mut builder = WebviewWindowBuilder::from_config(app, &config)?.on_navigation(is_app_page);
    if let Some(rect) = opening_rect(app, kept.map(|(r, _)| r), default) {
        let scale = app
            .primary_monitor()
            .ok()
            .flatten()
            .map_or(1.0, |m| m.scale_factor());
        let size: tauri::LogicalSize<f64> =
            PhysicalSize::new(rect.width, rect.height).to_logical(scale);
        let place: tauri::LogicalPosition<f64> =
            PhysicalPosition::new(rect.x, rect.y).to_logical(scale);
        builder = builder
            .inner_size(size.width, size.height)
            .position(place.x, place.y)
            .maximized(kept.is_some_and(|(_, maximized)| maximized));
    }
    let window = builder.build()?;
    let moves = Arc::new(AtomicU64::new(0));
    let handle = app.clone();
    window.on_window_event(move |event| {
        if matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
            let this = moves.fetch_add(1, Ordering::SeqCst) + 1;
            let (moves, handle) = (moves.clone(), handle.clone());
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(SAVE_AFTER).await;
                if moves.load(Ordering::SeqCst) == this {
                    let _ = handle.save_window_state(WINDOW_STATE);
                }
            });
        }
    });
    Ok(window)
}

/// A second launch on the same database: bring the running window to the front.
pub fn focus_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Rect = Rect {
        x: 0,
        y: 0,
        width: 1366,
        height: 768,
    };

    #[test]
    fn a_window_that_fits_stays_as_it_is() {
        let inside = Rect {
            x: 100,
            y: 50,
            width: 800,
            height: 600,
        };
        assert_eq!(fit(inside, SCREEN), None);
    }

    #[test]
    fn a_window_larger_than_the_screen_or_past_its_edge_is_brought_inside() {
        let large = Rect {
            x: 0,
            y: 0,
            width: 1440,
            height: 900,
        };
        assert_eq!(fit(large, SCREEN), Some(SCREEN));
        let off = Rect {
            x: 1200,
            y: -40,
            width: 800,
            height: 600,
        };
        assert_eq!(
            fit(off, SCREEN),
            Some(Rect {
                x: 566,
                y: 0,
                width: 800,
                height: 600
            })
        );
        // A second monitor to the right: its own coordinates.
        let right = Rect {
            x: 1366,
            y: 0,
            width: 1920,
            height: 1080,
        };
        let on_it = Rect {
            x: 3000,
            y: 700,
            width: 800,
            height: 600,
        };
        assert_eq!(
            fit(on_it, right),
            Some(Rect {
                x: 2486,
                y: 480,
                width: 800,
                height: 600
            })
        );
    }

    #[test]
    fn one_instance_per_database_whatever_the_path_looks_like() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.db");
        let b = dir.path().join("b.db");
        std::fs::write(&a, "").unwrap();
        std::fs::write(&b, "").unwrap();
        let id = "dev.promptline.desktop";
        let same = dir.path().join(".").join("a.db");
        assert_eq!(instance_id(id, &a), instance_id(id, &same));
        assert_ne!(instance_id(id, &a), instance_id(id, &b));
        let name = instance_id(id, &a);
        // A D-Bus name: elements of letters, digits and `_`, none starting with a digit.
        assert!(name.starts_with("dev.promptline.desktop.db"));
        assert!(name
            .split('.')
            .all(|e| !e.is_empty() && !e.starts_with(|c: char| c.is_ascii_digit())));
        assert_eq!(
            window_state_file(&a),
            dir.path().canonicalize().unwrap().join("a.window.json")
        );
    }

    #[test]
    fn the_page_never_leaves_the_app() {
        let ok = |s: &str| is_app_page(&s.parse().unwrap());
        assert!(ok("tauri://localhost/index.html"));
        assert!(ok("http://tauri.localhost/"));
        assert!(!ok("https://example.com/"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("tauri://evil/"));
        assert!(!ok("javascript:alert(1)"));
    }
}
