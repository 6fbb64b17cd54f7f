// Nothing from outside runs in the window. 102 hostile shapes of our own (e2e/xss-corpus.mjs) are
// put in every field that comes from outside (responses, errors, prompt text and prompt names,
// model and provider names, variables, params), imported with the CLI, and the real app shows
// them all: every run expanded on every tab, raw and rendered, every prompt opened, Analytics.
// A canary (`window.__xss`) and a listener for CSP violations say whether anything tried to run.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";
import { corpus } from "./xss-corpus.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const CLI = path.join(path.dirname(APP), "promptline");
const TIMEOUT = 15_000;

let driver;
let closeApp;
let home;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);
const $$ = (css) => driver.findElements(By.css(css));

/** One run per payload, the payload in every field an import can set. */
function hostileRuns() {
  return corpus().map(({ n, text }, i) =>
    JSON.stringify({
      id: `xss-${String(n).padStart(3, "0")}`,
      prompt_id: `hostile-${i % 12}`,
      prompt_text: `${text} (prompt ${n})`,
      response: `Response ${n}: ${text}`,
      model: `model-${n} ${text}`,
      provider: `provider ${text}`,
      status: n % 4 === 0 ? "error" : "success",
      error_message: n % 4 === 0 ? `Error ${n}: ${text}` : null,
      variables: { [`v${n}`]: text },
      params: { system: text, temperature: 0.5 },
      tokens_used: n,
      execution_time_ms: 10 * n,
      created_at: new Date(Date.UTC(2026, 10, 1, 12, 0, n)).toISOString(),
    }),
  );
}

describe("Hostile input in the real window", { timeout: 600_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-xss-"));
    const db = path.join(home, "hostile.db");
    const file = path.join(home, "hostile.jsonl");
    writeFileSync(file, hostileRuns().join("\n") + "\n");
    execFileSync(CLI, ["--db", db, "import", file], { timeout: 60_000 });
    const env = { ...process.env, PROMPTLINE_DB: db, XDG_DATA_HOME: path.join(home, "data"), NO_AT_BRIDGE: "1" };
    ({ driver, close: closeApp } = await openApp({ app: APP, env }));
  });

  after(async () => {
    await closeApp?.();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("shows every hostile field, and nothing runs", async () => {
    await $("[data-testid=run-row]");
    const start = await driver.executeScript(`
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
      return location.href;
    `);
    const count = corpus().length;
    await driver.wait(async () => (await driver.executeScript("return document.querySelector('[data-testid=match-count]')?.innerText")) === `${count} runs`, TIMEOUT);

    // Every run, expanded, on every tab, rendered and raw.
    await driver.executeScript("document.activeElement?.blur()");
    const body = await $("body");
    for (let i = 0; i < count; i++) {
      await body.sendKeys("j");
      await body.sendKeys(Key.ENTER);
      const detail = await $("[data-testid=run-detail]");
      await driver.wait(until.elementLocated(By.css("[data-testid=run-detail] [data-testid=response]")), TIMEOUT);
      for (const tab of ["tab-prompt", "tab-error", "tab-params", "tab-response"]) {
        const found = await detail.findElements(By.css(`[data-testid=${tab}]`));
        if (found.length) {
          // The expanded run fills the pane, so its tabs may sit below the fold: bring them in
          // view as a user would scroll to them.
          await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", found[0]);
          await found[0].click();
        }
      }
      for (const link of await detail.findElements(By.css("[data-testid=response] a"))) await link.click().catch(() => {});
      if (i % 10 === 0) {
        await (await detail.findElement(By.css("[data-testid=raw-toggle]"))).click();
        await (await detail.findElement(By.css("[data-testid=raw-toggle]"))).click();
      }
      await driver.executeScript("document.activeElement?.blur()");
      await body.sendKeys(Key.ENTER);
    }

    // Every prompt (named after hostile text) opened in the editor, then Analytics (model names).
    for (let i = 0; i < 12; i++) {
      const rows = await $$("[data-testid=prompt-row]");
      if (!rows[i]) break;
      await rows[i].click();
      await $("[data-testid=template]");
    }
    await (await $("[data-testid=analytics-view]")).click();
    await $("[data-testid=analytics-models]");

    const report = await driver.executeScript(`
      const all = [...document.querySelectorAll("*")];
      return {
        canary: window.__xss ?? null,
        violations: window.__violations,
        href: location.href,
        handlers: all.flatMap((el) => el.getAttributeNames().filter((a) => a.toLowerCase().startsWith("on")).map((a) => el.tagName + " " + a)),
        frames: document.querySelectorAll("iframe, object, embed, frame, base, meta[http-equiv]").length,
        scripts: [...document.scripts].filter((s) => !s.src || !s.src.startsWith(location.origin)).length,
        jsUrls: all.filter((el) => ["href", "src", "xlink:href", "action", "formaction", "data"]
          .some((a) => /^\\s*(javascript|data:text\\/html)/i.test(el.getAttribute(a) ?? ""))).length,
      };
    `);
    assert.deepEqual(report, { canary: null, violations: [], href: start, handlers: [], frames: 0, scripts: 0, jsUrls: 0 });
  });
});
