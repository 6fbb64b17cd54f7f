// Moving in from the `llm` CLI, in the real app in a real window (issue 13): an llm logs.db sits
// where llm keeps it ($LLM_USER_PATH), the app offers to import it on first launch, the import
// shows its progress and summary, the imported runs are filtered by their source, and a follow-up
// run shows its thread: the system prompt and the messages before it. Screenshots go to
// docs/screenshots/.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { By, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const SHOTS = path.resolve("docs/screenshots");
// Not the story's ports (4444, and 4445 for WebKitWebDriver): the files run one after another,
// but a driver that is slow to exit must not be in the way.
const TIMEOUT = 30_000;
const execFileAsync = promisify(execFile);

let driver;
let closeApp;
let home;
let facts;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);

async function textOf(el) {
  return driver.executeScript("return arguments[0].innerText.trim();", el);
}

async function text(css) {
  return textOf(await $(css));
}

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

/** A count as a pattern, with or without thousands separators (the page formats for its locale). */
function countPattern(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "[,. \u00a0\u202f]?");
}

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await execFileAsync("import", ["-window", "root", path.join(SHOTS, `${name}.png`)], { timeout: 20_000 });
}

/** Facts about the generated logs.db, read with Python's sqlite3: how many turns, and the newest
 * follow-up (its place in the newest-first timeline, its place in its thread, whether its
 * conversation has a system prompt). */
function readFacts(logs) {
  const script = `
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
turns = c.execute("select count(*) from turns").fetchone()[0]
ids = [r[0] for r in c.execute("select id from turns order by id desc limit 12")]
for rank, tid in enumerate(ids):
    thread = c.execute("select thread_id from turns where id = ?", (tid,)).fetchone()[0]
    members = [r[0] for r in c.execute("select id from turns where thread_id = ? order by id", (thread,))]
    if len(members) >= 2 and members[-1] == tid:
        root = c.execute("""with recursive chain(h) as (select parent_message_hash from turns where id = ?
            union all select m.parent_hash from chain join messages m on m.hash = chain.h where m.parent_hash is not null)
            select count(*) from chain join messages m on m.hash = chain.h where m.role = 'system'""", (tid,)).fetchone()[0]
        print(json.dumps({"turns": turns, "row": rank + 1, "place": len(members), "of": len(members), "system": root > 0}))
        break
`;
  return JSON.parse(execFileSync("python3", ["-c", script, logs], { encoding: "utf8" }));
}

describe("Moving in from llm", { timeout: 240_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-e2e-llm-"));
    const llmHome = path.join(home, "llm");
    mkdirSync(llmHome);
    const logs = path.join(llmHome, "logs.db");
    execFileSync("python3", ["datagen/gen_llm_logs.py", "-n", "3000", "-o", logs], { stdio: "ignore" });
    facts = readFacts(logs);
    const env = {
      ...process.env,
      PROMPTLINE_DB: path.join(home, "promptline.db"),
      XDG_DATA_HOME: path.join(home, "data"),
      LLM_USER_PATH: llmHome,
      NO_AT_BRIDGE: "1",
    };
    ({ driver, close: closeApp } = await openApp({ app: APP, env }));
  });

  after(async () => {
    await closeApp?.();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("offers, on first launch, to import the logs.db llm keeps", async () => {
    const offer = await $("[data-testid=llm-offer]");
    assert.match(await textOf(offer), /Bring your llm history along\?/);
    assert.match(await textOf(offer), /llm[/\\]logs\.db/);
    await shot("llm-offer");
  });

  it("imports it with progress and a summary", async () => {
    await click("[data-testid=llm-offer-import]");
    const summary = await eventually("the import summary", async () => {
      const el = await driver.findElements(By.css("[data-testid=import-summary]"));
      return el.length > 0 && (await textOf(el[0]));
    });
    assert.match(summary, new RegExp(`Runs added\\s+${countPattern(facts.turns)}\\b`));
    assert.match(summary, /Already present\s+0/);
    assert.match(summary, /Threads\s+[\d,]+/);
    assert.match(summary, /Time span/);
    await shot("llm-import-summary");
    // The offer is gone once taken.
    assert.equal((await driver.findElements(By.css("[data-testid=llm-offer]"))).length, 0);
  });

  it("shows the imported runs, filtered by their source", async () => {
    await click("[data-testid=import-show]");
    const filter = await $("[data-testid=source-filter]");
    assert.equal(await filter.getAttribute("value"), "llm");
    const counted = new RegExp(`^${countPattern(facts.turns)} runs match$`);
    await eventually("the llm runs to be counted", async () => counted.test(await text("[data-testid=match-count]")));
  });

  it("shows a follow-up run's thread: the system prompt and the messages before it", async () => {
    const row = await $(`[data-testid=run-row][aria-rowindex="${facts.row}"]`);
    await row.click();
    await click("[data-testid=tab-thread]");
    const position = await eventually("the thread position", async () => {
      const el = await driver.findElements(By.css("[data-testid=thread-position]"));
      return el.length > 0 && (await textOf(el[0]));
    });
    assert.equal(position, `Run ${facts.place} of ${facts.of} in this thread`);
    const messages = await driver.findElements(By.css("[data-testid=thread-message]"));
    // Each earlier run is a user message and an answer; then this run's own two.
    assert.equal(messages.length, (facts.place - 1) * 2 + 2 + (facts.system ? 1 : 0));
    const roles = await Promise.all(messages.map((m) => m.getAttribute("data-role")));
    if (facts.system) assert.equal(roles[0], "system");
    assert.equal(roles.at(-2), "user");
    assert.equal(roles.at(-1), "assistant");
    await shot("llm-thread");
  });

  it("has an Import… action for any file", async () => {
    await driver.executeScript("document.activeElement?.blur()");
    await click("[data-testid=import]");
    const dialog = await $("[data-testid=import-dialog]");
    assert.match(await textOf(dialog), /logs\.db/);
    await $("[data-testid=import-choose]");
    // llm's own file is no longer offered: everything in it is here.
    assert.equal((await driver.findElements(By.css("[data-testid=import-llm-default]"))).length, 0);
  });
});
