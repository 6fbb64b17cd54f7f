// The story of the desktop app, end to end, on the real binary in a real window (Xvfb,
// tauri-driver, WebKitWebDriver): create a prompt with a variable, run it on `echo` and on a local
// OpenAI-compatible server that streams, watch the tokens arrive, find the run in the history,
// expand it, copy the response and read it back from the system clipboard, make an error run,
// filter by status, search, delete the prompt and see its runs go. Screenshots go to
// docs/screenshots/.

import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { By, Key, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";
import { ANSWER, TEST_KEY, startServer } from "./server.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const SHOTS = path.resolve("docs/screenshots");
const TIMEOUT = 15_000;
/** The timeline reuses row elements as it scrolls (DOM order is not the order shown): rows say
 * where they are with aria-rowindex, from 1 for the newest. */
const NEWEST_ROW = '[data-testid=run-row][aria-rowindex="1"]';
const execFileAsync = promisify(execFile);

let driver;
let closeApp;
let server;
let home;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);
const $$ = (css) => driver.findElements(By.css(css));

async function click(css) {
  const el = await $(css);
  await driver.wait(until.elementIsEnabled(el), TIMEOUT, `waiting for ${css} to be enabled`);
  await el.click();
  return el;
}

/** Waits until `fn` returns a truthy value; returns it. */
async function eventually(what, fn, ms = TIMEOUT) {
  let last;
  const value = await driver
    .wait(async () => {
      try {
        last = await fn();
        return last;
      } catch (error) {
        last = `threw ${error?.name}: ${String(error?.message).slice(0, 200)}`;
        return false;
      }
    }, ms)
    .catch((error) => {
      throw new Error(`waiting for ${what}: ${error.message} (last value: ${JSON.stringify(last)})`);
    });
  return value;
}

/** An element's rendered text (innerText, read in the page: robust across WebDriver builds). */
async function textOf(el) {
  return driver.executeScript("return arguments[0].innerText.trim();", el);
}

async function text(css) {
  return textOf(await $(css));
}

async function replaceText(css, value) {
  const el = await $(css);
  await el.click();
  // Only a field with something in it is cleared: Backspace in an empty model field takes off
  // the last chip, as a user's would.
  if (await el.getAttribute("value")) await el.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  if (value) await el.sendKeys(value);
  return el;
}

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  // The screen as X shows it (ImageMagick's import; the window fills the Xvfb screen). WebKit's
  // own snapshot, behind WebDriver's takeScreenshot, never returns when the page is not
  // composited, which is how the app renders without a GPU (src-tauri/webview.rs). Not
  // execFileSync: the local test server streaming to the app lives in this process.
  await execFileAsync("import", ["-window", "root", path.join(SHOTS, `${name}.png`)], { timeout: 20_000 });
}

async function selectPrompt(name) {
  const rows = await $$("[data-testid=prompt-row]");
  for (const row of rows) {
    if ((await textOf(row)).includes(name)) {
      await row.click();
      return;
    }
  }
  throw new Error(`no prompt row named ${name}`);
}

async function toggleChip(model) {
  await click(`[data-testid=model-chip][data-model="${model}"]`);
}

async function liveRuns() {
  return Promise.all(
    (await $$("[data-testid=live-run]")).map(async (el) => ({
      status: await el.getAttribute("data-status"),
      text: await textOf(el),
    })),
  );
}

describe("Promptline desktop", { timeout: 240_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-e2e-"));
    server = await startServer();
    const env = {
      ...process.env,
      PROMPTLINE_DB: path.join(home, "promptline.db"),
      XDG_DATA_HOME: path.join(home, "data"),
      PROMPTLINE_E2E_KEY: TEST_KEY,
      NO_AT_BRIDGE: "1",
    };
    ({ driver, close: closeApp } = await openApp({ app: APP, env }));
  });

  after(async () => {
    await closeApp?.();
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  afterEach(async (t) => {
    // A failed step leaves a picture of the whole screen behind (outside WebDriver, in case it hangs).
    if (process.env.E2E_DEBUG_SHOTS) {
      const name = `debug-${Date.now()}.png`;
      try {
        execFileSync("import", ["-window", "root", path.join(tmpdir(), name)], { timeout: 10_000 });
      } catch {}
    }
  });

  it("opens on the sample prompt", async () => {
    const row = await $("[data-testid=prompt-row]");
    assert.match(await textOf(row), /Explain a concept/);
    assert.match(await (await $("[data-testid=template]")).getAttribute("value"), /\{\{topic\}\}/);
    await shot("first-launch");
  });

  it("creates a prompt with a variable and runs it on echo", async () => {
    await click("[data-testid=new-prompt]");
    await eventually("the new prompt", async () => (await (await $("[data-testid=prompt-name]")).getAttribute("value")) === "Untitled prompt");
    await replaceText("[data-testid=prompt-name]", "Capital question");
    await replaceText("[data-testid=template]", "What is the capital of {{country}}? Answer in one line.");
    const field = await $("[data-testid=var-input][data-var=country]");
    await field.sendKeys("France");
    await eventually("the name to be saved", async () => (await text("[data-testid=prompt-row]")).includes("Capital question"));
    await click("[data-testid=run]");
    const [run] = await eventually("the echo run to succeed", async () => {
      const runs = await liveRuns();
      return runs.length === 1 && runs[0].status === "success" && runs;
    });
    assert.match(run.text, /What is the capital of France\? Answer in one line\./);
    const row = await $("[data-testid=run-row][data-status=success]");
    assert.match(await textOf(row), /Success/);
    assert.match(await text("[data-testid=match-count]"), /^1 run$/);
  });

  it("adds the local OpenAI-compatible server in Settings and tests the connection", async () => {
    await click("[data-testid=settings]");
    await replaceText("[data-testid=provider-name]", "local");
    await replaceText("[data-testid=provider-url]", server.url);
    await replaceText("[data-testid=provider-key-env]", "PROMPTLINE_E2E_KEY");
    await click("[data-testid=save-provider]");
    const row = await $("[data-testid=provider-row][data-provider=local]");
    assert.match(await textOf(row), /Key from environment/);
    await (await row.findElement(By.css("[data-testid=test-provider]"))).click();
    const result = await eventually("the connection test", async () => {
      const t = await textOf(await row.findElement(By.css("[data-testid=test-result]")));
      return t.includes("test-model") && t;
    });
    assert.match(result, /Connected/);
    await shot("settings-providers");
  });

  it("streams a run from the local server, token by token", async () => {
    await selectPrompt("Capital question");
    await replaceText("[data-testid=add-model]", "local/test-model");
    await (await $("[data-testid=add-model]")).sendKeys(Key.ENTER);
    await toggleChip("echo");
    await (await $("[data-testid=template]")).sendKeys(Key.chord(Key.CONTROL, Key.ENTER));
    const partial = new Set();
    await eventually(
      "tokens to arrive while running",
      async () => {
        const [run] = await liveRuns();
        if (run?.status === "running" && run.text.includes("Bonjour") && !run.text.includes("works.")) {
          partial.add(run.text);
          // After the second partial text: a screenshot takes seconds on a busy machine, and taken
          // after the first it could outlast the stream.
          if (partial.size === 2) await shot("streaming");
        }
        return partial.size >= 2;
      },
      TIMEOUT,
    );
    const [done] = await eventually("the streamed run to succeed", async () => {
      const runs = await liveRuns();
      return runs[0]?.status === "success" && runs;
    });
    assert.ok(done.text.includes(ANSWER), done.text);
    // The run was in the history from its start (as running), and is completed in place.
    const newest = await $(NEWEST_ROW);
    await eventually("the row completed in place", async () => (await newest.getAttribute("data-status")) === "success");
    assert.match(await textOf(newest), /test-model/);
  });

  it("expands the run and copies its response to the system clipboard", async () => {
    const newest = await $(NEWEST_ROW);
    await (await newest.findElement(By.css("button.main"))).click();
    const response = await $("[data-testid=run-detail] [data-testid=response]");
    await eventually("the full response", async () => (await textOf(response)).includes("streaming works"));
    await shot("run-expanded");
    await click("[data-testid=copy-response]");
    const toast = await eventually("the copy toast", async () => {
      const t = await text("[data-testid=toast]");
      return t.startsWith("Copied response") && t;
    });
    assert.equal(toast, `Copied response (${ANSWER.length} characters)`);
    const clip = await eventually("the clipboard", async () => {
      const out = execFileSync("xclip", ["-o", "-selection", "clipboard"], { encoding: "utf8", timeout: 5000 });
      return out === ANSWER && out;
    });
    assert.equal(clip, ANSWER);
  });

  it("records an error run with the provider's message and a red badge", async () => {
    await click("body");
    await replaceText("[data-testid=add-model]", "local/broken");
    await (await $("[data-testid=add-model]")).sendKeys(Key.ENTER);
    await toggleChip("local/test-model");
    await click("[data-testid=run]");
    const [run] = await eventually("the error run", async () => {
      const runs = await liveRuns();
      return runs[0]?.status === "error" && runs;
    });
    assert.match(run.text, /overloaded/);
    const row = await $("[data-testid=run-row][data-status=error]");
    assert.match(await textOf(row), /Error/);
    assert.match(await textOf(row), /overloaded/);
    const color = await (await row.findElement(By.css(".badge"))).getCssValue("background-color");
    const [r, g, b] = color.match(/\d+/g).map(Number);
    assert.ok(r > g && r > b, `error badge should be red, got ${color}`);
    await shot("error-run");
  });

  it("filters by status and searches with highlighted matches", async () => {
    await click("[data-testid=status-chip][data-status=error]");
    await eventually("one error run", async () => (await text("[data-testid=match-count]")) === "1 run matches");
    for (const row of await $$("[data-testid=run-row]")) assert.equal(await row.getAttribute("data-status"), "error");
    await click("[data-testid=status-chip][data-status=error]");
    await eventually("all three runs", async () => (await text("[data-testid=match-count]")) === "3 runs");


    await (await $("body")).sendKeys("/");
    const search = await driver.switchTo().activeElement();
    assert.equal(await search.getAttribute("data-testid"), "history-search");
    await search.sendKeys("Bonjour");
    await eventually("the search", async () => (await text("[data-testid=match-count]")) === "1 run matches");
    const mark = await $("[data-testid=run-row] mark");
    assert.equal(await textOf(mark), "Bonjour");
    await shot("search");
    await replaceText("[data-testid=history-search]", "");
    await eventually("the search to clear", async () => (await text("[data-testid=match-count]")) === "3 runs");
  });

  it("runs one prompt on two models side by side", async () => {
    await toggleChip("local/broken");
    await toggleChip("echo");
    await toggleChip("local/test-model");
    await click("[data-testid=run]");
    const runs = await eventually("both runs to succeed", async () => {
      const live = await liveRuns();
      return live.length === 2 && live.every((r) => r.status === "success") && live;
    });
    assert.ok(runs.some((r) => r.text.includes("capital of France")));
    assert.ok(runs.some((r) => r.text.includes(ANSWER)));
    await eventually("five runs", async () => (await text("[data-testid=match-count]")) === "5 runs");
    await shot("side-by-side");
  });

  it("moves through the history with the keyboard", async () => {
    const selectedIndex = () =>
      driver.executeScript(
        "return Number(document.querySelector('[data-testid=run-row][aria-selected=true]')?.getAttribute('aria-rowindex') ?? 0) - 1;",
      );
    await driver.executeScript("document.activeElement?.blur()");
    const body = await $("body");
    for (let i = 0; i < 8; i++) await body.sendKeys("k");
    await eventually("the first row selected", async () => (await selectedIndex()) === 0);
    await body.sendKeys("j");
    await eventually("the second row selected", async () => (await selectedIndex()) === 1);
    await body.sendKeys(Key.ENTER);
    await $("[data-testid=run-detail]");
    await body.sendKeys(Key.ESCAPE);
    await eventually("the detail to close", async () => (await $$("[data-testid=run-detail]")).length === 0);
    await body.sendKeys("r");
    await eventually("the re-run to be recorded", async () => (await text("[data-testid=match-count]")) === "6 runs");
  });

  it("cancels a run with Esc and records it as cancelled", async () => {
    await toggleChip("echo");
    await click("[data-testid=run]");
    await eventually("the first tokens", async () => {
      const [run] = await liveRuns();
      return run?.status === "running" && run.text.includes("Bonjour");
    });
    await driver.executeScript("document.activeElement?.blur()");
    await (await $("body")).sendKeys(Key.ESCAPE);
    const [run] = await eventually("the cancelled run", async () => {
      const runs = await liveRuns();
      return runs[0]?.status === "cancelled" && runs;
    });
    assert.match(run.text, /Cancelled/);
    assert.ok(!run.text.includes("works."), "the run stopped before the end");
    const row = await $("[data-testid=run-row][data-status=cancelled]");
    assert.match(await textOf(row), /Cancelled/);
    await eventually("seven runs", async () => (await text("[data-testid=match-count]")) === "7 runs");
  });

  it("bulk-deletes the runs picked with x and the checkboxes", async () => {
    await driver.executeScript("document.activeElement?.blur()");
    const body = await $("body");
    for (let i = 0; i < 8; i++) await body.sendKeys("k");
    await body.sendKeys("x");
    await click('[data-testid=run-row][aria-rowindex="2"] input.mark');
    await eventually("two picked", async () => (await text("[data-testid=bulk-delete]")) === "Delete 2 selected");
    await click("[data-testid=bulk-delete]");
    assert.match(await textOf(await $("[data-testid=confirm-dialog]")), /Delete 2 runs\?/);
    await click("[data-testid=confirm]");
    await eventually("five runs left", async () => (await text("[data-testid=match-count]")) === "5 runs");
  });

  it("never deletes on stray keys, asks for the count, and undoes a delete exactly", async () => {
    // The focus after a delete is nowhere a key could delete again: two Spaces change nothing.
    const focused = await driver.executeScript("return document.activeElement?.dataset?.testid ?? document.activeElement?.tagName");
    assert.notEqual(focused, "bulk-delete");
    const body = await $("body");
    await body.sendKeys(" ");
    await body.sendKeys(" ");
    assert.equal((await $$("[data-testid=confirm-dialog][open]")).length, 0);
    assert.equal(await text("[data-testid=match-count]"), "5 runs");
    // Undo in the toast brings both runs back.
    const undo = (await $$("[data-testid=toast-action]")).at(-1);
    assert.ok(undo, "the delete's toast offers Undo");
    await undo.click();
    await eventually("seven runs again", async () => (await text("[data-testid=match-count]")) === "7 runs");
    // Deleting everything the filter matches: focus on Cancel, and the red button waits for the count.
    await click("[data-testid=bulk-delete]");
    await $("[data-testid=confirm-dialog][open]");
    assert.equal(await driver.executeScript("return document.activeElement?.dataset?.testid"), "confirm-typed");
    assert.equal(await (await $("[data-testid=confirm]")).isEnabled(), false);
    await (await $("[data-testid=confirm-typed]")).sendKeys("6");
    assert.equal(await (await $("[data-testid=confirm]")).isEnabled(), false);
    await (await $("[data-testid=confirm-cancel]")).click();
    assert.equal(await text("[data-testid=match-count]"), "7 runs");
    // The same two runs again, for the rest of the story.
    await driver.executeScript("document.activeElement?.blur()");
    for (let i = 0; i < 8; i++) await body.sendKeys("k");
    await body.sendKeys("x");
    await click('[data-testid=run-row][aria-rowindex="2"] input.mark');
    await eventually("two picked", async () => (await text("[data-testid=bulk-delete]")) === "Delete 2 selected");
    await click("[data-testid=bulk-delete]");
    await click("[data-testid=confirm]");
    await eventually("five runs left", async () => (await text("[data-testid=match-count]")) === "5 runs");
  });

  it("sums the prompt's runs up in Analytics, by day and by model", async () => {
    await click("[data-testid=analytics-view]");
    await eventually("the totals", async () => /Runs\s+5\b/.test(await text("[data-testid=analytics-totals]")));
    const today = await driver.executeScript(
      "const d = new Date(); return [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n) => String(n).padStart(2, '0')).join('-');",
    );
    const lastDay = await driver.executeScript(
      "return [...document.querySelectorAll('[data-testid=runs-per-day] g.day')].at(-1).querySelector('title').textContent;",
    );
    assert.equal(lastDay, `${today}: 5 runs`);
    assert.match(await text("[data-testid=analytics-models]"), /local\/test-model/);
    await shot("analytics");
    for (const row of await $$("[data-testid=prompt-row]")) {
      if ((await textOf(row)).includes("Capital question")) {
        await row.click();
        break;
      }
    }
    await $("[data-testid=delete-prompt]");
  });

  it("deletes the prompt with its runs", async () => {
    await click("[data-testid=delete-prompt]");
    const dialog = await $("[data-testid=confirm-dialog]");
    assert.match(await textOf(dialog), /5 runs will be deleted/);
    await click("[data-testid=confirm]");
    const promptNames = async () => Promise.all((await $$("[data-testid=prompt-row]")).map((r) => textOf(r)));
    await eventually("the prompt to go", async () => (await promptNames()).every((n) => !n.includes("Capital question")));
    // Undo brings the prompt back with its five runs; then it goes for good.
    await (await $$("[data-testid=toast-action]")).at(-1).click();
    await eventually("the prompt back", async () => (await promptNames()).some((n) => n.includes("Capital question")));
    await eventually("its five runs back", async () => (await text("[data-testid=match-count]")) === "5 runs");
    await click("[data-testid=delete-prompt]");
    await click("[data-testid=confirm]");
    await eventually("the prompt to go again", async () => (await promptNames()).every((n) => !n.includes("Capital question")));
    await click("[data-testid=all-runs]");
    await eventually("no runs left", async () => (await text("[data-testid=match-count]")) === "0 runs");
  });

  it("renders a hostile response as inert markdown in the real webview", async () => {
    await click("[data-testid=new-prompt]");
    await eventually("the new prompt", async () => (await (await $("[data-testid=prompt-name]")).getAttribute("value")) === "Untitled prompt");
    const hostile = [
      "**bold** and [a link](javascript:window.__pwned=1)",
      "<img src=x onerror=\"window.__pwned=2\">",
      "<script>window.__pwned=3</script>",
      "<a href=\"#\" onclick=\"window.__pwned=4\">click</a>",
      "<iframe src=\"https://example.com\"></iframe>",
    ].join("\n\n");
    await replaceText("[data-testid=template]", hostile);
    await click("[data-testid=run]");
    await eventually("the echo run", async () => (await liveRuns())[0]?.status === "success");
    const row = await $(NEWEST_ROW);
    await (await row.findElement(By.css("button.main"))).click();
    const response = await $("[data-testid=run-detail] [data-testid=response]");
    await eventually("the rendered response", async () => (await textOf(response)).includes("bold"));
    for (const link of await response.findElements(By.css("a"))) await link.click();
    const report = await driver.executeScript(`
      const r = document.querySelector("[data-testid=run-detail] [data-testid=response]");
      const attrs = [...r.querySelectorAll("*")].flatMap((el) => el.getAttributeNames());
      return {
        pwned: window.__pwned ?? null,
        scripts: r.querySelectorAll("script, iframe").length,
        handlers: attrs.filter((a) => a.startsWith("on")).length,
        jsLinks: [...r.querySelectorAll("a")].filter((a) => (a.getAttribute("href") ?? "").toLowerCase().startsWith("javascript:")).length,
        strong: r.querySelectorAll("strong").length,
      };
    `);
    assert.deepEqual(report, { pwned: null, scripts: 0, handlers: 0, jsLinks: 0, strong: 1 });
    await click("[data-testid=raw-toggle]");
    assert.match(await textOf(response), /<script>window.__pwned=3<\/script>/);
  });

  it("shows a run the CLI records while the app is open, within seconds", async () => {
    await click("[data-testid=all-runs]");
    const before = await text("[data-testid=match-count]");
    const cli = path.join(path.dirname(APP), "promptline");
    execFileSync(cli, ["run", "--text", "recorded from a terminal", "--model", "echo"], {
      env: { ...process.env, PROMPTLINE_DB: path.join(home, "promptline.db") },
      timeout: 20_000,
    });
    await eventually("the CLI's run in the timeline", async () => (await text(NEWEST_ROW)).includes("recorded from a terminal"));
    assert.notEqual(await text("[data-testid=match-count]"), before);
  });
});
