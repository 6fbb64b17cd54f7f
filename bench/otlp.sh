#!/usr/bin/env bash
# The OpenTelemetry backfill (issue 16): `promptline export --format otlp` of N runs to a local
# OTLP/HTTP receiver that decodes every request (crates/core/examples/otlp_receiver.rs), content
# off and on, next to `promptline export --format jsonl` of the same runs to /dev/null (reading the
# same history with nothing sent: the limit). Target: at least 2,000 runs a second.
#
#   bash bench/otlp.sh              # 20,000 runs -> the OTLP section of bench/RESULTS.md
#   bash bench/otlp.sh --n 100000   # another size
#
# Data: datagen/gen_runs.py (cached in bench/data/, gitignored). Needs python3 and cargo.
# PROMPTLINE_BIN=path and RECEIVER_BIN=path skip the release builds.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATA=$BENCH/data
N=20000
ROUNDS=3
SEED=42
COMMAND_LINE="bash bench/otlp.sh${*:+ $*}"

while (($#)); do
    case $1 in
        --n) N=${2:?--n needs a number}; shift ;;
        --n=*) N=${1#--n=} ;;
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "otlp.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '\n\033[1m== %s\033[0m  (%s)\n' "$*" "$(date -u +%H:%M:%S)" >&2; }

mkdir -p "$DATA/bin" "$DATA/otlp"
if [[ -z ${PROMPTLINE_BIN:-} || -z ${RECEIVER_BIN:-} ]]; then
    log "building promptline and the receiver (release)"
    (cd "$REPO" && cargo build --release --quiet -p promptline-cli -p promptline-core --example otlp_receiver)
fi
TARGET=${CARGO_TARGET_DIR:-$REPO/target}/release
BUILD="release build"
[[ -n ${PROMPTLINE_BIN:-} ]] && BUILD="binary $PROMPTLINE_BIN"
# Copied out of target/: others build in the same tree.
cp "${PROMPTLINE_BIN:-$TARGET/promptline}" "$DATA/bin/promptline-otlp"
cp "${RECEIVER_BIN:-$TARGET/examples/otlp_receiver}" "$DATA/bin/otlp_receiver"
PL=$DATA/bin/promptline-otlp
RECEIVER=$DATA/bin/otlp_receiver

JSONL=$DATA/runs-$N.jsonl
if [[ ! -s $JSONL ]]; then
    log "generating $N runs"
    python3 "$REPO/datagen/gen_runs.py" -n "$N" --seed "$SEED" -o "$JSONL.partial" >&2
    mv "$JSONL.partial" "$JSONL"
fi
DB=$DATA/otlp/history-$N.db
if [[ ! -s $DB ]]; then
    log "importing $N runs"
    rm -f "$DB" "$DB-wal" "$DB-shm"
    "$PL" --db "$DB" import "$JSONL" >&2
fi

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }

# One backfill to a fresh receiver (a new port: a new endpoint, so nothing counts as sent before).
# Prints the seconds it took; checks the receiver got every run.
backfill() {
    local content=$1 out url start end
    out=$(mktemp)
    "$RECEIVER" "$N" >"$out" &
    local pid=$!
    while [[ ! -s $out ]]; do sleep 0.05; done
    url=$(head -1 "$out")
    local env=()
    [[ $content == on ]] && env=(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true)
    start=$(now)
    env "${env[@]}" "$PL" --db "$DB" export --format otlp --endpoint "$url" 2>/dev/null
    end=$(now)
    wait "$pid"
    grep -q "received $N spans" "$out" || { echo "otlp.sh: the receiver did not get $N spans" >&2; exit 1; }
    rm -f "$out"
    calc "$end - $start"
}

jsonl_export() {
    local start end
    start=$(now)
    "$PL" --db "$DB" export --format jsonl -o /dev/null 2>/dev/null
    end=$(now)
    calc "$end - $start"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

log "measuring ($ROUNDS rounds each)"
off=() on=() limit=()
for ((i = 0; i < ROUNDS; i++)); do
    off+=("$(backfill off)")
    on+=("$(backfill on)")
    limit+=("$(jsonl_export)")
done
m_off=$(printf '%s\n' "${off[@]}" | median)
m_on=$(printf '%s\n' "${on[@]}" | median)
m_limit=$(printf '%s\n' "${limit[@]}" | median)
rate() { printf '%.0f' "$(calc "$N / $1")"; }
thousands() { python3 -c "print(f'{int($1):,}')"; }
rounds() { printf '%.2f, ' "$@" | sed 's/, $//'; }
ratio() { printf '%.1f' "$(calc "$1 / $2")"; }

report=$(cat <<EOF
<!-- otlp -->
## OpenTelemetry backfill: $(thousands "$N") runs to a local OTLP receiver

Made by \`$COMMAND_LINE\` at $(git -C "$REPO" rev-parse --short HEAD) on $(date -u +%Y-%m-%d), $(nproc) cores. \`promptline export --format otlp --endpoint URL\` ($BUILD, a whole process) sends every run of a database of $(thousands "$N") imported runs (\`gen_runs.py -n $N --seed $SEED\`) to \`crates/core/examples/otlp_receiver.rs\` on 127.0.0.1, which decodes every protobuf request with opentelemetry-proto and answers as a collector does; each round uses a fresh receiver port (a new endpoint, so nothing counts as already sent) and checks that all $(thousands "$N") spans arrived. The limit is the same process reading the same runs as JSONL to /dev/null. Median of $ROUNDS rounds (all rounds: off $(rounds "${off[@]}") s; on $(rounds "${on[@]}") s; JSONL $(rounds "${limit[@]}") s).

| what | time | runs a second | vs the 2,000 runs/s target | time ÷ JSONL export |
|---|---|---|---|---|
| backfill, content off (the default) | $(printf '%.2f' "$m_off") s | $(thousands "$(rate "$m_off")") | $(ratio "$(rate "$m_off")" 2000)× | $(ratio "$m_off" "$m_limit")× |
| backfill, content on (prompts and responses in the spans) | $(printf '%.2f' "$m_on") s | $(thousands "$(rate "$m_on")") | $(ratio "$(rate "$m_on")" 2000)× | $(ratio "$m_on" "$m_limit")× |
| JSONL export to /dev/null (the limit: the same read, nothing sent) | $(printf '%.2f' "$m_limit") s | $(thousands "$(rate "$m_limit")") | – | 1.0× |
<!-- /otlp -->
EOF
)
echo "$report"
python3 - "$BENCH/RESULTS.md" "$report" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- otlp -->.*?<!-- /otlp -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
log "wrote the OTLP section of bench/RESULTS.md"
