#!/usr/bin/env bash
# A first look at Promptline from the terminal: save a prompt, run it on the offline echo provider,
# and read the history back. Uses the default database unless PROMPTLINE_DB or --db says otherwise.
set -euo pipefail
promptline="${1:-promptline}"

echo "Database: $("$promptline" db-path)"
id=$("$promptline" prompt list --json | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p["name"] == "Welcome to Promptline":
        print(p["id"]); break
')
if [ -z "$id" ]; then
  id=$("$promptline" prompt add --name "Welcome to Promptline" \
    --text 'Explain {{topic}} to a new colleague in three sentences.' --model echo)
fi
echo
echo "\$ promptline run $id --var topic=\"keyset pagination\""
"$promptline" run "$id" --var topic="keyset pagination"
echo
echo "\$ promptline history -n 5"
"$promptline" history -n 5
echo
echo "Next: promptline --help, promptline show RUN_ID, promptline export --format csv -o runs.csv"
