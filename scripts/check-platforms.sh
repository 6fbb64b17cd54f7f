#!/usr/bin/env bash
# Compiles the code this Linux machine never runs: `make check-platforms` (not part of `make test`;
# about 20 minutes on 2 cores). Windows: `cargo check` of the core, the CLI and the desktop app for
# x86_64-pc-windows-gnu (the keychain's Windows Credential Manager backend, the data directory under
# %APPDATA%, the WebView2 side of Tauri and the plugins), with MinGW's C compiler for SQLite.
# macOS cannot be checked here: SQLite's C needs Apple's SDK headers, which no Debian package has.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  cache="${TMPDIR:-/tmp}/promptline-apt-cache"; mkdir -p "$cache/partial"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    -o Dir::Cache::Archives="$cache" gcc-mingw-w64-x86-64
fi
[ -d ui/dist ] || npm run build
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" cargo check --locked --target "$target" \
  -p promptline-core -p promptline-cli -p promptline-app --features promptline-app/custom-protocol
echo "check-platforms: $target compiles (core, CLI, desktop app)"
