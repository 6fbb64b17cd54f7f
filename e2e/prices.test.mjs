// What runs cost, in the real window: a run on a self-hosted server has no price ("—"); the user
// sets its price in Settings > Prices, reprices, and the timeline row, the expanded run and
// Analytics show the cost worked out by hand; a monthly budget below the spend puts a warning in
// the run panel. Same harness as e2e/app.test.mjs (Xvfb, tauri-driver, WebKitWebDriver).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { By, Key, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";
import { TEST_KEY, startServer } from "./server.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const SHOTS = path.resolve("docs/screenshots");
const TIMEOUT = 15_000;
const NEWEST_ROW = '[data-testid=run-row][aria-rowindex="1"]';
// The local server answers 9 prompt tokens and 8 completion tokens; at $100 and $1,000 per
// million: 9 × 0.0001 + 8 × 0.001 = $0.0089.
const EXPECTED_COST = "$0.0089";


let driver;
let closeApp;
let server;
let home;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);

/** Settings scrolls inside its pane: bring an element into view before touching it. */
async function reveal(el) {
  await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' });", el);
  return el;
}

async function click(css) {
  const el = await reveal(await $(css));
  await driver.wait(until.elementIsEnabled(el), TIMEOUT, `waiting for ${css} to be enabled`);
  await el.click();
  return el;
}

async function textOf(el) {
  return driver.executeScript("return arguments[0].innerText.trim();", el);
}

async function text(css) {
  return textOf(await $(css));
}

async function eventually(what, fn, ms = TIMEOUT) {
  let last;
  return driver
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
}

async function replaceText(css, value) {
  const el = await reveal(await $(css));
  await el.click();
  // Only a field with something in it is cleared: Backspace in an empty model field takes off
  // the last chip, as a user's would.
  if (await el.getAttribute("value")) await el.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  if (value) await el.sendKeys(value);
  return el;
}

describe("Promptline prices", { timeout: 180_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-e2e-prices-"));
    server = await startServer();
    const env = {
      ...process.env,
      PROMPTLINE_DB: path.join(home, "promptline.db"),
      XDG_DATA_HOME: path.join(home, "data"),
      PROMPTLINE_E2E_KEY: TEST_KEY,
      NO_AT_BRIDGE: "1",
    };
    // Free ports rather than the usual 4444/4445: a driver left over from another run cannot
    // capture this session.
    ({ driver, close: closeApp } = await openApp({ app: APP, env }));
  });

  after(async () => {
    await closeApp?.();
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("shows no cost for a self-hosted model until the user prices it, then the cost everywhere", async () => {
    // A provider on this machine: the price table does not price it.
    await click("[data-testid=settings]");
    await replaceText("[data-testid=provider-name]", "local");
    await replaceText("[data-testid=provider-url]", server.url);
    await replaceText("[data-testid=provider-key-env]", "PROMPTLINE_E2E_KEY");
    await click("[data-testid=save-provider]");
    await $("[data-testid=provider-row][data-provider=local]");

    await click("[data-testid=prompt-row]");
    await (await $("[data-testid=var-input][data-var=topic]")).sendKeys("recursion");
    await replaceText("[data-testid=add-model]", "local/test-model");
    await (await $("[data-testid=add-model]")).sendKeys(Key.ENTER);
    await click('[data-testid=model-chip][data-model="echo"]');
    await click("[data-testid=run]");
    await eventually("the run to be recorded", async () => (await (await $(NEWEST_ROW)).getAttribute("data-status")) === "success");
    const unpriced = await (await $(NEWEST_ROW)).findElement(By.css("[data-testid=run-row-cost]"));
    assert.equal(await textOf(unpriced), "—");

    // Settings > Prices: the user's price for it, past runs repriced, a budget below the spend.
    await click("[data-testid=settings]");
    await $("[data-testid=prices-settings]");
    assert.match(await text("[data-testid=price-table]"), /bundled with Promptline/);
    await replaceText("[data-testid=price-provider]", "local");
    await replaceText("[data-testid=price-model]", "test-model");
    await replaceText("[data-testid=price-input]", "100");
    await replaceText("[data-testid=price-output]", "1000");
    await click("[data-testid=save-price]");
    await eventually("the price in the list", async () => (await text("[data-testid=user-prices]")).includes("local/test-model"));
    await click("[data-testid=reprice]");
    await eventually("the reprice", async () => (await text("[data-testid=prices-settings]")).includes("Priced 1 run again."));
    await replaceText("[data-testid=budget-input]", "0.001");
    await click("[data-testid=save-budget]");
    await eventually("the budget", async () => (await text("[data-testid=prices-settings]")).includes("Monthly budget: $0.001"));
    mkdirSync(SHOTS, { recursive: true });
    await promisify(execFile)("import", ["-window", "root", path.join(SHOTS, "settings-prices.png")], { timeout: 20_000 });

    // The timeline row and the expanded run.
    await click("[data-testid=prompt-row]");
    const row = await $(NEWEST_ROW);
    await eventually("the row's cost", async () => (await textOf(await row.findElement(By.css("[data-testid=run-row-cost]")))) === EXPECTED_COST);
    await (await row.findElement(By.css("button.main"))).click();
    // The cost is among the run's facts, on the Params tab.
    await click("[data-testid=run-detail] [data-testid=tab-params]");
    const detail = await text("[data-testid=run-detail] [data-testid=run-cost]");
    assert.match(detail, new RegExp(`^\\${EXPECTED_COST} · Your price for local/test-model`));
    assert.equal(await text("[data-testid=prompt-cost]"), EXPECTED_COST);

    // This month's spend is over the budget: the run panel says so.
    assert.match(await text("[data-testid=budget-warning]"), /over your \$0\.001 monthly budget/);

    // Analytics: the total and this month's spend.
    await click("[data-testid=analytics-view]");
    await eventually("the analytics cost", async () => (await text("[data-testid=analytics-cost]")).includes(EXPECTED_COST));
    assert.equal(await text("[data-testid=analytics-month]"), EXPECTED_COST);
    await $("[data-testid=cost-per-day]");
  });
});
