# Everyday commands. `make run` and `make test` are the README's two set-up commands; CI runs `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo

.PHONY: run test setup setup-test demo fmt fmt-check lint test-rust bench

## Install everything, then start Promptline on the embedded defaults.
run: setup demo

## Install everything, then run every check and test.
test: setup-test fmt-check lint test-rust

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh test

## A short tour of the CLI on the default database (the desktop app's file).
demo:
	$(CARGO) build --release -p promptline-cli
	scripts/demo.sh target/release/promptline

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

## Side-by-side benchmarks against the llm CLI and sqlite3 (see bench/README.md).
bench:
	bash bench/run.sh
