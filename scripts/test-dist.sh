#!/usr/bin/env bash
# The installers, tested by installing them as a user would (`make test-dist`, part of `make test`):
#   1. build the .deb and .rpm (scripts/dist.sh) from the debug build the tests already compiled,
#      with the same features (DIST_PROFILE=release make test-dist tests the release installers:
#      the same packaging around optimised binaries, at the cost of a second full compile);
#   2. apt-get install ./Promptline_*.deb; the menu entry, icon and both commands are where a
#      distribution puts them, and the package names the libraries the app links;
#   3. the installed `promptline` records a run in the user's default database; the installed app,
#      started from /usr/bin under Xvfb, renders it;
#   4. upgrade over it with a newer package: the history stays;
#   5. remove it: the commands go, the history in the user's data directory stays;
#   6. reinstall: the app shows the same history;
#   7. the .rpm holds the same files as the .deb (rpm -qlp);
#   8. .github/workflows/release.yml validates against GitHub's workflow schema (offline).
# Needs root or sudo (it installs a package); scripts/setup.sh test installs what it uses.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
say() { printf '\033[1m==> test-dist: %s\033[0m\n' "$*" >&2; }
fail() { echo "test-dist: FAILED: $*" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_cache="${TMPDIR:-/tmp}/promptline-apt-cache"
mkdir -p "$apt_cache/partial"
apt_get() { DEBIAN_FRONTEND=noninteractive $sudo apt-get -y -qq --no-install-recommends -o Dir::Cache::Archives="$apt_cache" "$@"; }

say "validating .github/workflows/release.yml against the GitHub workflow schema"
.venv/tools/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/release.yml

export DIST_PROFILE="${DIST_PROFILE:-debug}"
bundle_flags=()
[ "$DIST_PROFILE" = debug ] && bundle_flags=(--debug)
scripts/dist.sh
bundle="$CARGO_TARGET_DIR/$DIST_PROFILE/bundle"
deb=$(ls "$bundle"/deb/*.deb | head -1)
rpm=$(ls "$bundle"/rpm/*.rpm | head -1)
pkg=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
say "built $deb ($(du -h "$deb" | cut -f1)) and $rpm ($(du -h "$rpm" | cut -f1))"

say "package metadata"
for field in Package Version Architecture Maintainer Description Depends Section; do
  value=$(dpkg-deb -f "$deb" "$field")
  [ -n "$value" ] || fail "the .deb has no $field"
  printf '  %-12s %s\n' "$field:" "$(head -1 <<<"$value")"
done
for lib in libwebkit2gtk-4.1-0 libgtk-3-0; do
  dpkg-deb -f "$deb" Depends | grep -q "$lib" || fail "the .deb does not depend on $lib"
done

say "the .rpm holds the same files as the .deb"
deb_files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $NF}' | sed 's|^\./||; s|^|/|' | sort)
deb_dirs=$(dpkg-deb -c "$deb" | awk '$1 ~ /^d/ {print $NF}' | sed 's|^\./||; s|/$||; s|^|/|' | sort)
# rpm -qlp also lists the directories the package owns: leave out those the .deb has as directories.
rpm_files=$(rpm -qlp "$rpm" 2>/dev/null | sort | comm -23 - <(echo "$deb_dirs"))
deb_only=$(comm -23 <(echo "$deb_files") <(echo "$rpm_files"))
rpm_only=$(comm -13 <(echo "$deb_files") <(echo "$rpm_files"))
[ -z "$deb_only" ] || fail "files in the .deb but not in the .rpm: $deb_only"
[ -z "$rpm_only" ] || fail "files in the .rpm but not in the .deb: $rpm_only"
echo "$deb_files" | sed 's/^/  /'

# A user's home: the app and the CLI find the database where a user's would be.
home=$(mktemp -d "${TMPDIR:-/tmp}/promptline-dist-XXXXXX")
cleanup() {
  $sudo dpkg -s "$pkg" >/dev/null 2>&1 && apt_get remove "$pkg" >/dev/null 2>&1 || true
  rm -rf "$home"
}
trap cleanup EXIT
# rustup and cargo (the upgrade step re-bundles) keep their homes.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config"
unset PROMPTLINE_DB
db="$XDG_DATA_HOME/dev.promptline.desktop/promptline.db"

say "apt-get install $deb"
$sudo dpkg -s "$pkg" >/dev/null 2>&1 && apt_get remove "$pkg"
apt_get install "$deb"
for f in /usr/bin/promptline-app /usr/bin/promptline; do [ -x "$f" ] || fail "$f is not installed"; done
desktop=$(dpkg -L "$pkg" | grep '^/usr/share/applications/.*\.desktop$' | head -1)
[ -n "$desktop" ] || fail "no menu entry (.desktop file) installed"
grep -q '^Exec=promptline-app' "$desktop" || fail "$desktop does not start promptline-app"
grep -q '^Icon=' "$desktop" || fail "$desktop names no icon"
dpkg -L "$pkg" | grep -q '^/usr/share/icons/hicolor/.*/apps/.*\.png$' || fail "no icon installed"
app_version=$(/usr/bin/promptline --version)
[[ "$app_version" == *"$version"* ]] || fail "the installed CLI says '$app_version', the package is $version"
[ "$(/usr/bin/promptline db-path)" = "$db" ] || fail "the installed CLI uses $(/usr/bin/promptline db-path), not $db"

say "the installed CLI records a run; the installed app shows it"
id=$(/usr/bin/promptline prompt add --name "Installed check" --text 'Say {{word}}' --model echo)
/usr/bin/promptline run "$id" --var word=hello >/dev/null
xvfb-run -a -s "-screen 0 1440x900x24" node e2e/installed-app.mjs /usr/bin/promptline-app "Installed check" 1 \
  "$home/installed.png"

say "upgrade over it with a newer package"
next="${version%.*}.$(( ${version##*.} + 1 ))"
npx tauri bundle "${bundle_flags[@]}" --bundles deb --config tauri.dist.conf.json --config "{\"version\":\"$next\"}" >/dev/null
newer=$(ls "$bundle"/deb/*_"$next"_*.deb)
apt_get install "$newer"
[ "$(dpkg-query -W -f='${Version}' "$pkg")" = "$next" ] || fail "the upgrade did not install $next"
/usr/bin/promptline run "$id" --var word=again >/dev/null
[ "$(/usr/bin/promptline history --prompt "$id" --json | grep -c '"id"')" -ge 2 ] || fail "history lost in the upgrade"
rm -f "$newer"

say "remove it: the commands go, the history stays"
apt_get remove "$pkg"
[ ! -e /usr/bin/promptline-app ] && [ ! -e /usr/bin/promptline ] || fail "remove left the commands behind"
[ -s "$db" ] || fail "remove deleted the user's history ($db)"

say "reinstall: the history is there"
apt_get install "$deb"
xvfb-run -a -s "-screen 0 1440x900x24" node e2e/installed-app.mjs /usr/bin/promptline-app "Installed check" 2 \
  "$home/reinstalled.png"
mkdir -p docs/screenshots
cp "$home/reinstalled.png" docs/screenshots/installed-app.png
say "ok: $(basename "$deb") $(du -h "$deb" | cut -f1), $(basename "$rpm") $(du -h "$rpm" | cut -f1)"
