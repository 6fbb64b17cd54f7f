// What the README promises of the window, checked in the real app (Xvfb, tauri-driver,
// WebKitWebDriver): it opens the CLI's default database (no PROMPTLINE_DB, the same data
// directory), Timeout badges are amber and Cancelled grey, `c` copies the selected run's whole
// response to the system clipboard, hostile markdown in a response runs nothing in the webview, and
// Export writes the filtered runs where the native save dialog says (driven with xdotool).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const CLI = path.join(path.dirname(APP), "promptline");
const TIMEOUT = 15_000;

// The lines ui/src/lib/markdown.test.ts checks as strings; here they must also run nothing.
const HOSTILE_MARKDOWN = [
  "# Title",
  "<script>window.__pwned = 1</script>",
  '<img src="x" onerror="window.__pwned = 2">',
  "[click](javascript:window.__pwned=3)",
  '<a href="javascript:alert(1)" onclick="window.__pwned=4">a</a>',
  '<svg onload="window.__pwned=5"><script>window.__pwned=6</script></svg>',
  "[ok](https://example.com) and **bold** and `code`",
].join("\n\n");
// Longer than the 20,000 characters the detail renders as text: `c` must still copy all of it.
const LONG_RESPONSE = Array.from({ length: 3000 }, (_, i) => `line ${i} of the long answer`).join("\n");

let driver;
let closeApp;
let home;
let env;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);
const textOf = (el) => driver.executeScript("return arguments[0].innerText.trim();", el);

async function eventually(what, fn, ms = TIMEOUT) {
  let last;
  return driver
    .wait(async () => {
      try {
        last = await fn();
        return last;
      } catch (error) {
        last = `threw ${error?.message}`;
        return false;
      }
    }, ms)
    .catch((error) => {
      throw new Error(`waiting for ${what}: ${error.message} (last value: ${JSON.stringify(last)})`);
    });
}


const run = (id, status, response, minute, extra = {}) => ({
  id,
  prompt_text: `the ${id} prompt`,
  response,
  model: "promise-model",
  provider: "local",
  status,
  error_message: status === "success" ? null : `${status}: what happened to ${id}`,
  tokens_used: 12,
  execution_time_ms: 1500,
  created_at: new Date(Date.UTC(2026, 10, 2, 9, minute)).toISOString(),
  ...extra,
});

const RUNS = [
  run("promise-timeout", "timeout", "half an ans", 1),
  run("promise-cancelled", "cancelled", "stopped he", 2),
  run("promise-markdown", "success", HOSTILE_MARKDOWN, 3),
  run("promise-error", "error", "", 4),
  run("promise-long", "success", LONG_RESPONSE, 5),
];

/** [r, g, b] of a CSS colour as the browser computed it. */
const rgb = (css) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
function hueSaturation([r, g, b]) {
  const [max, min] = [Math.max(r, g, b), Math.min(r, g, b)];
  // Chroma: how far from grey, 0 (grey) to 1 (a pure colour).
  const saturation = (max - min) / 255;
  let hue = 0;
  if (max !== min) {
    if (max === r) hue = (60 * ((g - b) / (max - min)) + 360) % 360;
    else if (max === g) hue = 60 * ((b - r) / (max - min)) + 120;
    else hue = 60 * ((r - g) / (max - min)) + 240;
  }
  return { hue, saturation };
}

async function rowOf(id) {
  return $(`[data-testid=run-row][data-run-id="${id}"]`);
}

describe("What the README promises, in the real window", { timeout: 300_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-promises-"));
    env = { ...process.env, XDG_DATA_HOME: path.join(home, "data"), HOME: home, NO_AT_BRIDGE: "1" };
    delete env.PROMPTLINE_DB;
    // The runs go into the CLI's default database; the app is given no path at all.
    const file = path.join(home, "runs.jsonl");
    writeFileSync(file, RUNS.map((r) => JSON.stringify(r)).join("\n") + "\n");
    execFileSync(CLI, ["import", file], { env, timeout: 60_000 });
    ({ driver, close: closeApp } = await openApp({ app: APP, env }));
  });

  after(async () => {
    await closeApp?.();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("opens the database the CLI uses by default", async () => {
    const dbPath = execFileSync(CLI, ["db-path"], { env, encoding: "utf8" }).trim();
    assert.equal(dbPath, path.join(home, "data", "dev.promptline.desktop", "promptline.db"));
    await rowOf("promise-long");
    await eventually("every imported run", async () => (await textOf(await $("[data-testid=match-count]"))) === `${RUNS.length} runs`);
    // And a run the CLI records now, into its default file, shows up in the open window.
    execFileSync(CLI, ["run", "--text", "recorded by the CLI just now", "--model", "echo"], { env, timeout: 30_000 });
    await eventually("the CLI's new run", async () => (await textOf(await $("[data-testid=match-count]"))) === `${RUNS.length + 1} runs`, 20_000);
  });

  it("shows Timeout in amber and Cancelled in grey, each with its word", async () => {
    const colours = {};
    for (const status of ["timeout", "cancelled", "success", "error"]) {
      const badge = await (await rowOf(`promise-${status === "success" ? "long" : status}`)).findElement(By.css(`.badge[data-status=${status}]`));
      const style = await driver.executeScript(
        "const s = getComputedStyle(arguments[0]); return { bg: s.backgroundColor, fg: s.color, text: arguments[0].innerText.trim() };",
        badge,
      );
      colours[status] = { ...style, bg: hueSaturation(rgb(style.bg)), fg: hueSaturation(rgb(style.fg)) };
    }
    assert.equal(colours.timeout.text, "Timeout");
    assert.equal(colours.cancelled.text, "Cancelled");
    // Amber: an orange-yellow hue (about 30-50°), clearly coloured.
    assert.ok(colours.timeout.fg.hue >= 25 && colours.timeout.fg.hue <= 55 && colours.timeout.fg.saturation > 0.3, JSON.stringify(colours.timeout));
    assert.ok(colours.timeout.bg.hue >= 25 && colours.timeout.bg.hue <= 55 && colours.timeout.bg.saturation > 0.15, JSON.stringify(colours.timeout));
    // Grey: next to no colour at all.
    assert.ok(colours.cancelled.fg.saturation < 0.15 && colours.cancelled.bg.saturation < 0.15, JSON.stringify(colours.cancelled));
    // The others are not: green and red.
    assert.ok(colours.success.fg.hue > 80 && colours.success.fg.hue < 170, JSON.stringify(colours.success));
    assert.ok(colours.error.fg.hue < 15 || colours.error.fg.hue > 340, JSON.stringify(colours.error));
  });

  it("copies the selected run's whole response with the c key", async () => {
    // xclip stays behind to serve the selection it set: with its output piped, execFileSync would
    // wait for it to exit (it timed out here); it keeps nothing of ours open with them ignored.
    execFileSync("xclip", ["-selection", "clipboard"], { input: "something else", stdio: ["pipe", "ignore", "ignore"], timeout: 5000 });
    await driver.executeScript("document.activeElement?.blur()");
    const body = await $("body");
    // j moves the selection down from the newest run (the CLI's) to the long one.
    await body.sendKeys("j");
    await body.sendKeys("j");
    await eventually("the long run selected", async () =>
      (await driver.executeScript("return document.querySelector('[data-testid=run-row][aria-selected=true]')?.dataset.runId")) === "promise-long",
    );
    await body.sendKeys("c");
    const clip = await eventually("the clipboard", async () => {
      const out = execFileSync("xclip", ["-o", "-selection", "clipboard"], { encoding: "utf8", timeout: 5000 });
      return out === LONG_RESPONSE && out;
    });
    assert.equal(clip.length, LONG_RESPONSE.length);
  });

  it("runs nothing from a hostile markdown response in the webview", async () => {
    await driver.executeScript(`
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective));
    `);
    const row = await rowOf("promise-markdown");
    await (await row.findElement(By.css("button.main"))).click();
    const response = await $("[data-testid=run-detail] [data-testid=response]");
    await eventually("the rendered markdown", async () => (await textOf(response)).includes("bold"));
    assert.equal(await driver.executeScript("return document.querySelector('[data-testid=run-detail] [data-testid=response] h1')?.innerText"), "Title");
    for (const link of await response.findElements(By.css("a"))) await link.click().catch(() => {});
    await driver.sleep(500);
    const report = await driver.executeScript("return { pwned: window.__pwned ?? null, violations: window.__violations };");
    assert.deepEqual(report, { pwned: null, violations: [] });
    await (await row.findElement(By.css("button.main"))).click();
  });

  it("exports the filtered runs to the file picked in the save dialog", async () => {
    const target = path.join(home, "picked", "errors.csv");
    execFileSync("mkdir", ["-p", path.dirname(target)]);
    // Only the error run: the export follows the filter.
    await (await $("[data-testid=status-chip][data-status=error]")).click();
    let count;
    await eventually("the error filter", async () => /^1 run\b/.test((count = await textOf(await $("[data-testid=match-count]"))))).catch((e) => {
      throw new Error(`${e.message}; the count says ${JSON.stringify(count)}`);
    });
    await (await $("select[aria-label='Export format']")).sendKeys("CSV");
    await (await $("[data-testid=export]")).click();
    // The native GTK save dialog, titled by the app: type the full path into its name field.
    const window = execFileSync("xdotool", ["search", "--sync", "--onlyvisible", "--name", "^Export runs$"], { encoding: "utf8", timeout: 20_000 })
      .trim()
      .split("\n")[0];
    // Xvfb has no window manager, so nothing can "activate" a window (xdotool windowactivate
    // fails); give the dialog the input focus and type into it as the keyboard would.
    execFileSync("xdotool", ["windowfocus", "--sync", window], { timeout: 10_000 });
    execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"], { timeout: 10_000 });
    execFileSync("xdotool", ["type", "--delay", "20", target], { timeout: 30_000 });
    execFileSync("xdotool", ["key", "Return"], { timeout: 10_000 });
    const toast = await eventually("the export toast", async () => {
      const t = await textOf(await $("[data-testid=toast]"));
      return t.startsWith("Exported") && t;
    }, 30_000);
    assert.equal(toast, `Exported 1 run to ${target}`);
    assert.ok(existsSync(target));
    const csv = readFileSync(target, "utf8");
    assert.equal(csv.split("\r\n").filter(Boolean).length, 2, csv.slice(0, 500));
    assert.match(csv, /promise-error/);
    assert.doesNotMatch(csv, /promise-long|promise-timeout/);
  });
});
