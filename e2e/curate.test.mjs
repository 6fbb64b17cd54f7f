// Judging runs in the real window (Xvfb, tauri-driver, WebKitWebDriver): run the sample prompt
// twice on echo with different variables, compare the two runs (word diff, facts, swap), rate one
// up, tag it, and filter the history by the tag. Screenshots go to docs/screenshots/.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { By, Key, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const SHOTS = path.resolve("docs/screenshots");
const TIMEOUT = 15_000;
const NEWEST_ROW = '[data-testid=run-row][aria-rowindex="1"]';
const SECOND_ROW = '[data-testid=run-row][aria-rowindex="2"]';
const execFileAsync = promisify(execFile);


let driver;
let closeApp;
let home;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);
const $$ = (css) => driver.findElements(By.css(css));

async function click(css) {
  const el = await $(css);
  await driver.wait(until.elementIsEnabled(el), TIMEOUT, `waiting for ${css} to be enabled`);
  await el.click();
  return el;
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

async function textOf(el) {
  return driver.executeScript("return arguments[0].innerText.trim();", el);
}

async function text(css) {
  return textOf(await $(css));
}

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await execFileAsync("import", ["-window", "root", path.join(SHOTS, `${name}.png`)], { timeout: 20_000 });
}

/** Runs the open prompt on echo with `topic` and waits for the run to be in the history. */
async function runWith(topic, runsAfter) {
  const field = await $("[data-testid=var-input][data-var=topic]");
  await field.click();
  await field.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  await field.sendKeys(topic);
  await click("[data-testid=run]");
  await eventually(`run ${runsAfter} in the history`, async () =>
    new RegExp(`^${runsAfter} runs?$`).test(await text("[data-testid=match-count]")),
  );
}

describe("Compare, rate, tag, filter", { timeout: 240_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-e2e-curate-"));
    const env = {
      ...process.env,
      PROMPTLINE_DB: path.join(home, "promptline.db"),
      XDG_DATA_HOME: path.join(home, "data"),
      NO_AT_BRIDGE: "1",
    };
    ({ driver, close: closeApp } = await openApp({ app: APP, env }));
  });

  after(async () => {
    await closeApp?.();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("runs the sample prompt twice with different variables", async () => {
    const row = await $("[data-testid=prompt-row]");
    assert.match(await textOf(row), /Explain a concept/);
    await runWith("borrow checking", 1);
    await runWith("garbage collection", 2);
  });

  it("compares the run with the previous run of its prompt", async () => {
    await click(`${NEWEST_ROW} .main`);
    await click("[data-testid=compare-previous]");
    await $("[data-testid=compare]");
    await eventually("the word diff", async () => /change/.test(await text("[data-testid=compare-summary]")));
    const deleted = await Promise.all((await $$("[data-testid=compare-delete]")).map(textOf));
    const inserted = await Promise.all((await $$("[data-testid=compare-insert]")).map(textOf));
    assert.ok(deleted.join(" ").includes("borrow"), `deleted: ${deleted}`);
    assert.ok(inserted.join(" ").includes("garbage"), `inserted: ${inserted}`);
    // The facts table shows the variable that changed.
    const topic = await $("[data-testid=compare-fields] tr[data-field='variables.topic']");
    assert.match(await textOf(topic), /borrow checking\s+garbage collection/);
    // Stepping through the changes with the keyboard marks the current one.
    await driver.findElement(By.css("body")).sendKeys("j");
    await eventually("the first change to be current", async () => /1 of/.test(await text("[data-testid=compare-summary]")));
    await shot("compare");
    // Swap: the other run is now the one inserted.
    await click("[data-testid=compare-swap]");
    await eventually("the swapped diff", async () => {
      const now = await Promise.all((await $$("[data-testid=compare-insert]")).map(textOf));
      return now.join(" ").includes("borrow");
    });
    await click("[data-testid=compare-close]");
    await eventually("the comparison to close", async () => (await $$("[data-testid=compare]")).length === 0);
  });

  it("compares two runs picked in the timeline", async () => {
    for (const row of [NEWEST_ROW, SECOND_ROW]) {
      await (await $(`${row} .mark`)).click();
    }
    await click("[data-testid=compare-marked]");
    await eventually("the comparison", async () => /change/.test(await text("[data-testid=compare-summary]")));
    // Older first: the second run's words are the insertions.
    const inserted = await Promise.all((await $$("[data-testid=compare-insert]")).map(textOf));
    assert.ok(inserted.join(" ").includes("garbage"), `inserted: ${inserted}`);
    await click("[data-testid=compare-close]");
    for (const row of [NEWEST_ROW, SECOND_ROW]) {
      await (await $(`${row} .mark`)).click();
    }
  });

  it("rates a run up and tags it, in its row and its expanded view", async () => {
    // The newest run is still expanded.
    await $("[data-testid=run-detail]");
    await click("[data-testid=rate-up]");
    await eventually("the rating in the row", async () => (await $$(`${NEWEST_ROW} [data-testid=row-rating][data-rating=up]`)).length === 1);
    const input = await $("[data-testid=tag-input]");
    await input.click();
    await input.sendKeys("winner", Key.ENTER);
    await eventually("the tag in the row", async () => (await text(`${NEWEST_ROW} [data-testid=row-tag]`)) === "winner");
    // The other run is rated down from the keyboard.
    await driver.findElement(By.css("body")).click();
    await driver.executeScript("document.activeElement && document.activeElement.blur()");
    await driver.findElement(By.css("body")).sendKeys(Key.ESCAPE, "j", "-");
    await eventually("the second run rated down", async () => (await $$(`${SECOND_ROW} [data-testid=row-rating][data-rating=down]`)).length === 1);
  });

  it("filters the history by the tag and by the rating", async () => {
    const tags = await $("[data-testid=tag-filter]");
    await eventually("the tag among the filter's options", async () => (await tags.findElements(By.css("option[value=winner]"))).length === 1);
    await tags.findElement(By.css("option[value=winner]")).click();
    await eventually("one run to match", async () => /^1 run matches$/.test(await text("[data-testid=match-count]")));
    const rows = await $$("[data-testid=run-row]");
    assert.equal(rows.length, 1);
    assert.match(await textOf(rows[0]), /winner/);
    await shot("filter-by-tag");
    await (await $("[data-testid=tag-filter]")).findElement(By.css("option[value='']")).click();
    const rating = await $("[data-testid=rating-filter]");
    await rating.findElement(By.css("option[value=down]")).click();
    await eventually("the run rated down", async () => /^1 run matches$/.test(await text("[data-testid=match-count]")));
    assert.equal((await $$("[data-testid=run-row] [data-rating=down]")).length, 1);
  });
});
