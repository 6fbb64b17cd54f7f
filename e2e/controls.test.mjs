// The run panel's controls in the real window (Xvfb, tauri-driver, WebKitWebDriver), against the
// local OpenAI-compatible test server: run parameters saved with the prompt and sent in the
// request, the Params tab showing them, an empty variable marked on its field, model chips with
// autocomplete from the provider's list, a mistyped model flagged and removed with ×, prompt
// versions and the history filtered by one, Duplicate, Settings > General (default timeout,
// theme), what the panel remembers per prompt across a relaunch, and a 720x600 window stacking
// its panes. Screenshots go to docs/screenshots/.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { By, Key, until } from "selenium-webdriver";
import { TEST_KEY, startServer } from "./server.mjs";
import { openApp } from "./session.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const CLI = path.join(path.dirname(APP), "promptline");
const SHOTS = path.resolve("docs/screenshots");
const TIMEOUT = 15_000;
const NEWEST_ROW = '[data-testid=run-row][aria-rowindex="1"]';
const execFileAsync = promisify(execFile);

let driver;
let session;
let server;
let home;
let env;
/** The version of the sample prompt its first run ran, as the panel shows it (`v1`). */
let ranVersion;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);
const $$ = (css) => driver.findElements(By.css(css));

async function click(css) {
  const el = await $(css);
  await driver.wait(until.elementIsEnabled(el), TIMEOUT, `waiting for ${css} to be enabled`);
  try {
    await el.click();
  } catch (error) {
    if (error?.name !== "ElementClickInterceptedError") throw error;
    // Say what was over it (the WebDriver's message does not).
    const over = await driver.executeScript(
      `const b = arguments[0].getBoundingClientRect();
       return document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2)?.outerHTML.slice(0, 300);`,
      el,
    );
    throw new Error(`a click on ${css} went to another element: ${over}`);
  }
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

async function replaceText(css, value) {
  const el = await $(css);
  await el.click();
  // Only a field with something in it is cleared: Backspace in an empty model field takes off
  // the last chip, as a user's would.
  if (await el.getAttribute("value")) await el.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  if (value) await el.sendKeys(value);
  return el;
}

async function shot(name, crop) {
  mkdirSync(SHOTS, { recursive: true });
  const args = ["-window", "root"];
  if (crop) args.push("-crop", crop);
  await execFileAsync("import", [...args, path.join(SHOTS, `${name}.png`)], { timeout: 20_000 });
}

async function selectPrompt(name) {
  // The list loads after the window opens: wait for the row.
  const row = await eventually(`a prompt row named ${name}`, async () => {
    for (const row of await $$("[data-testid=prompt-row]")) {
      if ((await textOf(await row.findElement(By.css(".name")))) === name) return row;
    }
    return false;
  });
  await row.click();
}

const chip = (model) => `[data-testid=model-chip][data-model="${model}"]`;

async function pressed(model) {
  return (await (await $(chip(model))).getAttribute("aria-pressed")) === "true";
}

async function liveRuns() {
  return Promise.all(
    (await $$("[data-testid=live-run]")).map(async (el) => ({ status: await el.getAttribute("data-status"), text: await textOf(el) })),
  );
}

async function launch() {
  session = await openApp({ app: APP, env });
  driver = session.driver;
}

async function quit() {
  await session?.close();
  session = null;
  driver = null;
}

async function waitSaved() {
  await eventually("the edit to be saved", async () => (await text(".save-state")) === "Saved");
}

async function runAndWait(status = "success") {
  await click("[data-testid=run]");
  return eventually(`the run to end as ${status}`, async () => {
    const runs = await liveRuns();
    return runs.length > 0 && runs.every((r) => r.status === status) && runs;
  });
}

describe("the run panel's controls", { timeout: 300_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-e2e-controls-"));
    server = await startServer();
    env = {
      ...process.env,
      PROMPTLINE_DB: path.join(home, "promptline.db"),
      XDG_DATA_HOME: path.join(home, "data"),
      PROMPTLINE_E2E_KEY: TEST_KEY,
      NO_AT_BRIDGE: "1",
    };
    // The provider the story runs on, added with the CLI before the app opens the database.
    execFileSync(CLI, ["provider", "add", "local", "--kind", "openai", "--base-url", server.url, "--key-env", "PROMPTLINE_E2E_KEY"], { env });
    await launch();
  });

  after(async () => {
    await quit();
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("marks an empty variable's field instead of running", async () => {
    await selectPrompt("Explain a concept");
    await click("[data-testid=run]");
    const field = await $("[data-testid=var-input][data-var=topic]");
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    assert.equal(await text("[data-testid=var-missing]"), "Needs a value before running");
    assert.equal((await liveRuns()).length, 0, "nothing ran");
    await field.sendKeys("tides");
    await eventually("the mark to go", async () => (await field.getAttribute("aria-invalid")) === "false");
  });

  it("offers the provider's models, flags a mistyped one and removes it with ×", async () => {
    const add = await replaceText("[data-testid=add-model]", "test-mo");
    const suggestion = await eventually("the provider's model offered", async () => {
      const items = await $$("[data-testid=model-suggestion]");
      const texts = await Promise.all(items.map(textOf));
      return texts.includes("local/test-model") && texts;
    });
    assert.ok(suggestion.includes("local/test-model"));
    await add.sendKeys(Key.ARROW_DOWN, Key.ENTER);
    assert.equal(await pressed("local/test-model"), true);
    await click(chip("echo"));
    assert.equal(await pressed("echo"), false);

    await replaceText("[data-testid=add-model]", "local/test-modle");
    await (await $("[data-testid=add-model]")).sendKeys(Key.ENTER);
    assert.equal(await (await $(chip("local/test-modle"))).getAttribute("data-flagged"), "true");
    assert.match(await text("[data-testid=model-problem]"), /local does not offer “test-modle”: did you mean local\/test-model\?/);
    await shot("model-chips-flagged");
    await click('[data-testid=remove-model][data-model="local/test-modle"]');
    await eventually("the chip to go", async () => (await $$(chip("local/test-modle"))).length === 0);
    assert.equal((await $$("[data-testid=model-problem]")).length, 0);
    // Backspace in the empty field takes off the last chip added; adding it back picks it again.
    await replaceText("[data-testid=add-model]", "local/broken");
    await (await $("[data-testid=add-model]")).sendKeys(Key.ENTER);
    assert.equal(await pressed("local/broken"), true);
    await (await $("[data-testid=add-model]")).sendKeys(Key.BACK_SPACE);
    await eventually("Backspace to remove it", async () => (await $$(chip("local/broken"))).length === 0);
  });

  it("saves the run parameters with the prompt and sends them in the provider's format", async () => {
    const details = await $("[data-testid=run-params]");
    if ((await details.getAttribute("open")) === null) await (await details.findElement(By.css("summary"))).click();
    await replaceText("[data-testid=param-system]", "Answer as a pirate.");
    await replaceText("[data-testid=param-temperature]", "0.3");
    await replaceText("[data-testid=param-max-tokens]", "40");
    await replaceText("[data-testid=param-stop]", "END");
    await waitSaved();
    const before = server.requests.length;
    await runAndWait();
    const sent = server.requests.slice(before).filter((r) => r.url === "/v1/chat/completions");
    assert.equal(sent.length, 1);
    const body = JSON.parse(sent[0].body);
    assert.deepEqual(body.messages[0], { role: "system", content: "Answer as a pirate." });
    assert.equal(body.temperature, 0.3);
    assert.equal(body.max_tokens, 40);
    assert.deepEqual(body.stop, ["END"]);
    // The sample prompt's first version, amended by the autosave while it never ran (v2 if the
    // machine took over a minute to get here).
    ranVersion = await text("[data-testid=prompt-version]");
    assert.match(ranVersion, /^v[12]$/);

    const newest = await $(NEWEST_ROW);
    await (await newest.findElement(By.css("button.main"))).click();
    await click("[data-testid=tab-params]");
    const params = JSON.parse(await text("[data-testid=params-sent]"));
    assert.deepEqual(params, { max_tokens: 40, stop: ["END"], system: "Answer as a pirate.", temperature: 0.3 });
    assert.equal(await text("[data-testid=run-prompt-version]"), ranVersion);
    await shot("run-params");
  });

  it("keeps the old version on an edit and filters the history by version", async () => {
    await click("body");
    const template = await $("[data-testid=template]");
    await template.click();
    await template.sendKeys(Key.END, " Keep it short.");
    await waitSaved();
    const ran = Number(ranVersion.slice(1));
    await eventually("a new version", async () => (await text("[data-testid=prompt-version]")) === `v${ran + 1}`);
    await runAndWait();
    await eventually("two runs", async () => /^2 runs$/.test(await text("[data-testid=match-count]")));
    const select = await $("[data-testid=version-filter]");
    const options = await Promise.all((await select.findElements(By.css("option"))).map(textOf));
    assert.deepEqual(options.slice(0, 3), ["All versions", `v${ran + 1} · 1 run`, `v${ran} · 1 run`]);
    await (await select.findElement(By.css(`option[value="${ran}"]`))).click();
    await eventually("only the first version's run", async () => (await text("[data-testid=match-count]")) === "1 run matches");
    // That run is still expanded from the Params step: a click would fold it.
    const newest = await $(NEWEST_ROW);
    if ((await newest.getAttribute("aria-expanded")) !== "true") await (await newest.findElement(By.css("button.main"))).click();
    await click("[data-testid=tab-prompt]");
    await eventually("v1's prompt", async () => {
      const shown = await text("[data-testid=run-detail]");
      return shown.includes("Explain tides") && !shown.includes("Keep it short.");
    });
    await (await select.findElement(By.css('option[value=""]'))).click();
    await eventually("every version", async () => /^2 runs$/.test(await text("[data-testid=match-count]")));
  });

  it("duplicates the prompt", async () => {
    await click("[data-testid=duplicate-prompt]");
    await eventually("the copy open", async () => (await (await $("[data-testid=prompt-name]")).getAttribute("value")) === "Explain a concept (copy)");
    assert.match(await (await $("[data-testid=template]")).getAttribute("value"), /Keep it short\.$/);
    assert.equal(await (await $("[data-testid=param-temperature]")).getAttribute("value"), "0.3");
    assert.match(await text("[data-testid=match-count]"), /^0 runs$/);
  });

  it("sets a default timeout and the dark theme in Settings > General, at once", async () => {
    await click("[data-testid=settings]");
    await replaceText("[data-testid=default-timeout]", "42");
    await click("[data-testid=save-defaults]");
    await $("[data-testid=defaults-saved]");
    // The theme sits below the fold of Settings: scrolled to, as a user would.
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", await $("[data-testid=theme-dark]"));
    await click("[data-testid=theme-dark]");
    await eventually("the dark theme", async () => (await driver.executeScript("return document.documentElement.dataset.theme")) === "dark");
    const background = await driver.executeScript("return getComputedStyle(document.body).backgroundColor");
    assert.equal(background, "rgb(22, 23, 27)");
    await shot("settings-general-dark");
  });

  it("remembers the values, models and settings across a relaunch", async () => {
    await quit();
    await launch();
    await eventually("the dark theme at launch", async () => (await driver.executeScript("return document.documentElement.dataset.theme")) === "dark");
    await selectPrompt("Explain a concept");
    const field = await $("[data-testid=var-input][data-var=topic]");
    await eventually("the value typed last time", async () => (await field.getAttribute("value")) === "tides");
    await eventually("the models picked last time", async () => (await pressed("local/test-model")) && !(await pressed("echo")));
    assert.equal(await (await $("[data-testid=param-system]")).getAttribute("value"), "Answer as a pirate.");
    await click("[data-testid=new-prompt]");
    await eventually("the default timeout", async () => (await (await $("[data-testid=timeout]")).getAttribute("value")) === "42");
    await click("[data-testid=settings]");
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", await $("[data-testid=theme-light]"));
    await click("[data-testid=theme-light]");
    await eventually("the light theme", async () => (await driver.executeScript("return document.documentElement.dataset.theme")) === "light");
  });

  it("stacks the panes usably in a 720x600 window", async () => {
    await selectPrompt("Explain a concept");
    await click(chip("echo"));
    await click(chip("local/test-model"));
    for (let i = 0; i < 4; i++) await runAndWait();
    await driver.manage().window().setRect({ x: 0, y: 0, width: 720, height: 600 });
    await eventually("the window to be 720x600", async () => {
      const [w, h] = await driver.executeScript("return [window.innerWidth, window.innerHeight]");
      return w <= 720 && h <= 600;
    });
    const [, height] = await driver.executeScript("return [window.innerWidth, window.innerHeight]");
    const visibleRows = await driver.executeScript(
      `const h = window.innerHeight;
       return [...document.querySelectorAll('[data-testid=run-row]')].filter((r) => {
         const b = r.getBoundingClientRect();
         return b.height > 0 && b.top >= 0 && b.bottom <= h;
       }).length;`,
    );
    assert.ok(visibleRows >= 3, `only ${visibleRows} history rows in view`);
    const run = await driver.executeScript(
      "const b = document.querySelector('[data-testid=run]').getBoundingClientRect(); return [b.top, b.bottom];",
    );
    assert.ok(run[0] >= 0 && run[1] <= height, `Run is out of view: ${run}`);
    await shot("narrow-720x600", "720x600+0+0");
  });
});
