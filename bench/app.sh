#!/usr/bin/env bash
# The desktop app at 100,000 runs, measured as a person feels it (issues 5 and 6): launch to first
# history page, click to expanded entry, scroll to the next page, memory. Release build, real
# window under Xvfb, driven by tauri-driver + WebKitWebDriver (see e2e/run.sh for the setup).
# Writes bench/APP_RESULTS.md.
#
# Env: APPBENCH_N (runs, default 100000), APPBENCH_DIR (db cache, default /tmp/appbench),
#      APPBENCH_SKIP_BUILD=1 (use the binaries as they are), APPBENCH_LAUNCHES / _CLICKS / _PAGES.
#
# Then the floors of issue 11, on the same machine in the same run, in APPBENCH_ROUNDS (7) rounds
# of one launch each in turn: an empty Tauri window with the app's webview settings
# (bench/empty-window), the app on these runs, and the app on an empty database; each one's
# memory is sampled for APPBENCH_IDLE_SECONDS with the window left alone. The report gives the
# app's launch and memory as ratios to them.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${APPBENCH_N:-100000}"
DIR="${APPBENCH_DIR:-/tmp/appbench}"
DB="$DIR/${N%000}k.db"
[ "$N" -ge 1000 ] || DB="$DIR/$N.db"
JSONL="bench/data/runs-$N.jsonl"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
APP="$CARGO_TARGET_DIR/release/promptline-app"
FLOOR="$CARGO_TARGET_DIR/release/promptline-empty-window"
CLI="$CARGO_TARGET_DIR/release/promptline"

for tool in tauri-driver WebKitWebDriver xvfb-run sqlite3; do
  command -v "$tool" >/dev/null || { echo "app bench: $tool is missing (see e2e/run.sh)" >&2; exit 1; }
done

if [ "${APPBENCH_SKIP_BUILD:-0}" != 1 ]; then
  npm run build
  # The same build as scripts/dist.sh (make dist, make test-dist): both binaries in one cargo run,
  # with the floor beside them (it asks for nothing the app does not, so nothing is rebuilt).
  cargo build --release -p promptline-app -p promptline-cli -p promptline-empty-window \
    --features promptline-app/custom-protocol,promptline-empty-window/custom-protocol
fi

# The database, cached between runs: re-used when it holds exactly N runs.
mkdir -p "$DIR"
have=$( [ -f "$DB" ] && sqlite3 "$DB" "select count(*) from runs;" 2>/dev/null || echo 0)
if [ "$have" != "$N" ]; then
  if [ ! -f "$JSONL" ]; then
    mkdir -p bench/data
    python3 datagen/gen_runs.py -n "$N" -o "$JSONL"
  fi
  rm -f "$DB" "$DB-wal" "$DB-shm"
  echo "app bench: importing $JSONL into $DB" >&2
  "$CLI" --db "$DB" import "$JSONL" >&2
  have=$(sqlite3 "$DB" "select count(*) from runs;")
fi
echo "app bench: $DB holds $have runs" >&2
# Bring the schema up to date before timing (a new migration would otherwise fall into launch 1).
"$CLI" --db "$DB" history -n 1 >/dev/null

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
out=$(mktemp)
PROMPTLINE_APP="$APP" APPBENCH_DB="$DB" \
  xvfb-run -a -s "-screen 0 1440x900x24" node bench/app.mjs >"$out"
# The floors, right after, launch by launch in turn (so a drift of the machine hits all three
# alike): an empty Tauri window, the app on these runs, and the app on an empty database. Each is
# one launch of app.mjs in launch mode (its memory sampled for the idle seconds after).
rounds="${APPBENCH_ROUNDS:-7}"
floors=$(mktemp -d)
"$CLI" --db "$floors/empty.db" history -n 1 >/dev/null
for round in $(seq "$rounds"); do
  echo "app bench: floors, round $round of $rounds" >&2
  for kind in window app empty; do
    case $kind in
      window) bin=$FLOOR; db=$floors/unused.db; ready='[data-testid=ready]' ;;
      app) bin=$APP; db=$DB; ready='[data-testid=run-row]' ;;
      empty) bin=$APP; db=$floors/empty.db; ready='[data-testid=history-empty]' ;;
    esac
    PROMPTLINE_APP="$bin" APPBENCH_DB="$db" APPBENCH_MODE=launch APPBENCH_LAUNCHES=1 APPBENCH_READY="$ready" \
      xvfb-run -a -s "-screen 0 1440x900x24" node bench/app.mjs >"$floors/$kind-$round.json"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

CMD="bench/app.sh${APPBENCH_SKIP_BUILD:+ (APPBENCH_SKIP_BUILD=$APPBENCH_SKIP_BUILD)}"
RESULT="$out" FLOORS="$floors" ROUNDS="$rounds" RUNS="$have" DBPATH="$DB" LOAD_BEFORE="$load_before" LOAD_AFTER="$load_after" CMD="$CMD" \
  node --input-type=module -e '
import { readFileSync, writeFileSync } from "node:fs";
import { execSync } from "node:child_process";
import os from "node:os";
const r = JSON.parse(readFileSync(process.env.RESULT, "utf8"));
const f = (x) => (x === undefined || x === null || !isFinite(x) ? "—" : x < 10 ? x.toFixed(1) : x.toFixed(0));
const verdict = (v, target) => (v <= target ? "met" : "**missed**");
const sh = (c) => { try { return execSync(c, { encoding: "utf8" }).trim(); } catch { return "?"; } };
const cpu = (readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) || [])[1] || "?";
const memGB = (os.totalmem() / 2 ** 30).toFixed(1);
const commit = sh("git rev-parse --short HEAD") + (sh("git status --porcelain -- src-tauri ui crates") ? " (+ uncommitted changes in app sources)" : "");
const peakApp = Math.max(...r.memory.afterFirstPage.map((m) => m.app.hwmMB), r.memory.afterScroll?.app.hwmMB ?? 0);
const peakWk = Math.max(...r.memory.afterFirstPage.map((m) => m.webkit.hwmMB), r.memory.afterScroll?.webkit.hwmMB ?? 0);
const pssAll = [...r.memory.afterFirstPage, r.memory.afterPages, r.memory.afterScroll].filter(Boolean).map((m) => m.app.pssMB + m.webkit.pssMB);
const pssMax = Math.max(...pssAll);
const pssTop = [...r.memory.afterFirstPage, r.memory.afterPages, r.memory.afterScroll].filter(Boolean).find((m) => m.app.pssMB + m.webkit.pssMB === pssMax);
const sampled = r.memory.peak;
const pssPeak = Math.max(pssMax, sampled?.pssMB ?? 0);
const peakParts = sampled && sampled.pssMB >= pssMax
  ? { app: sampled.appMB, webkit: sampled.webkitMB, when: `during the ${sampled.phase}` }
  : { app: pssTop.app.pssMB, webkit: pssTop.webkit.pssMB, when: "at a snapshot" };
const first = r.memory.afterFirstPage[r.memory.afterFirstPage.length - 1];
const sc = r.memory.afterScroll;
const L = r.launch.wallMs, E = r.expand.frameMs, P = r.nextPage.frameMs;
const why = {
  launch: L.median > 1000 ? " — includes WebDriver session setup and WebKit process start; see breakdown" : "",
  expand: E.median > 50 ? ` — get_run_head IPC is ${f(r.expand.ipcMs.median)} ms of it; the rest is in the webview (markdown render, layout, paint)` : "",
  page: P.median > 50 ? ` — runs_page IPC (query + serialization + hop) is ${f(r.nextPage.ipcMs.median)} ms of it; the rest is in the webview (rendering the rows scrolled into view, the page, paint)` : "",
  mem: ` — ${peakParts.when}: app process ${f(peakParts.app)} MB + WebKit processes ${f(peakParts.webkit)} MB${pssPeak > 300 ? "; see the notes" : ""}`,
};
const S = r.scroll;
const scrollRows = S ? `| Scrolling steadily at ${S.speedPxPerS.toLocaleString("en")} px/s for ${S.seconds.toFixed(0)} s (${S.rows} runs, ${S.pages} pages): time spent at the end waiting for a page | ${f(S.waitedMs)} ms | | ${S.waits.length ? f(Math.max(...S.waits)) + " ms" : "—"} | ${S.pages} | 50 ms | ${verdict(S.waitedMs / Math.max(1, S.pages), 50)} — pages are asked for 3 screens before the end |
| ↳ frame interval while scrolling (p95 ${f(S.p95FrameMs)} ms) | ${f(S.frameMs.median)} ms | ${f(S.frameMs.min)} ms | ${f(S.frameMs.max)} ms | ${S.frameMs.n} | | |
` : "";
// The floors, each kind: its launches (one a round) and its memory peak (PSS of the process tree).
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
const floorOf = (kind) => {
  const xs = Array.from({ length: Number(process.env.ROUNDS) }, (_, i) => JSON.parse(readFileSync(`${process.env.FLOORS}/${kind}-${i + 1}.json`, "utf8")));
  const launches = xs.map((x) => x.launch.wallMs.all[0]);
  const peaks = xs.map((x) => {
    const snaps = [...x.memory.afterFirstPage, x.memory.afterScroll].filter(Boolean).map((m) => m.app.pssMB + m.webkit.pssMB);
    return { pss: Math.max(...snaps, x.memory.peak?.pssMB ?? 0), app: x.memory.peak?.appMB, webkit: x.memory.peak?.webkitMB };
  });
  const top = peaks.reduce((a, b) => (b.pss > a.pss ? b : a));
  return { launch: { median: median(launches), all: launches.map((x) => Math.round(x)) }, peak: top.pss, appMB: top.app, webkitMB: top.webkit };
};
const win = floorOf("window"), empty = floorOf("empty"), appL = floorOf("app");
const ratio = (a, b) => (a / b).toFixed(2) + "×";
const floors = `## Against the floors (issue 11)

Measured in the same run, right after the figures above, in ${process.env.ROUNDS} rounds of one launch of
each in turn (the same WebDriver polling, window size and webview settings): an empty Tauri
window (\`bench/empty-window\`: one paragraph, the app'"'"'s WebKit settings), the app on the
${Number(process.env.RUNS).toLocaleString("en")} runs, and the app on an empty database (first
screen: the empty history). Each one'"'"'s memory is sampled every 200 ms for the idle seconds
after its first screen; the peak is the largest of its rounds.

| What | App at ${Number(process.env.RUNS).toLocaleString("en")} runs | App, empty database | Empty Tauri window | Ratio | Target | |
|---|---:|---:|---:|---:|---:|---|
| Launch → first screen, median of ${process.env.ROUNDS} rounds | ${f(appL.launch.median)} ms | ${f(empty.launch.median)} ms | ${f(win.launch.median)} ms | ${ratio(appL.launch.median, win.launch.median)} of the empty window | 1.5× | ${verdict(appL.launch.median / win.launch.median, 1.5)} |
| Memory peak, PSS of app + WebKit (the app at ${Number(process.env.RUNS).toLocaleString("en")} runs: through the interactions above) | ${f(pssPeak)} MB | ${f(empty.peak)} MB (app ${f(empty.appMB)} + WebKit ${f(empty.webkitMB)}) | ${f(win.peak)} MB (window ${f(win.appMB)} + WebKit ${f(win.webkitMB)}) | ${ratio(pssPeak, empty.peak)} of the app on an empty database; ${ratio(pssPeak, win.peak)} of the empty window | 1.1× | ${verdict(pssPeak / empty.peak, 1.1)} |
| ↳ the app at ${Number(process.env.RUNS).toLocaleString("en")} runs after its first screen, left alone like the floors | ${f(appL.peak)} MB | | | ${ratio(appL.peak, empty.peak)} of the app on an empty database | | |

The memory ratio is to the app on an empty database (the issue'"'"'s "floor with an empty database"):
what ${Number(process.env.RUNS).toLocaleString("en")} runs and the interactions above add to the app itself. Raw launches (ms), round by
round: the app ${JSON.stringify(appL.launch.all)}; empty database ${JSON.stringify(empty.launch.all)}; empty window
${JSON.stringify(win.launch.all)}.
`;
const md = `# Desktop app at ${Number(process.env.RUNS).toLocaleString("en")} runs

Issue 5 targets, measured by \`bench/app.sh\` (release build, real window under Xvfb, driven
through tauri-driver + WebKitWebDriver; see the script header for what it does).

| What | Median | Min | Max | n | Target | |
|---|---:|---:|---:|---:|---:|---|
| Launch → first history page (wall clock) | ${f(L.median)} ms | ${f(L.min)} ms | ${f(L.max)} ms | ${L.n} | 1 s | ${verdict(L.median, 1000)}${why.launch} |
| ↳ of which WebDriver session creation (process + WebKit start, page load) | ${f(r.launch.sessionMs.median)} ms | ${f(r.launch.sessionMs.min)} ms | ${f(r.launch.sessionMs.max)} ms | ${L.n} | | |
| ↳ in page: navigation start → first run row in DOM | ${f(r.launch.pageNavToRowMs.median)} ms | ${f(r.launch.pageNavToRowMs.min)} ms | ${f(r.launch.pageNavToRowMs.max)} ms | ${L.n} | | |
| Click → expanded entry (response in DOM, next frame) | ${f(E.median)} ms | ${f(E.min)} ms | ${f(E.max)} ms | ${E.n} | 50 ms | ${verdict(E.median, 50)}${why.expand} |
| ↳ response in DOM (before the frame) | ${f(r.expand.domMs.median)} ms | ${f(r.expand.domMs.min)} ms | ${f(r.expand.domMs.max)} ms | ${r.expand.domMs.n} | | |
| ↳ get_run_head IPC (fetch to ipc://localhost/get_run_head until its response) | ${f(r.expand.ipcMs.median)} ms | ${f(r.expand.ipcMs.min)} ms | ${f(r.expand.ipcMs.max)} ms | ${r.expand.ipcMs.n} | | |
| Jump to the end → next page rendered (next frame; the page is not loaded yet) | ${f(P.median)} ms | ${f(P.min)} ms | ${f(P.max)} ms | ${P.n} | 50 ms | ${verdict(P.median, 50)}${why.page} |
| ↳ rows in DOM (before the frame) | ${f(r.nextPage.domMs.median)} ms | ${f(r.nextPage.domMs.min)} ms | ${f(r.nextPage.domMs.max)} ms | ${r.nextPage.domMs.n} | | |
| ↳ runs_page IPC (fetch to ipc://localhost/runs_page until its response) | ${f(r.nextPage.ipcMs.median)} ms | ${f(r.nextPage.ipcMs.min)} ms | ${f(r.nextPage.ipcMs.max)} ms | ${r.nextPage.ipcMs.n} | | |
${scrollRows}| Memory: PSS (shared pages split) of the app + WebKit processes, peak${sampled ? ` (sampled every ${sampled.everyMs} ms through the interactions, and the snapshots)` : ""} | ${f(pssPeak)} MB | | | ${(sampled?.samples ?? 0) + pssAll.length} | 300 MB | ${verdict(pssPeak, 300)}${why.mem} |
| ↳ largest of the snapshots below | ${f(pssMax)} MB | ${f(Math.min(...pssAll))} MB | | ${pssAll.length} | | |
| Peak RSS (VmHWM), app + WebKit processes (shared libraries counted in each) | ${f(peakApp + peakWk)} MB | | | | | not the target'"'"'s figure, see below |

${floors}
Memory, MB (VmRSS now / VmHWM peak, from /proc of the process tree under tauri-driver):

| When | App RSS | App peak | App PSS | WebKit RSS | WebKit peak | WebKit PSS | WebKit processes (peak MB) |
|---|---:|---:|---:|---:|---:|---:|---|
| After first page (last launch) | ${f(first.app.rssMB)} | ${f(first.app.hwmMB)} | ${f(first.app.pssMB)} | ${f(first.webkit.rssMB)} | ${f(first.webkit.hwmMB)} | ${f(first.webkit.pssMB)} | ${first.webkit.procs.join(", ")} |
${r.memory.afterPages ? `| After ${r.expand.kinds.length} expands and ${r.nextPage.rows.length} next pages | ${f(r.memory.afterPages.app.rssMB)} | ${f(r.memory.afterPages.app.hwmMB)} | ${f(r.memory.afterPages.app.pssMB)} | ${f(r.memory.afterPages.webkit.rssMB)} | ${f(r.memory.afterPages.webkit.hwmMB)} | ${f(r.memory.afterPages.webkit.pssMB)} | ${r.memory.afterPages.webkit.procs.join(", ")} |
` : ""}| After ${r.expand.kinds.length} expands, ${r.nextPage.rows.length} next pages${S ? " and the steady scroll" : ""} | ${f(sc?.app.rssMB)} | ${f(sc?.app.hwmMB)} | ${f(sc?.app.pssMB)} | ${f(sc?.webkit.rssMB)} | ${f(sc?.webkit.hwmMB)} | ${f(sc?.webkit.pssMB)} | ${sc?.webkit.procs.join(", ") ?? ""} |

The memory target is judged on the peak PSS, sampled every 200 ms from the first interaction
until a second after the scroll: WebKit'"'"'s memory rises and falls by ~15 MB every few seconds
while it renders, and a snapshot can fall anywhere on that cycle. PSS, because RSS counts the
shared library pages (WebKit, GTK, ICU) in every process that maps them, so the sum of the three
processes'"'"' RSS counts them up to three times; PSS (from /proc/PID/smaps_rollup) splits each
shared page between the processes that map it, so App PSS + WebKit PSS is what the app costs the
machine (it still includes the app'"'"'s share of libraries that other programs on a desktop would share too).

What each figure includes:

- **Launch → first history page**: wall clock from just before the WebDriver session is
  created (which makes WebKitWebDriver start the app process) until a 10 ms poll
  (\`executeScript\`) first sees a \`[data-testid=run-row]\` in the DOM: process start, GTK/WebKit
  start, web process spawn, page load, database open (and migrations check), the first page query
  (200 runs) and the run count, Svelte render. It also includes WebDriver overhead (session
  handshake, up to one 10 ms poll and one script round trip), so it is an upper bound on what a
  person sees. Each launch is a fresh app process on the same database (warm OS page cache).
- **In page: navigation start → first run row**: \`performance.now()\` in the page at the poll that
  first saw a row: page load + IPC + queries + render, without process and WebKit start.
- **Click → expanded entry**: in the page (\`executeAsyncScript\`): \`performance.now()\`, click
  the row'"'"'s expand button, MutationObserver until the detail'"'"'s response text is in the DOM,
  then one \`requestAnimationFrame\` (≈ the frame that paints it). ${r.expand.kinds.length} different
  successful runs of the first page, collapsed between clicks (kinds: ${[...new Set(r.expand.kinds)].join(", ")}).
- **Next page**: in the page: set the timeline'"'"'s \`scrollTop\` to its bottom, wait until its
  \`aria-rowcount\` (loaded runs) grows (keyset page of 200 over IPC) and rows are rendered, then
  one frame. Row counts: ${r.nextPage.rows.join(", ")}${r.nextPage.timeouts ? `; ${r.nextPage.timeouts} timed out` : ""}.
  A sample counts once its new rows (placed after the old end) are in the DOM; one that gets no
  answer within 10 s is a miss, kept in the figures at 10 000 ms: misses ${r.nextPage.misses ?? "?"} of
  ${r.nextPage.rows.length} next pages, ${r.expand.misses ?? "?"} of ${r.expand.kinds.length} expands.
- **Scrolling steadily**: in the page, \`scrollTop\` moves at a constant speed (one step a
  frame) from where the jumps ended; "waiting" is any time the "Loading more runs…" placeholder
  below the last loaded run is in view, i.e. the person reached the end before the next page. The
  frame interval is the time between two animation frames while scrolling (rendering the rows
  that scroll in, and paint).
- **IPC sub-rows**: during the interactions the page'"'"'s \`fetch\` is wrapped (on Linux the UI'"'"'s
  \`invoke()\` goes through \`fetch("ipc://localhost/<command>")\`) and the time to each command'"'"'s
  response is recorded: the Rust command, its SQLite query, serialization and the IPC hop. The
  rest of an interaction'"'"'s time is spent in the webview.
- **Memory**: app = the \`promptline-app\` process; WebKit = WebKitWebProcess +
  WebKitNetworkProcess (+ GPU if any) children (WebKitWebDriver, the test driver, is left out).
  Under Xvfb there is no GPU (no /dev/dri render node): the app then tells WebKit not to use
  accelerated compositing (which would emulate OpenGL on the CPU), so WebKit paints on the CPU;
  on a desktop with a GPU WebKit composites on it and these figures will differ.

Machine: ${os.cpus().length} CPUs online (nproc ${sh("nproc")}), ${cpu}, ${memGB} GiB RAM; load
average (1/5/15 min) ${process.env.LOAD_BEFORE} before, ${process.env.LOAD_AFTER} after — the 2 cores are shared
with other work, so medians are noisy. Date ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}, commit ${commit}.
Database: \`${process.env.DBPATH}\` (${Number(process.env.RUNS).toLocaleString("en")} runs, imported from the generated JSONL).

Command: \`${process.env.CMD}\`

Raw per-sample figures (ms): launch ${JSON.stringify(L.all)}; expand ${JSON.stringify(E.all)}; next page ${JSON.stringify(P.all)}${S ? `; waits while scrolling ${JSON.stringify(S.waits)}` : ""}.
`;
writeFileSync("bench/APP_RESULTS.md", md);
process.stdout.write(md);
'
rm -rf "$out" "$floors"
