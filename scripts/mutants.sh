#!/usr/bin/env bash
# Mutation testing of the core (issue 19): cargo-mutants changes the code one small way at a time
# (a `>` for a `>=`, a function that returns a default, a deleted `!`) and runs the tests that
# cover that module; a mutant the tests still pass names code no test checks.
#
#   make mutants                          # every module below, one after another
#   bash scripts/mutants.sh template      # one module (template, search, runner, store, providers)
#   bash scripts/mutants.sh store-stats   # one group of the store (store = all of them; providers too)
#
# Each module's mutants run only the test binaries that exercise it (listed below), with a
# per-mutant timeout; results go to mutants.out/<module>/ (gitignored). The figures and the
# mutants left alive on purpose are in docs/mutants.md. Takes hours for store and providers on 2
# cores: not part of `make test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
    echo "installing cargo-mutants (cargo install --locked cargo-mutants)" >&2
    cargo install --locked cargo-mutants
fi

# module -> (files, test binaries of promptline-core that exercise them). The store and the
# providers are cut into groups, each with the tests that reach it: every mutant then builds and
# runs only those (a provider's wire tests take seconds; the connect-limit test alone takes 10 s).
declare -A FILES=(
    [template]="crates/core/src/template.rs"
    [search]="crates/core/src/store/search.rs"
    [runner]="crates/core/src/runner.rs"
    [store-runs]="crates/core/src/store/mod.rs crates/core/src/store/runs.rs crates/core/src/store/filter.rs crates/core/src/store/time_key.rs crates/core/src/store/identity.rs crates/core/src/store/in_flight.rs crates/core/src/store/source.rs crates/core/src/store/durability.rs"
    [store-prompts]="crates/core/src/store/prompts.rs crates/core/src/store/desktop.rs crates/core/src/store/providers.rs"
    [store-curate]="crates/core/src/store/annotations.rs crates/core/src/store/tags.rs crates/core/src/store/deletions.rs crates/core/src/store/retention.rs crates/core/src/store/storage.rs"
    [store-stats]="crates/core/src/store/stats.rs crates/core/src/store/rollups.rs crates/core/src/store/costs.rs crates/core/src/store/user_prices.rs"
    [store-transfer]="crates/core/src/store/transfer.rs crates/core/src/store/response_pieces.rs"
    [store-otel]="crates/core/src/store/otel.rs"
    [store-team]="crates/core/src/store/team.rs"
    [providers-openai]="crates/core/src/providers/openai.rs"
    [providers-anthropic]="crates/core/src/providers/anthropic.rs"
    [providers-gemini]="crates/core/src/providers/gemini.rs"
    [providers-shared]="crates/core/src/providers/mod.rs crates/core/src/providers/http.rs crates/core/src/providers/sse.rs crates/core/src/providers/echo.rs"
)
declare -A TESTS=(
    [template]="--lib"
    [search]="--lib --test store"
    [runner]="--lib --test openai --test concurrent_runs --test prompt_controls"
    [store-runs]="--lib --test store --test time_order --test properties --test run_history_view --test concurrent_runs --test migrations --test durability"
    [store-prompts]="--lib --test store --test prompt_controls --test undo --test providers_config --test migrations"
    [store-curate]="--lib --test store --test annotations --test undo --test retention --test rollups"
    [store-stats]="--lib --test stats --test rollups --test prices --test annotations"
    [store-transfer]="--lib --test transfer --test properties --test llm_import --test response_pieces --test annotations"
    [store-otel]="--lib --test otel --test keys_never_leak --test otlp_bound_headers"
    [store-team]="--lib --test team"
    [providers-openai]="--lib --test openai --test providers_config"
    [providers-anthropic]="--lib --test anthropic --test providers_config"
    [providers-gemini]="--lib --test gemini --test providers_config"
    [providers-shared]="--lib --test openai --test anthropic --test gemini --test providers_config --test limits"
)
STORE=(store-runs store-prompts store-curate store-stats store-transfer store-otel store-team)
PROVIDERS=(providers-openai providers-anthropic providers-gemini providers-shared)
ORDER=(template search runner "${STORE[@]}" "${PROVIDERS[@]}")

modules=()
for arg in "$@"; do
    case $arg in
        store) modules+=("${STORE[@]}") ;;
        providers) modules+=("${PROVIDERS[@]}") ;;
        *) modules+=("$arg") ;;
    esac
done
((${#modules[@]})) || modules=("${ORDER[@]}")
for module in "${modules[@]}"; do
    [[ -v FILES[$module] ]] || { echo "unknown module $module: use one of ${ORDER[*]} (store and providers = all their groups)" >&2; exit 2; }
    file_args=()
    for f in ${FILES[$module]}; do
        file_args+=(--file "$f")
    done
    echo "== mutants of $module" >&2
    mkdir -p "mutants.out/$module"
    # The test targets go to every cargo call (-C), so only they are built for each mutant, not
    # every test binary of the package.
    target_args=()
    for word in ${TESTS[$module]}; do target_args+=(-C "$word"); done
    cargo mutants --package promptline-core "${file_args[@]}" --timeout "${MUTANTS_TIMEOUT:-120}" \
        --output "mutants.out/$module" ${MUTANTS_IN_PLACE:+--in-place} ${MUTANTS_BASELINE:+--baseline "$MUTANTS_BASELINE"} \
        "${target_args[@]}" || true
done
