# Everyday commands. `make run` and `make test` are the README's two set-up commands; CI runs `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
# The app embeds ui/dist (as `tauri build` does). Tests, lints and the e2e build use the same
# features, so nothing is compiled twice.
APP_FEATURES := --features custom-protocol

.PHONY: run test setup setup-test app ui fmt fmt-check lint test-rust test-ui e2e demo bench bench-scale bench-team mutants

## Install everything, build, and start the desktop app on the embedded defaults.
run: setup app

## Install everything, then run every check and test.
test: setup-test fmt-check ui lint test-ui test-rust e2e test-dist

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh test

ui:
	npm run build

app: ui
	$(CARGO) run --release -p promptline-app $(APP_FEATURES)

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets $(APP_FEATURES) -- -D warnings
	npm run check

test-ui:
	npm test

test-rust:
	$(CARGO) test --workspace $(APP_FEATURES)

## The real app in a real window (Xvfb + tauri-driver + WebKitWebDriver).
e2e:
	bash e2e/run.sh

## Release installers for this machine (Linux: .deb and .rpm in target/release/bundle/).
dist:
	scripts/dist.sh

## The installers tested by installing them: apt-get install, run, upgrade, remove, reinstall.
test-dist:
	scripts/test-dist.sh

## Compile the Windows build of the core, the CLI and the app here (not part of `make test`).
check-platforms:
	scripts/check-platforms.sh

## A short tour of the CLI on the default database (the desktop app's file).
demo:
	$(CARGO) build --release -p promptline-cli
	scripts/demo.sh target/release/promptline

## Side-by-side benchmarks against the llm CLI and sqlite3 (see bench/RESULTS.md).
bench:
	bash bench/run.sh

## The same from 10,000 to 1,000,000 runs (needs about 23 GB of disk).
bench-scale:
	bash bench/run.sh --scale

## Team sync on a real PostgreSQL server: push 100k runs, empty sync, team page at 10k-1M rows.
bench-team:
	bash bench/team.sh

## Mutation testing of the core's template, search, runner, store and providers (cargo-mutants;
## hours on 2 cores, not part of `make test`; figures in docs/mutants.md). One module:
## `bash scripts/mutants.sh template`.
mutants:
	bash scripts/mutants.sh
