#!/usr/bin/env bash
# Analytics at 100,000 runs (issue 11: "under 100 ms when filtered by prompt, model, status or
# date"): `promptline stats --json` read from the roll-ups kept on write (migration 15) against the
# same report by scanning the runs (`--scan`), side by side, as ratios, with a release CLI.
#
#   bash bench/stats.sh                 # 100,000 runs -> the table printed and in bench/data/stats/
#   bash bench/stats.sh --n 20000       # another size
#   PROMPTLINE_BIN=path bash bench/stats.sh   # a CLI already built (else cargo build --release)
#
# Each figure is the median wall time of the whole `promptline stats --json` process (start-up,
# opening the database, the report, printing it), over RUNS runs after a warm-up, in UTC and in a
# time zone 8 hours behind it (the roll-ups are per UTC day: the hours each day gives to its
# neighbour there are read from the runs). Data from datagen/gen_runs.py, imported once and cached
# in bench/data/ (gitignored). The answers of both ways are compared, not only timed.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATA=$BENCH/data
OUT=$DATA/stats
N=100000
RUNS=${RUNS:-15}
SEED=42

while (($#)); do
    case $1 in
        --n) N=${2:?--n needs a number}; shift ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "stats.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '\n\033[1m== %s\033[0m  (%s)\n' "$*" "$(date -u +%H:%M:%S)" >&2; }

if [[ -n ${PROMPTLINE_BIN:-} ]]; then
    PL=$PROMPTLINE_BIN
else
    log "cargo build --release -p promptline-cli"
    (cd "$REPO" && cargo build --release -p promptline-cli >&2)
    PL=${CARGO_TARGET_DIR:-$REPO/target}/release/promptline
fi

mkdir -p "$DATA" "$OUT"
jsonl=$DATA/runs-$N.jsonl
if [[ ! -s $jsonl ]]; then
    log "generating $(basename "$jsonl") with gen_runs.py -n $N (cached afterwards)"
    python3 "$REPO/datagen/gen_runs.py" -n "$N" --seed "$SEED" -o "$jsonl.partial" >&2
    mv "$jsonl.partial" "$jsonl"
fi
db=$OUT/stats-$N.db
if [[ ! -s $db ]]; then
    log "importing $N runs"
    rm -f "$db" "$db-wal" "$db-shm"
    "$PL" --db "$db.partial" import "$jsonl" >&2
    mv "$db.partial" "$db"
    [[ -e $db.partial-wal ]] && mv "$db.partial-wal" "$db-wal"
    [[ -e $db.partial-shm ]] && mv "$db.partial-shm" "$db-shm"
fi
# Opening once brings an older database up to date (migration 15 back-fills the roll-ups).
"$PL" --db "$db" stats --json >/dev/null

busiest_prompt=$(sqlite3 "$db" "SELECT prompt_id FROM runs WHERE prompt_id IS NOT NULL GROUP BY prompt_id ORDER BY count(*) DESC LIMIT 1")
top_model=$(sqlite3 "$db" "SELECT model FROM run_models ORDER BY runs DESC LIMIT 1")

log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$PL" "$db" "$RUNS" "$OUT" "$busiest_prompt" "$top_model" <<'PY'
import json, os, statistics, subprocess, sys, time

pl, db, runs, out, prompt, model = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
cases = [
    ("no filter", []),
    ("one prompt", ["--prompt", prompt]),
    (f"model {model}", ["--model", model]),
    ("status error,timeout", ["--status", "error,timeout"]),
    ("dates 2026-03-01 12:00 to 2026-09-15 18:30", ["--since", "2026-03-01T12:00:00Z", "--until", "2026-09-15T18:30:00Z"]),
    ("model + status + dates", ["--model", model, "--status", "success", "--since", "2025-12-01T06:00:00Z"]),
    ("search 'postgres' (scans either way)", ["-q", "postgres"]),
]

def once(args, tz):
    env = dict(os.environ, TZ=tz)
    start = time.perf_counter()
    done = subprocess.run([pl, "--db", db, "stats", "--json", *args], env=env, capture_output=True, check=True)
    return time.perf_counter() - start, json.loads(done.stdout)

def median(args, tz):
    once(args, tz)
    times = []
    for _ in range(runs):
        t, answer = once(args, tz)
        times.append(t)
    return statistics.median(times), answer

def same(a, b):
    """Equal, with costs (sums of floats, added in another order) within a millionth of a dollar."""
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) < 1e-6
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

rows = []
for tz, label in (("UTC", "UTC"), ("America/Los_Angeles", "UTC-8")):
    for name, args in cases:
        rolled, a = median(args, tz)
        scanned, b = median(args + ["--scan"], tz)
        if not same(a, b):
            sys.exit(f"stats.sh: the roll-ups and the scan disagree for {name} in {label}")
        rows.append((label, name, a["runs"] and sum(a["runs"].values()), rolled * 1000, scanned * 1000))

lines = ["| zone | filter | runs | roll-ups (ms) | scan (ms) | roll-ups / scan |", "|---|---|---:|---:|---:|---:|"]
for label, name, n, r, s in rows:
    lines.append(f"| {label} | {name} | {n:,} | {r:.0f} | {s:.0f} | {r / s:.2f} |")
table = "\n".join(lines)
print(table)
with open(os.path.join(out, "RESULTS.md"), "w") as f:
    f.write(table + "\n")
PY
log "machine at the end: load $(cut -d' ' -f1-3 /proc/loadavg)"
