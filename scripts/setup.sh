#!/usr/bin/env bash
# Installs what Promptline needs on a fresh machine. Idempotent: a second run only checks.
#   scripts/setup.sh        build and run (Debian packages for Tauri, npm packages)
#   scripts/setup.sh test   the same plus what the tests need (WebKitWebDriver, Xvfb, xclip, tauri-driver,
#                           PostgreSQL for the team-sync tests)
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-app}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is required: $2" >&2; exit 1; }
}

debian_packages() {
  local packages=(build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev
    librsvg2-dev libxdo-dev python3)
  if [ "$mode" = test ]; then
    packages+=(webkit2gtk-driver xvfb xauth xclip imagemagick dbus-x11 at-spi2-core sqlite3
      dbus-daemon gnome-keyring python3-venv strace xdotool)
    # The team-sync tests and bench/team.sh start throw-away clusters (initdb, pg_ctl).
    packages+=(postgresql)
    # scripts/test-dist.sh reads the .rpm with rpm -qlp.
    packages+=(rpm)
  fi
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # A private archive dir: a hook on some machines empties the default cache mid-install.
  local cache="${TMPDIR:-/tmp}/promptline-apt-cache"
  mkdir -p "$cache/partial"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    -o Dir::Cache::Archives="$cache" "${missing[@]}"
}

if command -v dpkg-query >/dev/null 2>&1; then
  debian_packages
else
  say "Not a Debian-like system: install Tauri's prerequisites yourself (https://v2.tauri.app/start/prerequisites/)"
fi

need_cmd cargo "install Rust with rustup"
need_cmd node "install Node.js 20 or newer"
need_cmd npm "install Node.js 20 or newer"

if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi

if [ "$mode" = test ] && ! command -v tauri-driver >/dev/null 2>&1; then
  say "Installing tauri-driver"
  cargo install --locked tauri-driver
fi

# The real llm CLI, which the import tests compare with (issue 13): llm 0.36 and its offline echo
# model in a private venv (gitignored). The tests fail, saying to run this, when it is missing.
LLM_VERSION=0.36
LLM_ECHO_VERSION=0.5
if [ "$mode" = test ]; then
  if [ "$(.venv/llm/bin/llm --version 2>/dev/null)" != "llm, version $LLM_VERSION" ] ||
    ! .venv/llm/bin/pip show -q llm-echo 2>/dev/null; then
    need_cmd python3 "install Python 3"
    say "Installing llm $LLM_VERSION and llm-echo $LLM_ECHO_VERSION into .venv/llm"
    python3 -m venv .venv/llm
    .venv/llm/bin/pip install --quiet --disable-pip-version-check "llm==$LLM_VERSION" "llm-echo==$LLM_ECHO_VERSION"
  fi
fi
# The MCP tests drive `promptline mcp` with the official MCP Python SDK, from a private venv
# (gitignored). crates/cli/tests/mcp.rs fails, saying to run this, when it is missing.
MCP_SDK_VERSION=2.3.0
if [ "$mode" = test ] &&
  [ "$(.venv/mcp/bin/python -c 'import importlib.metadata as m; print(m.version("mcp"))' 2>/dev/null)" != "$MCP_SDK_VERSION" ]; then
  say "Installing the MCP Python SDK $MCP_SDK_VERSION into .venv/mcp"
  python3 -m venv .venv/mcp
  .venv/mcp/bin/pip install --quiet --disable-pip-version-check "mcp==$MCP_SDK_VERSION"
fi
# check-jsonschema validates .github/workflows/release.yml offline (scripts/test-dist.sh), from a
# private venv (gitignored).
CHECK_JSONSCHEMA_VERSION=0.39.0
if [ "$mode" = test ] &&
  [ "$(.venv/tools/bin/check-jsonschema --version 2>/dev/null | grep -o '[0-9.]*$')" != "$CHECK_JSONSCHEMA_VERSION" ]; then
  say "Installing check-jsonschema $CHECK_JSONSCHEMA_VERSION into .venv/tools"
  python3 -m venv .venv/tools
  .venv/tools/bin/pip install --quiet --disable-pip-version-check "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
fi
