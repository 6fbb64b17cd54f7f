#!/usr/bin/env bash
# End-to-end test of the real app in a real window: builds the UI and the app (embedding ui/dist),
# then runs e2e/*.test.mjs under Xvfb through tauri-driver and WebKitWebDriver.
# Needs: Debian's xvfb, xauth, xclip, webkit2gtk-driver; `cargo install --locked tauri-driver`; `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
npm run build
# The CLI too: the story records a run with it while the app is open. The same packages, targets and
# features as `make test-rust`, so cargo finds both binaries built (nothing compiled twice).
cargo build --workspace --all-targets --features custom-protocol
export PROMPTLINE_APP="$CARGO_TARGET_DIR/debug/promptline-app"

for tool in tauri-driver WebKitWebDriver xvfb-run xclip; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing (see e2e/run.sh)" >&2; exit 1; }
done

mkdir -p docs/screenshots
exec xvfb-run -a -s "-screen 0 1440x900x24" node --test --test-concurrency=1 e2e/
