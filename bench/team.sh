#!/usr/bin/env bash
# Team sync against a real PostgreSQL server on this machine (a throw-away cluster, PostgreSQL's
# default durability): push 100,000 runs (beside a bare COPY of the same rows), an incremental sync
# with nothing new, a teammate's pull, and the team history page at 10k..1M server rows.
#
#   bash bench/team.sh                    # 100,000 runs; page at 10k, 100k, 1M rows
#   bash bench/team.sh --n 20000 --sizes 10000,100000
#   BENCH_PROFILE=dev bash bench/team.sh  # the debug build (no release build needed; slower client)
#
# Data comes from datagen/ (cached in bench/data/, gitignored). Needs python3, cargo and Debian's
# postgresql (scripts/setup.sh test installs it). The table goes to stdout and bench/data/team.md.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
DATA=$BENCH/data
N=100000
SIZES=10000,100000,1000000
while [ $# -gt 0 ]; do
    case "$1" in
        --n) N=$2; shift 2 ;;
        --sizes) SIZES=$2; shift 2 ;;
        *) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done

mkdir -p "$DATA"
RUNS=$DATA/runs$N.jsonl
if [ ! -s "$RUNS" ]; then
    python3 "$REPO/datagen/gen_runs.py" -n "$N" --seed 42 -o "$RUNS.tmp"
    mv "$RUNS.tmp" "$RUNS"
fi
cd "$REPO"
PROFILE=${BENCH_PROFILE:-release}
cargo build --profile "$PROFILE" -p promptline-core --example team_bench
{
    echo "Command: \`BENCH_PROFILE=$PROFILE bash bench/team.sh --n $N --sizes $SIZES\` at $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d)"
    echo
    echo "| operation | time | limit | ratio | notes |"
    echo "|---|---|---|---|---|"
    "target/$( [ "$PROFILE" = dev ] && echo debug || echo "$PROFILE" )/examples/team_bench" "$RUNS" "$SIZES" | grep '^|'
} | tee "$DATA/team.md"
