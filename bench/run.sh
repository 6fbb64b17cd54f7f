#!/usr/bin/env bash
# Promptline's benchmarks, side by side with the `llm` CLI (its logs.db) and the `sqlite3` CLI running
# the same SQL on Promptline's own database (the limit). Issue 6.
#
#   bash bench/run.sh                  # 100,000 runs: Promptline vs llm vs sqlite3 -> bench/RESULTS.md
#   bash bench/run.sh --n 20000        # another size
#   bash bench/run.sh --scale          # Promptline (and sqlite3) at 10k, 100k and 1M runs
#   BENCH_SCALE_SIZES=1000000 bash bench/run.sh --scale   # measure 1M again, report all sizes
#   bash bench/run.sh --quick          # fewer repetitions, report in bench/data/RESULTS-quick.md
#   bash bench/run.sh --llm-import     # only moving in from llm: its logs.db vs the JSONL of the same runs
#
# Data is generated with datagen/ and cached in bench/data/ (gitignored), as are the work
# databases and hyperfine's JSON. Needs: python3, cargo; installs llm 0.36 into bench/.venv and
# Debian's sqlite3, hyperfine and time when missing. PROMPTLINE_BIN=path skips the cargo build.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATAGEN=${DATAGEN:-$REPO/datagen}
DATA=$BENCH/data
VENV=$BENCH/.venv
SEED=42
LLM_VERSION=0.36
APT_CACHE=/var/cache/promptline-apt
COMMAND_LINE="bash bench/run.sh${*:+ $*}"

N=100000
SCALE=0
QUICK=0
LLM_IMPORT_ONLY=0
SCALE_SIZES=(10000 100000 1000000)

# Repetitions (hyperfine --runs / --warmup) per kind of operation.
QUERY_RUNS=20 QUERY_WARMUP=3
LLM_RUNS=10 LLM_WARMUP=1
EXPORT_RUNS=3 LLM_EXPORT_RUNS=2
IMPORT_RUNS=2 SQL_IMPORT_RUNS=1
RECORD_RUNS=2 RECORD_COUNT=1000
FLAT_ROUNDS=100

# The columns Promptline's list queries read (crates/core/src/store/runs.rs, SUMMARY_COLUMNS).
SUMMARY_COLUMNS="r.id, r.prompt_id, r.created_at, r.model, r.provider, r.status, r.tokens_used, \
r.input_tokens, r.output_tokens, r.execution_time_ms, r.ttft_ms, r.error_message, r.preview, r.response_chars, \
r.source, r.thread_id"
NEWEST_FIRST="ORDER BY r.seq DESC"
PAGE_SIZE=50
DEEP_PAGE=1000

log() { printf '\n\033[1m== %s\033[0m  (%s)\n' "$*" "$(date -u +%H:%M:%S)" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

parse_args() {
    while (($#)); do
        case $1 in
            --n) N=${2:?--n needs a number}; shift ;;
            --n=*) N=${1#--n=} ;;
            --scale) SCALE=1 ;;
            --quick) QUICK=1 ;;
            --llm-import) LLM_IMPORT_ONLY=1 ;;
            -h | --help) usage 0 ;;
            *) printf 'unknown argument: %s\n' "$1" >&2; usage 2 ;;
        esac
        shift
    done
    [[ $N =~ ^[0-9]+$ ]] && ((N >= 1000)) || die "--n must be a whole number >= 1000"
    if ((QUICK)); then
        QUERY_RUNS=5 QUERY_WARMUP=1 LLM_RUNS=3 LLM_WARMUP=1
        EXPORT_RUNS=1 LLM_EXPORT_RUNS=1 IMPORT_RUNS=1 SQL_IMPORT_RUNS=1 RECORD_RUNS=1 RECORD_COUNT=100 FLAT_ROUNDS=10
    fi
}

# --- tools -------------------------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
    local packages=("$@")
    if ((!APT_UPDATED)); then
        apt-get update -qq
        APT_UPDATED=1
    fi
    mkdir -p "$APT_CACHE/partial"
    apt-get install -y -qq --no-install-recommends -o Dir::Cache::Archives="$APT_CACHE" "${packages[@]}"
}

ensure_debian_tools() {
    local missing=()
    command -v sqlite3 >/dev/null || missing+=(sqlite3)
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    [[ -x /usr/bin/time ]] || missing+=(time)
    if ((${#missing[@]})); then
        log "installing ${missing[*]} (apt)"
        apt_install "${missing[@]}"
    fi
}

ensure_llm() {
    if [[ $("$VENV/bin/llm" --version 2>/dev/null) == "llm, version $LLM_VERSION" ]]; then
        return
    fi
    log "installing llm==$LLM_VERSION into bench/.venv"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "llm==$LLM_VERSION"
    # llm keeps its keys, aliases and default logs.db under LLM_USER_PATH: a private one, so the
    # benchmark never reads or writes the user's own.
    mkdir -p "$DATA/llm-home"
}

# Builds the CLI and copies it out of target/: other engineers build in the same tree, and a binary
# replaced halfway through would measure two versions (or refuse a database it did not migrate).
build_promptline() {
    local built
    if [[ -n ${PROMPTLINE_BIN:-} ]]; then
        built=$PROMPTLINE_BIN
    else
        log "building promptline (release)"
        (cd "$REPO" && cargo build --release --quiet -p promptline-cli)
        built=${CARGO_TARGET_DIR:-$REPO/target}/release/promptline
    fi
    [[ -x $built ]] || die "no promptline binary at $built"
    mkdir -p "$DATA/bin"
    PL=$DATA/bin/promptline
    cp "$built" "$PL.new"
    mv "$PL.new" "$PL"
}

# --- data --------------------------------------------------------------------------------------------

# Runs a generator into a temporary name and renames it when done, so an interrupted run never
# leaves a half-written file in the cache.
generate() {
    local script=$1 n=$2 out=$3
    [[ -s $out ]] && return
    log "generating $(basename "$out") with $script -n $n (cached afterwards)"
    rm -f "$out.partial"
    python3 "$DATAGEN/$script" -n "$n" --seed "$SEED" -o "$out.partial" >&2
    mv "$out.partial" "$out"
}

jsonl_for() { echo "$DATA/runs-$1.jsonl"; }
success_jsonl_for() { echo "$DATA/runs-success-$1.jsonl"; }
logs_db_for() { echo "$DATA/logs-$1.db"; }

# --- measuring ---------------------------------------------------------------------------------------

# Other engineers compile on the same 2 cores. Before each measurement, wait (up to 2 minutes) until
# the CPUs are mostly idle, and write down what the machine was doing when it started.
BUSY_PATTERN='^(rustc|cc1|cc1plus|ld|ld.lld|cargo|node|esbuild|python3?)$'
WAITED=0
WAIT_BUDGET=600 # seconds, over the whole run

# Percent of all CPU time that was busy during a half-second sample (from /proc/stat).
cpu_busy_percent() {
    local a b
    read -ra a < <(head -1 /proc/stat)
    sleep 0.5
    read -ra b < <(head -1 /proc/stat)
    local idle=$(((b[4] + b[5]) - (a[4] + a[5]))) total=0 i
    for ((i = 1; i < ${#b[@]}; i++)); do
        total=$((total + b[i] - a[i]))
    done
    ((total > 0)) || total=1
    echo $((100 * (total - idle) / total))
}

wait_for_quiet() {
    local started=$SECONDS
    ((QUICK)) && return
    while ((WAITED + SECONDS - started < WAIT_BUDGET)) && (($(cpu_busy_percent) > 30)) &&
        ((SECONDS - started < 120)); do
        ((SECONDS == started)) || printf 'waiting for the CPUs to calm down (%s)...\n' "$(busy_processes)" >&2
        sleep 5
    done
    WAITED=$((WAITED + SECONDS - started))
}

busy_processes() {
    ps -eo comm= | grep -E "$BUSY_PATTERN" | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}' || true
}

note_load() {
    local name=$1
    printf '%s\t%s\t%s\t%s\n' "$name" "$(cut -d' ' -f1 /proc/loadavg)" "$(cpu_busy_percent)" \
        "$(busy_processes)" >>"$RESULTS/load.tsv"
}

# hf NAME RUNS WARMUP OUTPUT COMMAND...: times COMMAND as a whole process with hyperfine and keeps the
# JSON in $RESULTS/NAME.json. OUTPUT is hyperfine's --output (pipe, or a file for exports).
hf() {
    local name=$1 runs=$2 warmup=$3 output=$4
    shift 4
    local command
    command=$(printf '%q ' "$@")
    wait_for_quiet
    note_load "$name"
    hyperfine --shell=none --style basic --runs "$runs" --warmup "$warmup" --output "$output" \
        --command-name "$name" --export-json "$RESULTS/$name.json" "${HF_EXTRA[@]}" "$command" >&2
    HF_EXTRA=()
    # Load during the measurement: the 1-minute load average includes this benchmark's own process
    # (about 1), so more than that means other work ran alongside.
    note_load "$name/end"
}
HF_EXTRA=()

# Like hf, and also keeps each run's peak RSS (from /usr/bin/time -v) in $RESULTS/NAME.rss.
hf_rss() {
    local name=$1 runs=$2 warmup=$3 output=$4
    shift 4
    rm -f "$RESULTS/$name.rss"
    hf "$name" "$runs" "$warmup" "$output" /usr/bin/time -v -a -o "$RESULTS/$name.rss" "$@"
}

warm_file() { cat "$@" >/dev/null; }

# --- the operations ----------------------------------------------------------------------------------

sql_file() {
    local name=$1
    shift
    printf '%s\n' "$*" >"$WORK/sql/$name.sql"
    echo "$WORK/sql/$name.sql"
}

page_sql() {
    local where=$1
    echo "SELECT $SUMMARY_COLUMNS FROM runs r $where $NEWEST_FIRST LIMIT $((PAGE_SIZE + 1));"
}

# The search Promptline runs for a one-word query (store/search.rs: a quoted prefix; store/filter.rs:
# driven by the search index, whose rowids are the time keys, newest first).
search_sql() {
    local word=$1
    echo "SELECT $SUMMARY_COLUMNS FROM runs_fts f JOIN runs r ON r.seq = f.rowid \
WHERE f.runs_fts MATCH '\"$word\"*' ORDER BY f.rowid DESC LIMIT $((PAGE_SIZE + 1));"
}

rfc3339_sql() {
    local col=$1
    echo "strftime('%Y-%m-%dT%H:%M:%S', $col / 1000000, 'unixepoch') || '.' || printf('%06d', $col % 1000000) || 'Z'"
}

fresh_schema() {
    local db=$1 migration
    rm -f "$db" "$db-wal" "$db-shm"
    for migration in "$REPO"/migrations/*.sql; do
        sqlite3 -bail "$db" <"$migration" >/dev/null
    done
}

bench_import() {
    local n=$1 jsonl db=$WORK/promptline.db scratch=$WORK/import.db
    jsonl=$(jsonl_for "$n")
    warm_file "$jsonl"
    local runs=$IMPORT_RUNS
    ((n > 200000)) && runs=1
    log "import $n runs: promptline ($runs runs)"
    HF_EXTRA=(--prepare "rm -f $scratch $scratch-wal $scratch-shm")
    hf import.pl "$runs" 0 pipe "$PL" --db "$scratch" import "$jsonl"
    # The last timed import becomes the database every other measurement reads.
    rm -f "$db" "$db-wal" "$db-shm"
    for suffix in "" -wal -shm; do
        [[ -e $scratch$suffix ]] && mv "$scratch$suffix" "$db$suffix"
    done
    [[ $(sqlite3 "$db" 'SELECT count(*) FROM runs') == "$n" ]] || die "the import did not hold $n runs"

    if ((n <= 200000)); then
        log "import $n runs: the same in the sqlite3 CLI (the limit)"
        sqlite3_import import.sql "$jsonl" "$SQL_IMPORT_RUNS"
    fi
}

# The limit of an import: the sqlite3 CLI reading the JSONL with `.import` and putting it into
# Promptline's schema with bench/sql/import.sql (search index built in bulk, as Promptline does).
sqlite3_import() {
    local name=$1 jsonl=$2 runs=$3
    local limit=$WORK/import-limit.db driver=$WORK/sql/import-driver.sql
    local trigger=$WORK/sql/fts-trigger.sql
    mkdir -p "$WORK/sql"
    printf '%s\n' "CREATE TEMP TABLE lines (j TEXT);" ".mode ascii" '.separator "\037" "\n"' \
        ".import --schema temp $jsonl lines" ".mode list" ".once $trigger" \
        "SELECT sql || ';' FROM sqlite_master WHERE name = 'run_texts_fts_after_insert';" \
        ".read $BENCH/sql/import.sql" ".read $trigger" "COMMIT;" "PRAGMA optimize;" >"$driver"
    HF_EXTRA=(--prepare "bash $BENCH/run.sh --fresh-schema $limit")
    hf "$name" "$runs" 0 pipe sqlite3 -bail "$limit" ".read $driver"
    rm -f "$limit" "$limit-wal" "$limit-shm"
}

# Moving in from llm (issue 13): its logs.db imported side by side with the JSONL of exactly the
# runs it holds (gen_runs.py --success-only), each into a fresh database, with peak memory.
bench_llm_import() {
    local n=$1 logs success scratch=$WORK/import-llm.db
    logs=$(logs_db_for "$n")
    success=$(success_jsonl_for "$n")
    if [[ ! -s $success ]]; then
        log "generating $(basename "$success") with gen_runs.py -n $n --success-only (cached afterwards)"
        python3 "$DATAGEN/gen_runs.py" -n "$n" --seed "$SEED" --success-only -o "$success.partial" >&2
        mv "$success.partial" "$success"
    fi
    warm_file "$logs" "$success"
    local runs=$IMPORT_RUNS
    ((n > 200000)) && runs=1
    log "moving in from llm: import the $n-run logs.db and the JSONL of the same runs ($runs runs each)"
    HF_EXTRA=(--prepare "rm -f $scratch $scratch-wal $scratch-shm")
    hf_rss import_llm.pl "$runs" 0 pipe "$PL" --db "$scratch" import "$logs"
    local expected
    expected=$(sqlite3 "$logs" 'SELECT count(*) FROM turns')
    [[ $(sqlite3 "$scratch" 'SELECT count(*) FROM runs') == "$expected" ]] ||
        die "the logs.db import did not hold its $expected turns"
    echo "llm_turns=$expected" >>"$RESULTS/meta.env"
    echo "logs_db_bytes=$(stat -c %s "$logs")" >>"$RESULTS/meta.env"
    HF_EXTRA=(--prepare "rm -f $scratch $scratch-wal $scratch-shm")
    hf_rss import_llm_jsonl.pl "$runs" 0 pipe "$PL" --db "$scratch" import "$success"
    rm -f "$scratch" "$scratch-wal" "$scratch-shm"
    log "moving in from llm: the same JSONL in the sqlite3 CLI (the limit)"
    sqlite3_import import_llm_jsonl.sql "$success" "$SQL_IMPORT_RUNS"
}

bench_queries() {
    local n=$1 with_llm=$2 db=$WORK/promptline.db logs
    logs=$(logs_db_for "$n")
    warm_file "$db"
    if ((with_llm)); then warm_file "$logs"; fi

    MODEL=$(sqlite3 "$db" "SELECT model FROM runs GROUP BY model ORDER BY count(*) DESC, model LIMIT 1")
    echo "model=$MODEL" >>"$RESULTS/meta.env"
    # The rows `llm` answers from (it logs successful calls only), counted, not assumed.
    if ((with_llm)); then echo "llm_rows=$(sqlite3 "$logs" 'SELECT count(*) FROM turns')" >>"$RESULTS/meta.env"; fi
    : >"$RESULTS/answers.tsv"
    : >"$RESULTS/answers-llm.tsv"

    log "newest 50, per model, errors, searches"
    local -A where=(
        [newest50]=""
        [model50]="WHERE r.model = '$MODEL'"
        [errors50]="WHERE r.status = 'error'"
    )
    local -A pl_args=(
        [newest50]=""
        [model50]="--model $MODEL"
        [errors50]="--status error"
        [search_pelican]="-q pelican"
        [search_typescript]="-q typescript"
    )
    local -A llm_args=(
        [newest50]=""
        [model50]="-m $MODEL"
        [search_pelican]="-q pelican -l"
        [search_typescript]="-q typescript -l"
    )
    local op
    for op in newest50 model50 errors50 search_pelican search_typescript; do
        # shellcheck disable=SC2086 # the argument strings above are word lists
        hf "$op.pl" "$QUERY_RUNS" "$QUERY_WARMUP" pipe "$PL" --db "$db" history -n "$PAGE_SIZE" --json ${pl_args[$op]}
        local sql sql_path
        case $op in
            search_*) sql=$(search_sql "${op#search_}") ;;
            *) sql=$(page_sql "${where[$op]}") ;;
        esac
        sql_path=$(sql_file "$op" "$sql")
        hf "$op.sql" "$QUERY_RUNS" "$QUERY_WARMUP" pipe sqlite3 -json "$db" ".read $sql_path"
        # shellcheck disable=SC2086
        check_answer "$op" "$db" "$sql_path" "$PL" --db "$db" history -n "$PAGE_SIZE" --json ${pl_args[$op]}
        if ((with_llm)) && [[ -v llm_args[$op] ]]; then
            # shellcheck disable=SC2086
            hf "$op.llm" "$LLM_RUNS" "$LLM_WARMUP" pipe env LLM_USER_PATH="$DATA/llm-home" \
                "$VENV/bin/llm" logs list -d "$logs" -n "$PAGE_SIZE" --json ${llm_args[$op]}
            # shellcheck disable=SC2086
            note_llm_answer "$op" env LLM_USER_PATH="$DATA/llm-home" \
                "$VENV/bin/llm" logs list -d "$logs" -n "$PAGE_SIZE" --json ${llm_args[$op]}
        fi
    done
}

# check_answer OP DB SQL_FILE COMMAND...: the timed Promptline command and sqlite3's answer to the
# same SQL must name the same runs in the same order (the SQL asks for one row more than a page, to
# see whether there is a next page). Writes OP, the number of ids compared, the bytes each printed
# to $RESULTS/answers.tsv; stops the benchmark on any difference: a fast wrong answer is no result.
check_answer() {
    local op=$1 db=$2 sql_path=$3
    shift 3
    "$@" >"$WORK/$op.answer.pl.json" 2>/dev/null
    sqlite3 -json "$db" ".read $sql_path" >"$WORK/$op.answer.sql.json"
    local verdict
    verdict=$(python3 - "$WORK/$op.answer.pl.json" "$WORK/$op.answer.sql.json" "$PAGE_SIZE" <<'PY'
import json, os, sys
pl_path, sql_path, page = sys.argv[1], sys.argv[2], int(sys.argv[3])
pl = [r["id"] for r in json.load(open(pl_path))]
text = open(sql_path).read().strip()
sql = [r["id"] for r in (json.loads(text) if text else [])][:page]
if pl != sql:
    first = next((i for i, (a, b) in enumerate(zip(pl, sql)) if a != b), min(len(pl), len(sql)))
    print(f"DIFFERENT at row {first + 1}: promptline {len(pl)} ids, sqlite3 {len(sql)}")
    sys.exit(0)
print(f"{len(pl)}\t{os.path.getsize(pl_path)}\t{os.path.getsize(sql_path)}")
PY
)
    [[ $verdict == DIFFERENT* ]] && die "$op: Promptline's answer is not sqlite3's: ${verdict#DIFFERENT }"
    [[ ${verdict%%$'\t'*} -gt 0 || $op == errors50 ]] || die "$op: no runs to compare (empty answers prove nothing)"
    printf '%s\t%s\n' "$op" "$verdict" >>"$RESULTS/answers.tsv"
}

# note_llm_answer OP COMMAND...: how many runs `llm` printed for OP and how many bytes (it prints
# whole responses where Promptline's history prints a 160-character preview), in answers-llm.tsv.
note_llm_answer() {
    local op=$1
    shift
    "$@" >"$WORK/$op.answer.llm.json" 2>/dev/null
    printf '%s\t%s\t%s\n' "$op" \
        "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/$op.answer.llm.json")" \
        "$(stat -c %s "$WORK/$op.answer.llm.json")" >>"$RESULTS/answers-llm.tsv"
}

# Walks the cursor from page 1 to page $DEEP_PAGE (or the last full page of a small history) with the
# CLI, timing each call, then times pages 1, 10, 100 and $DEEP_PAGE with hyperfine.
bench_pages() {
    local n=$1 db=$WORK/promptline.db deepest=$DEEP_PAGE
    ((deepest * PAGE_SIZE >= n)) && deepest=$((n / PAGE_SIZE - 1))
    log "walking the cursor to page $deepest"
    local -A cursor_for=()
    local cursor="" page start end err=$WORK/history.stderr
    : >"$RESULTS/walk.tsv"
    for ((page = 1; page <= deepest; page++)); do
        cursor_for[$page]=$cursor
        start=$(date +%s%N)
        "$PL" --db "$db" history -n "$PAGE_SIZE" --json ${cursor:+--cursor "$cursor"} >"$WORK/page.json" 2>"$err"
        end=$(date +%s%N)
        printf '%s\t%s\n' "$page" "$(((end - start) / 1000))" >>"$RESULTS/walk.tsv"
        cursor=$(sed -n 's/^next_cursor: //p' "$err")
        [[ -n $cursor ]] || die "page $page printed no 'next_cursor: ...' line on stderr"
    done
    check_deep_page "$db" "$deepest"
    echo "deep_page=$deepest" >>"$RESULTS/meta.env"

    log "pages 1, 10, 100 and $deepest"
    local -a pages=(1 10 100 "$deepest")
    for page in "${pages[@]}"; do
        ((page <= deepest)) || continue
        local name=page$page
        ((page == deepest)) && name=page_deep
        hf "$name.pl" "$QUERY_RUNS" "$QUERY_WARMUP" pipe "$PL" --db "$db" history -n "$PAGE_SIZE" --json \
            ${cursor_for[$page]:+--cursor "${cursor_for[$page]}"}
    done
    # The same deep page in plain SQL: the keyset condition on the last row of page $deepest - 1.
    local offset=$(((deepest - 1) * PAGE_SIZE - 1)) last deep_sql page1_sql
    last=$(sqlite3 "$db" "SELECT seq FROM runs r $NEWEST_FIRST LIMIT 1 OFFSET $offset")
    deep_sql=$(sql_file page_deep "$(page_sql "WHERE r.seq < $last")")
    page1_sql=$(sql_file page1 "$(page_sql "")")
    hf page_deep.sql "$QUERY_RUNS" "$QUERY_WARMUP" pipe sqlite3 -json "$db" ".read $deep_sql"
    hf page1.sql "$QUERY_RUNS" "$QUERY_WARMUP" pipe sqlite3 -json "$db" ".read $page1_sql"
    check_answer page1 "$db" "$page1_sql" "$PL" --db "$db" history -n "$PAGE_SIZE" --json
    check_answer page_deep "$db" "$deep_sql" "$PL" --db "$db" history -n "$PAGE_SIZE" --json \
        ${cursor_for[$deepest]:+--cursor "${cursor_for[$deepest]}"}
    interleave_pages "$db" "${cursor_for[$deepest]}"
}

# Page 1 and the deep page, alternately, so that a change in the machine's load while measuring
# touches both alike: the flatness check uses these (microseconds a call, in $RESULTS/flat.tsv).
interleave_pages() {
    local db=$1 cursor=$2 i start middle end
    wait_for_quiet
    note_load flat
    : >"$RESULTS/flat.tsv"
    for ((i = 0; i < FLAT_ROUNDS; i++)); do
        start=$(date +%s%N)
        "$PL" --db "$db" history -n "$PAGE_SIZE" --json >/dev/null 2>&1
        middle=$(date +%s%N)
        "$PL" --db "$db" history -n "$PAGE_SIZE" --json --cursor "$cursor" >/dev/null 2>&1
        end=$(date +%s%N)
        printf '%s\t%s\n' "$(((middle - start) / 1000))" "$(((end - middle) / 1000))" >>"$RESULTS/flat.tsv"
    done
}

# The first run on the deep page the CLI walked to must be the one plain SQL finds at that offset.
check_deep_page() {
    local db=$1 deepest=$2 expected got
    expected=$(sqlite3 "$db" "SELECT id FROM runs r $NEWEST_FIRST LIMIT 1 OFFSET $(((deepest - 1) * PAGE_SIZE))")
    got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$WORK/page.json")
    [[ $got == "$expected" ]] || die "page $deepest starts with $got, plain SQL says $expected"
}

bench_exports() {
    local n=$1 with_llm=$2 db=$WORK/promptline.db logs runs=$EXPORT_RUNS
    logs=$(logs_db_for "$n")
    ((n > 200000)) && runs=1
    log "full export: JSONL and CSV"
    warm_file "$db"
    hf_rss export_jsonl.pl "$runs" 0 pipe "$PL" --db "$db" export --format jsonl -o "$WORK/export.jsonl"
    check_export_count "$WORK/export.jsonl" "$n"
    rm -f "$WORK/export.jsonl" # at 1M runs each export file is about 4 GB
    hf_rss export_csv.pl "$runs" 0 pipe "$PL" --db "$db" export --format csv -o "$WORK/export.csv"
    rm -f "$WORK/export.csv"

    local created
    created=$(rfc3339_sql created_at)
    hf_rss export_jsonl.sql "$runs" 0 "$WORK/export-sql.jsonl" sqlite3 "$db" ".read $(sql_file export_jsonl \
        "SELECT json_object('id', id, 'prompt_id', prompt_id, 'created_at', $created, 'model', model,
           'provider', provider, 'status', status, 'tokens_used', tokens_used, 'input_tokens', input_tokens,
           'output_tokens', output_tokens, 'execution_time_ms', execution_time_ms, 'ttft_ms', ttft_ms,
           'stop_reason', stop_reason, 'error_message', error_message, 'params', json(params),
           'variables', json(variables), 'prompt_text', prompt_text, 'response', response)
         FROM runs r JOIN run_texts t ON t.seq = r.seq $NEWEST_FIRST;")"
    rm -f "$WORK/export-sql.jsonl"
    hf_rss export_csv.sql "$runs" 0 "$WORK/export-sql.csv" sqlite3 -csv -header "$db" ".read $(sql_file export_csv \
        "SELECT id, prompt_id, $created AS created_at, model, provider, status, tokens_used, input_tokens,
           output_tokens, execution_time_ms, ttft_ms, stop_reason, error_message, params, variables,
           prompt_text, response
         FROM runs r JOIN run_texts t ON t.seq = r.seq $NEWEST_FIRST;")"
    rm -f "$WORK/export-sql.csv"
    if ((with_llm)); then
        warm_file "$logs"
        hf_rss export_jsonl.llm "$LLM_EXPORT_RUNS" 0 "$WORK/export-llm.json" env LLM_USER_PATH="$DATA/llm-home" \
            "$VENV/bin/llm" logs list -d "$logs" -n 0 --json
    fi
    rm -f "$WORK"/export*.*
}

check_export_count() {
    local file=$1 n=$2 lines
    lines=$(wc -l <"$file")
    ((lines == n)) || die "the JSONL export has $lines lines, expected $n"
}

# Records runs through the offline echo provider, one process per run, into the history just
# measured (the last step, so the extra runs change no other figure; no copy of a 1M-run database).
bench_record() {
    local rec=$WORK/promptline.db
    log "recording $RECORD_COUNT runs through the echo provider"
    cat >"$WORK/record-pl.sh" <<EOF
set -e
for ((i = 1; i <= $RECORD_COUNT; i++)); do
    "$PL" --db "$rec" run --text "Benchmark run \$i: say hello" --model echo >/dev/null
done
EOF
    cat >"$WORK/record-sql.sh" <<EOF
set -e
for ((i = 1; i <= $RECORD_COUNT; i++)); do
    sqlite3 "$rec" "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
        PRAGMA busy_timeout = 10000;
        BEGIN IMMEDIATE;
        INSERT INTO runs (seq, id, created_at, model, provider, status, tokens_used, input_tokens,
            output_tokens, execution_time_ms, ttft_ms, stop_reason, response_chars, preview)
        SELECT coalesce((SELECT max(seq) + 1 FROM runs WHERE seq >= us * 1024 AND seq < us * 1024 + 1024),
                        us * 1024),
            lower(hex(randomblob(16))), us, 'echo', 'echo', 'success', 20, 10, 10, 0, 0, 'stop', 41,
            'Benchmark run \$i: say hello'
        FROM (SELECT CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) AS us);
        INSERT INTO run_texts (seq, prompt_text, response)
        VALUES (last_insert_rowid(), 'Benchmark run \$i: say hello',
            'Benchmark run \$i: say hello');
        COMMIT;" >/dev/null
done
EOF
    hf record.pl "$RECORD_RUNS" 0 pipe bash "$WORK/record-pl.sh"
    hf record.sql "$RECORD_RUNS" 0 pipe bash "$WORK/record-sql.sh"
    echo "record_count=$RECORD_COUNT" >>"$RESULTS/meta.env"
}

# --- one size, end to end ----------------------------------------------------------------------------

write_meta() {
    local n=$1 with_llm=$2
    {
        echo "n=$n"
        echo "with_llm=$with_llm"
        echo "quick=$QUICK"
        echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "command=$COMMAND_LINE"
        echo "nproc=$(nproc)"
        echo "cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
        echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
        echo "kernel=$(uname -r)"
        echo "commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
        echo "sqlite3=$(sqlite3 --version | cut -d' ' -f1)"
        echo "hyperfine=$(hyperfine --version | cut -d' ' -f2)"
        if ((with_llm)); then echo "llm=$("$VENV/bin/llm" --version | sed 's/.* //')"; fi
        echo "libsqlite3_sys=$(grep -A1 'name = "libsqlite3-sys"' "$REPO/Cargo.lock" | sed -n 's/version = "\(.*\)"/\1/p')"
        echo "jsonl_bytes=$(stat -c %s "$(jsonl_for "$n")")"
        echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$RESULTS/meta.env"
}

# A size needs about 6 times its JSONL on disk at the peak (the JSONL, the database with its search
# index, the import's WAL until the checkpoint, one export file): about 23 GB at 1M runs.
check_disk() {
    local n=$1 need free
    need=$((n * BYTES_PER_RUN * 6))
    [[ -s $(jsonl_for "$n") ]] || need=$((need + n * BYTES_PER_RUN))
    free=$(df --output=avail -B1 "$DATA" | tail -1)
    ((free >= need)) || die "$n runs need about $((need >> 30)) GiB free in $DATA; there are $((free >> 30)) GiB"
}
BYTES_PER_RUN=3820 # gen_runs.py's JSONL: 382 MB at 100,000 runs

bench_size() {
    local n=$1 with_llm=$2
    WORK=$DATA/work-$n
    RESULTS=$DATA/results-$n$( ((with_llm)) || echo -scale)
    rm -rf "$RESULTS" "$WORK"
    check_disk "$n"
    mkdir -p "$RESULTS" "$WORK/sql"
    : >"$RESULTS/load.tsv"
    generate gen_runs.py "$n" "$(jsonl_for "$n")"
    if ((with_llm)); then generate gen_llm_logs.py "$n" "$(logs_db_for "$n")"; fi
    write_meta "$n" "$with_llm"
    local started=$SECONDS
    bench_import "$n"
    if ((with_llm)); then bench_llm_import "$n"; fi
    bench_queries "$n" "$with_llm"
    bench_pages "$n"
    bench_exports "$n" "$with_llm"
    bench_record
    {
        echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
        echo "seconds=$((SECONDS - started))"
        echo "waited_for_quiet=$WAITED"
        echo "db_bytes=$(stat -c %s "$WORK/promptline.db")"
    } >>"$RESULTS/meta.env"
    rm -rf "$WORK/sql" "$WORK"/*.json "$WORK"/*.stderr
    log "$n runs done in $((SECONDS - started)) s"
}

main() {
    # Internal: the sqlite3 import's --prepare step (a fresh database with Promptline's schema).
    if [[ ${1:-} == --fresh-schema ]]; then
        fresh_schema "$2"
        return
    fi
    parse_args "$@"
    [[ -f $DATAGEN/gen_runs.py ]] || die "no datagen at $DATAGEN"
    mkdir -p "$DATA"
    ensure_debian_tools
    build_promptline
    # A quick run checks the harness; its figures go to bench/data, never into RESULTS.md.
    local report=$BENCH/RESULTS.md
    ((QUICK)) && report=$DATA/RESULTS-quick.md
    if ((LLM_IMPORT_ONLY)); then
        WORK=$DATA/work-$N-llm-import
        RESULTS=$DATA/results-$N-llm-import
        rm -rf "$RESULTS" "$WORK"
        mkdir -p "$RESULTS" "$WORK"
        : >"$RESULTS/load.tsv"
        generate gen_llm_logs.py "$N" "$(logs_db_for "$N")"
        generate gen_runs.py "$N" "$(jsonl_for "$N")"
        write_meta "$N" 0
        local started=$SECONDS
        bench_llm_import "$N"
        {
            echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
            echo "seconds=$((SECONDS - started))"
            echo "waited_for_quiet=$WAITED"
        } >>"$RESULTS/meta.env"
        python3 "$BENCH/report.py" llm-import "$report" "$RESULTS"
    elif ((SCALE)); then
        # BENCH_SCALE_SIZES="1000000" measures only those sizes again; the report takes every size
        # that has results.
        local n dirs=()
        for n in ${BENCH_SCALE_SIZES:-${SCALE_SIZES[*]}}; do
            bench_size "$n" 0
        done
        for n in "${SCALE_SIZES[@]}"; do
            [[ -d $DATA/results-$n-scale ]] && dirs+=("$DATA/results-$n-scale")
        done
        python3 "$BENCH/report.py" scale "$report" "${dirs[@]}"
    else
        ensure_llm
        bench_size "$N" 1
        python3 "$BENCH/report.py" main "$report" "$DATA/results-$N"
    fi
    log "wrote ${report#"$REPO"/}"
}

main "$@"
