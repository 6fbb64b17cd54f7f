// Measures the desktop app as a person feels it, on the release binary in a real (Xvfb) window
// through tauri-driver + WebKitWebDriver: launch to first history page, click to expanded entry,
// scroll to the next page, and the memory of the app and its WebKit processes.
// Run by bench/app.sh; prints one JSON object on stdout (progress goes to stderr).
//
// Env: PROMPTLINE_APP (binary), APPBENCH_DB (database), APPBENCH_LAUNCHES (default 7),
//      APPBENCH_CLICKS (default 20), APPBENCH_PAGES (default 8),
//      APPBENCH_SCROLL_SPEED (px/s, default 3000), APPBENCH_SCROLL_SECONDS (default 20),
//      APPBENCH_SMAPS (a folder: keep each process's /proc/PID/smaps at each snapshot),
//      APPBENCH_MODE=launch (only the launches, then APPBENCH_IDLE_SECONDS (default 5) of memory
//      samples with the window left alone: the floors bench/app.sh measures the app against),
//      APPBENCH_READY (the selector that means "first screen shown", default a run row).

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { Builder } from "selenium-webdriver";
import { waitForPort } from "../e2e/net.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/release/promptline-app");
const DB = process.env.APPBENCH_DB;
const LAUNCHES = Number(process.env.APPBENCH_LAUNCHES ?? 7);
const CLICKS = Number(process.env.APPBENCH_CLICKS ?? 20);
const PAGES = Number(process.env.APPBENCH_PAGES ?? 8);
const SCROLL_SPEED = Number(process.env.APPBENCH_SCROLL_SPEED ?? 3000);
// Long enough for WebKit's memory to go through its cycle while scrolling (it grows by ~15 MB
// over 6-9 s, then falls back): the peak sampled below then sees the top of it.
const SCROLL_SECONDS = Number(process.env.APPBENCH_SCROLL_SECONDS ?? 20);
/** How often the memory is sampled during the interactions, for its peak. */
const SAMPLE_MS = 200;
const MODE = process.env.APPBENCH_MODE ?? "full";
const IDLE_SECONDS = Number(process.env.APPBENCH_IDLE_SECONDS ?? 5);
const READY = process.env.APPBENCH_READY ?? "[data-testid=run-row]";
if (!DB) throw new Error("APPBENCH_DB is not set");
if (!["full", "launch"].includes(MODE)) throw new Error(`APPBENCH_MODE is ${MODE}: use full or launch`);

const log = (...a) => console.error("[app.mjs]", ...a);
const children = new Set();
const bail = (error) => {
  console.error("[app.mjs] failed:", error?.stack ?? error);
  for (const c of children) c.kill();
  process.exit(1);
};
process.on("uncaughtException", bail);
process.on("unhandledRejection", bail);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---- /proc: the process tree under a pid, with RSS and peak RSS ----------------------------

function procInfo(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (k) => {
      const m = status.match(new RegExp(`^${k}:\\s+(\\d+) kB`, "m"));
      return m ? Number(m[1]) / 1024 : 0;
    };
    const name = status.match(/^Name:\s+(.*)$/m)?.[1] ?? "?";
    const ppid = Number(status.match(/^PPid:\s+(\d+)$/m)?.[1] ?? 0);
    let pssMB = 0;
    try {
      const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
      pssMB = m ? Number(m[1]) / 1024 : 0;
    } catch {}
    return { pid, name, ppid, rssMB: field("VmRSS"), hwmMB: field("VmHWM"), pssMB };
  } catch {
    return null;
  }
}

function tree(rootPid) {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => procInfo(Number(d)))
    .filter(Boolean);
  const out = [];
  const want = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (!want.has(p.pid) && want.has(p.ppid)) {
        want.add(p.pid);
        grew = true;
      }
    }
  }
  for (const p of all) if (want.has(p.pid) && p.pid !== rootPid) out.push(p);
  return out;
}

/** Memory of the app process and, separately, its WebKit helpers (all under tauri-driver). */
function memory(driverPid, label) {
  const procs = tree(driverPid);
  // APPBENCH_SMAPS=<dir>: keep each process's /proc/PID/smaps at each snapshot, to see where the
  // memory is (by mapping), e.g. with bench/smaps.py.
  if (process.env.APPBENCH_SMAPS && label) {
    mkdirSync(process.env.APPBENCH_SMAPS, { recursive: true });
    for (const p of procs) {
      try {
        const text = readFileSync(`/proc/${p.pid}/smaps`, "utf8");
        writeFileSync(path.join(process.env.APPBENCH_SMAPS, `${label}-${p.name}.smaps`), text);
      } catch {}
    }
  }
  const app = procs.filter((p) => p.name.startsWith("promptline"));
  const webkit = procs.filter((p) => /^WebKit(WebProces|NetworkPr|GPUProces)/.test(p.name));
  const sum = (xs, k) => xs.reduce((s, p) => s + p[k], 0);
  return {
    app: { rssMB: sum(app, "rssMB"), hwmMB: sum(app, "hwmMB"), pssMB: sum(app, "pssMB") },
    webkit: {
      rssMB: sum(webkit, "rssMB"),
      pssMB: sum(webkit, "pssMB"),
      hwmMB: sum(webkit, "hwmMB"),
      procs: webkit.map((p) => `${p.name}:${p.hwmMB.toFixed(0)}`),
    },
    totalHwmMB: sum(app, "hwmMB") + sum(webkit, "hwmMB"),
  };
}

/**
 * Samples the PSS of the app and its WebKit processes every SAMPLE_MS until `stop()`: the largest
 * sum seen, its parts and the phase it was seen in (the snapshots alone can fall between peaks).
 */
function memoryPeak(driverPid) {
  let phase = "start";
  let samples = 0;
  let peak = { pssMB: 0, appMB: 0, webkitMB: 0, phase };
  const timer = setInterval(() => {
    const m = memory(driverPid);
    const pss = m.app.pssMB + m.webkit.pssMB;
    samples += 1;
    if (pss > peak.pssMB) peak = { pssMB: pss, appMB: m.app.pssMB, webkitMB: m.webkit.pssMB, phase };
  }, SAMPLE_MS);
  return {
    phase: (name) => (phase = name),
    stop: () => {
      clearInterval(timer);
      return { ...peak, samples, everyMs: SAMPLE_MS };
    },
  };
}

// ---- one app session -------------------------------------------------------------------------

async function session() {
  const home = mkdtempSync(path.join(tmpdir(), "promptline-appbench-"));
  const [port, nativePort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    PROMPTLINE_DB: DB,
    XDG_DATA_HOME: path.join(home, "data"),
    NO_AT_BRIDGE: "1",
  };
  const td = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.add(td);
  td.once("exit", () => children.delete(td));
  await waitForPort(port, 20_000, 20);
  // The clock starts here: session creation launches the app process.
  const t0 = performance.now();
  const driver = await new Builder()
    .usingServer(`http://127.0.0.1:${port}/`)
    .withCapabilities({
      browserName: "wry",
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": { application: APP },
    })
    .build();
  const tSession = performance.now();
  // Poll (10 ms) until the first run row (or what READY names) is in the DOM.
  let rows = 0;
  let seenAt = null;
  for (;;) {
    try {
      [rows, seenAt] = await driver.executeScript(
        "return [document.querySelectorAll(arguments[0]).length, performance.now()];",
        READY,
      );
    } catch {
      rows = 0;
    }
    if (rows > 0) break;
    if (performance.now() - t0 > 30_000) throw new Error(`no ${READY} within 30 s`);
    await sleep(10);
  }
  const tRow = performance.now();
  // The page's own view: ms from navigation start to now, and to the row's first paint after that.
  const inPage = await driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    const now = performance.now();
    requestAnimationFrame(() => done({ nextFrameMs: performance.now(),
      count: document.querySelector('[data-testid=timeline]')?.getAttribute('aria-rowcount') }));
  `);
  const close = async () => {
    await driver.quit().catch(() => {});
    td.kill();
    await new Promise((r) => (td.exitCode !== null ? r() : td.once("exit", r)));
    rmSync(home, { recursive: true, force: true });
  };
  return {
    driver,
    driverPid: td.pid,
    close,
    launch: {
      wallMs: tRow - t0,
      sessionMs: tSession - t0,
      pageNavToRowMs: seenAt,
      pageNavToFrameMs: inPage.nextFrameMs,
      loadedRows: Number(inPage.count),
    },
  };
}

// In-page: click a row's expand button, wait (MutationObserver + rAF) for the response text.
const EXPAND = `
  const [id, done] = [arguments[0], arguments[arguments.length - 1]];
  const row = document.querySelector('[data-testid=run-row][data-run-id="' + id + '"]');
  const slot = row.parentElement;
  const ready = () => {
    const d = slot.querySelector('[data-testid=run-detail]');
    if (!d) return false;
    const r = d.querySelector('[data-testid=response]');
    if (r && r.textContent.trim().length > 0) return 'response';
    const c = d.querySelector('.content');
    if (c && c.textContent.trim() && !/^Loading/.test(c.textContent.trim())) return 'other';
    return false;
  };
  window.__benchIpc = [];
  const t0 = performance.now();
  let finished = false;
  const finish = (kind) => {
    if (finished) return;
    finished = true;
    obs.disconnect();
    const tDom = performance.now();
    requestAnimationFrame(() => done({ kind, domMs: tDom - t0, frameMs: performance.now() - t0,
      ipcMs: window.__benchIpc.filter((c) => c.cmd === 'get_run' || c.cmd === 'get_run_head').reduce((a, c) => a + c.ms, 0) }));
  };
  const obs = new MutationObserver(() => { const k = ready(); if (k) finish(k); });
  obs.observe(document.body, { childList: true, subtree: true, characterData: true });
  row.querySelector('button.main').click();
  const k = ready(); if (k) finish(k);
  setTimeout(() => finish('timeout'), 10000);
`;

const COLLAPSE = `
  const [id, done] = [arguments[0], arguments[arguments.length - 1]];
  const row = document.querySelector('[data-testid=run-row][data-run-id="' + id + '"]');
  row.querySelector('button.main').click();
  const wait = () => document.querySelector('[data-testid=run-detail]') ? requestAnimationFrame(wait) : done(true);
  wait();
`;

// In-page: scroll the timeline to its bottom, wait until aria-rowcount grows and new rows render.
const NEXT_PAGE = `
  const done = arguments[arguments.length - 1];
  const tl = document.querySelector('[data-testid=timeline]');
  const before = Number(tl.getAttribute('aria-rowcount'));
  window.__benchIpc = [];
  const t0 = performance.now();
  let finished = false;
  const check = () => {
    if (finished) return;
    const n = Number(tl.getAttribute('aria-rowcount'));
    // Grown, and the new rows themselves are in the DOM: a row placed after the old end (rows
    // say where they are with aria-rowindex, from 1), not just any row of the old page.
    const fresh = [...tl.querySelectorAll('[data-testid=run-row]')]
      .some((r) => Number(r.getAttribute('aria-rowindex')) > before && r.offsetParent !== null);
    if (n > before && fresh) {
      finished = true;
      const tDom = performance.now();
      requestAnimationFrame(() => done({ before, after: n, domMs: tDom - t0, frameMs: performance.now() - t0,
        ipcMs: window.__benchIpc.filter((c) => c.cmd === 'runs_page').reduce((a, c) => a + c.ms, 0) }));
    } else if (performance.now() - t0 > 10000) {
      finished = true;
      done({ before, after: n, timeout: true });
    } else requestAnimationFrame(check);
  };
  tl.scrollTop = tl.scrollHeight;
  tl.dispatchEvent(new Event('scroll'));
  check();
`;

// In-page: scroll the timeline steadily, as someone skimming does (speed px/s, for `seconds`),
// one step a frame. Records each frame's interval, and every stretch of time during which the
// "Loading more runs…" placeholder is in view (the person has reached the end of what is loaded
// and waits for the next page). The timeline asks for the next page ahead of the end; this shows
// whether that is early enough.
const SCROLL = `
  const [speed, seconds, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
  const tl = document.querySelector('[data-testid=timeline]');
  const startCount = Number(tl.getAttribute('aria-rowcount'));
  const start = tl.scrollTop;
  const frames = [], waits = [];
  let t0 = null, last = null, waitStart = null;
  const waiting = () => {
    const more = tl.querySelector('.more');
    if (!more) return false;
    const box = tl.getBoundingClientRect(), m = more.getBoundingClientRect();
    return m.top < box.bottom && m.bottom > box.top;
  };
  const step = (now) => {
    if (t0 === null) { t0 = last = now; }
    else { frames.push(now - last); last = now; }
    const w = waiting();
    if (w && waitStart === null) waitStart = now;
    if (!w && waitStart !== null) { waits.push(now - waitStart); waitStart = null; }
    if (now - t0 >= seconds * 1000) {
      if (waitStart !== null) waits.push(now - waitStart);
      done({ frames, waits, fromRows: startCount, toRows: Number(tl.getAttribute('aria-rowcount')),
        px: tl.scrollTop - start, seconds: (now - t0) / 1000 });
      return;
    }
    tl.scrollTop = start + (speed * (now - t0)) / 1000;
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ n: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs), all: xs.map((x) => Math.round(x * 10) / 10) });

const launches = [];
const memAfterFirst = [];
let clicks = [];
let pages = [];
let memAfterScroll = null;
let scroll = null;
let memAfterPages = null;
let memPeak = null;

for (let i = 0; i < LAUNCHES; i++) {
  const s = await session();
  log(`launch ${i + 1}: first run row after ${s.launch.wallMs.toFixed(0)} ms (session ${s.launch.sessionMs.toFixed(0)} ms, in page ${s.launch.pageNavToRowMs.toFixed(0)} ms)`);
  launches.push(s.launch);
  await sleep(300);
  memAfterFirst.push(memory(s.driverPid, `first-${i + 1}`));
  if (MODE === "launch" && i === LAUNCHES - 1) {
    // The floor's memory: the window left alone after its first screen (what a launch costs).
    const sampler = memoryPeak(s.driverPid);
    sampler.phase("idle");
    await sleep(IDLE_SECONDS * 1000);
    memAfterScroll = memory(s.driverPid, "idle");
    memPeak = sampler.stop();
  } else if (i === LAUNCHES - 1) {
    // The interactions, on the last launch (the app has settled after a short pause).
    await sleep(1000);
    const sampler = memoryPeak(s.driverPid);
    sampler.phase("expands");
    // Time each IPC call: on Linux the UI's invoke() goes through fetch("ipc://localhost/<command>")
    // (window.__TAURI_INTERNALS__.invoke itself is read-only), so wrap fetch and record the time to
    // the response: the Rust command, its query and serialization, and the IPC hop.
    await s.driver.executeScript(`
      const real = window.fetch.bind(window);
      window.__benchIpc = [];
      window.fetch = async (url, ...rest) => {
        const t = performance.now();
        try { return await real(url, ...rest); }
        finally {
          const m = String(url).match(/^ipc:\\/\\/localhost\\/([^?]+)/);
          if (m) window.__benchIpc.push({ cmd: m[1], ms: performance.now() - t });
        }
      };
    `);
    const ids = await s.driver.executeScript(
      "return [...document.querySelectorAll('[data-testid=run-row][data-status=success]')].map((r) => r.dataset.runId);",
    );
    for (const id of ids.slice(0, CLICKS)) {
      const r = await s.driver.executeAsyncScript(EXPAND, id);
      clicks.push(r);
      log(`expand ${id}: ${r.kind} in ${r.domMs.toFixed(1)} ms (next frame ${r.frameMs.toFixed(1)} ms, get_run IPC ${r.ipcMs.toFixed(1)} ms)`);
      await s.driver.executeAsyncScript(COLLAPSE, id);
      await sleep(100);
    }
    sampler.phase("next pages");
    for (let p = 0; p < PAGES; p++) {
      const r = await s.driver.executeAsyncScript(NEXT_PAGE);
      log(`next page: ${r.before} -> ${r.after} rows in ${r.domMs?.toFixed(1)} ms (next frame ${r.frameMs?.toFixed(1)} ms, runs_page IPC ${r.ipcMs?.toFixed(1)} ms)${r.timeout ? " TIMEOUT" : ""}`);
      pages.push(r);
      await sleep(200);
    }
    await sleep(300);
    memAfterPages = memory(s.driverPid, "pages");
    sampler.phase("steady scroll");
    await s.driver.manage().setTimeouts({ script: SCROLL_SECONDS * 1000 + 30_000 });
    scroll = await s.driver.executeAsyncScript(SCROLL, SCROLL_SPEED, SCROLL_SECONDS);
    log(`scroll at ${SCROLL_SPEED} px/s: ${scroll.fromRows} -> ${scroll.toRows} rows in ${scroll.seconds.toFixed(1)} s, ${scroll.frames.length} frames, waits ${JSON.stringify(scroll.waits.map(Math.round))}`);
    await sleep(300);
    memAfterScroll = memory(s.driverPid, "scroll");
    sampler.phase("after the scroll");
    await sleep(1000);
    memPeak = sampler.stop();
  }
  await s.close();
}

// A sample that timed out is a miss, not a gap: it stays in the figures at the 10 s it waited
// (a floor: the real time is longer), and the misses are counted.
const TIMED_OUT_MS = 10000;
const missed = (x) => x.timeout || x.kind === "timeout";
const ok = (xs) => xs.map((x) => (missed(x) ? { domMs: TIMED_OUT_MS, frameMs: TIMED_OUT_MS, ipcMs: x.ipcMs ?? 0 } : x));
console.log(
  JSON.stringify(
    {
      launch: {
        wallMs: stats(launches.map((l) => l.wallMs)),
        sessionMs: stats(launches.map((l) => l.sessionMs)),
        pageNavToRowMs: stats(launches.map((l) => l.pageNavToRowMs)),
        loadedRows: launches.map((l) => l.loadedRows),
      },
      expand: {
        kinds: clicks.map((c) => c.kind),
        misses: clicks.filter(missed).length,
        domMs: stats(ok(clicks).map((c) => c.domMs)),
        frameMs: stats(ok(clicks).map((c) => c.frameMs)),
        ipcMs: stats(ok(clicks).map((c) => c.ipcMs)),
      },
      nextPage: {
        rows: pages.map((p) => `${p.before}->${p.after}`),
        timeouts: pages.filter(missed).length,
        misses: pages.filter(missed).length,
        domMs: stats(ok(pages).map((p) => p.domMs)),
        frameMs: stats(ok(pages).map((p) => p.frameMs)),
        ipcMs: stats(ok(pages).map((p) => p.ipcMs)),
      },
      scroll: scroll && {
        speedPxPerS: SCROLL_SPEED,
        seconds: scroll.seconds,
        px: scroll.px,
        rows: `${scroll.fromRows}->${scroll.toRows}`,
        pages: Math.round((scroll.toRows - scroll.fromRows) / 200),
        frameMs: stats(scroll.frames),
        p95FrameMs: [...scroll.frames].sort((a, b) => a - b)[Math.floor(scroll.frames.length * 0.95)],
        waits: scroll.waits.map((w) => Math.round(w)),
        waitedMs: scroll.waits.reduce((a, w) => a + w, 0),
      },
      memory: {
        afterFirstPage: memAfterFirst,
        afterPages: memAfterPages,
        afterScroll: memAfterScroll,
        peak: memPeak,
      },
    },
    null,
    1,
  ),
);
