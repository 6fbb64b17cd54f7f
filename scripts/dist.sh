#!/usr/bin/env bash
# Builds the release installers for this machine: `make dist`.
#   Linux: target/release/bundle/deb/*.deb and target/release/bundle/rpm/*.rpm
#   (AppImage is not built: its tools are downloaded from GitHub at bundle time; pass
#   DIST_BUNDLES=deb,rpm,appimage where they can be had.)
#   macOS / Windows: the formats `tauri bundle` makes there (.app + .dmg, .msi + setup .exe).
# Each package holds the desktop app and the `promptline` CLI from the same build.
#
# One cargo invocation builds both binaries, so the crates they share are compiled once; then
# `tauri bundle` packages what was built (no second build). The CLI goes in as Tauri's external
# binary (tauri.dist.conf.json): /usr/bin/promptline in the Linux packages.
#
# DIST_PROFILE=debug packages the debug build instead (target/debug/bundle/): the binaries
# `make test` has already compiled with the same features, so `make test-dist` checks the
# packaging without a second, release, compile of everything.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

host=$(rustc -vV | sed -n 's/^host: //p')
case "$(uname -s)" in
  Linux) bundles="${DIST_BUNDLES:-deb,rpm}" ;;
  Darwin) bundles="${DIST_BUNDLES:-app,dmg}" ;;
  *) bundles="${DIST_BUNDLES:-msi,nsis}" ;;
esac
profile="${DIST_PROFILE:-release}"
case "$profile" in
  release) cargo_profile=(--release -p promptline-app -p promptline-cli --features promptline-app/custom-protocol); bundle_profile=() ;;
  # The debug build is the one `make test-rust` and `make e2e` made: the same packages, targets and
  # features, so nothing is compiled again.
  debug) cargo_profile=(--workspace --all-targets --features custom-protocol); bundle_profile=(--debug) ;;
  *) echo "dist.sh: DIST_PROFILE is release or debug, not '$profile'" >&2; exit 2 ;;
esac
exe=""
case "$host" in *windows*) exe=".exe" ;; esac

say "Building the UI"
npm run build
say "Building promptline-app and promptline ($profile)"
cargo build --locked "${cargo_profile[@]}"

mkdir -p src-tauri/binaries
sidecar="src-tauri/binaries/promptline-$host$exe"
if [ "$(uname -s)" = Linux ]; then
  # The release profile keeps line tables for readable backtraces in development (203 MB for the
  # app, 126 MB for the CLI); the packages carry the binaries without them (29 MB and 22 MB).
  # strip replaces the file, so the hard-linked copy cargo keeps in deps/ stays whole.
  strip -o "$sidecar" "$CARGO_TARGET_DIR/$profile/promptline"
  strip "$CARGO_TARGET_DIR/$profile/promptline-app"
else
  cp "$CARGO_TARGET_DIR/$profile/promptline$exe" "$sidecar"
fi

say "Bundling: $bundles"
npx tauri bundle "${bundle_profile[@]}" --bundles "$bundles" --config tauri.dist.conf.json

say "Installers"
find "$CARGO_TARGET_DIR/$profile/bundle" -maxdepth 2 -type f \
  \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*.dmg' -o -name '*.msi' -o -name '*.exe' \) \
  -exec ls -l {} \;
