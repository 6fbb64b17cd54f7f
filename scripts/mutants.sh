#!/usr/bin/env bash
# Mutation testing of the core (issue 19): cargo-mutants changes the code one small way at a time
# (a `>` for a `>=`, a function that returns a default, a deleted `!`) and runs the tests that
# cover that module; a mutant the tests still pass names code no test checks.
#
#   make mutants                          # every module below, one after another
#   bash scripts/mutants.sh template      # one module (template, search, runner, store, providers)
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

# module -> (files, test binaries of promptline-core that exercise them)
declare -A FILES=(
    [template]="crates/core/src/template.rs"
    [search]="crates/core/src/store/search.rs"
    [runner]="crates/core/src/runner.rs"
    [store]="crates/core/src/store/*.rs"
    [providers]="crates/core/src/providers/*.rs"
)
declare -A TESTS=(
    [template]="--lib"
    [search]="--lib --test store"
    [runner]="--lib --test openai --test concurrent_runs --test prompt_controls"
    [store]="--lib --test store --test transfer --test undo --test time_order --test stats --test migrations --test properties --test durability --test run_history_view"
    [providers]="--lib --test openai --test anthropic --test gemini --test providers_config --test limits"
)
ORDER=(template search runner store providers)

modules=("$@")
((${#modules[@]})) || modules=("${ORDER[@]}")
for module in "${modules[@]}"; do
    [[ -v FILES[$module] ]] || { echo "unknown module $module: use one of ${ORDER[*]}" >&2; exit 2; }
    file_args=()
    for f in ${FILES[$module]}; do
        [[ $f == crates/core/src/store/durability.rs ]] && continue
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
