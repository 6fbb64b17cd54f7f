// Starts an installed Promptline (the .deb's /usr/bin/promptline-app, not a build in target/) in
// a real window through tauri-driver and WebKitWebDriver, and checks that it renders the history
// the installed CLI recorded in the user's default database: the prompt named PROMPT is listed
// and holds RUNS runs. Run by scripts/test-dist.sh under Xvfb:
//   node e2e/installed-app.mjs APP PROMPT RUNS SCREENSHOT
// The environment (HOME, XDG_DATA_HOME) decides the database, as for a user: no PROMPTLINE_DB.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { By, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";

const [app, promptName, runs, screenshot] = process.argv.slice(2);
if (!app || !promptName || !runs) {
  console.error("usage: node e2e/installed-app.mjs APP PROMPT RUNS [SCREENSHOT]");
  process.exit(2);
}
const TIMEOUT = 30_000;
const env = { ...process.env, NO_AT_BRIDGE: "1" };
delete env.PROMPTLINE_DB;

let session;
try {
  session = await openApp({ app, env });
  const { driver } = session;
  const text = (el) => driver.executeScript("return arguments[0].innerText.trim();", el);
  const row = await driver.wait(async () => {
    for (const el of await driver.findElements(By.css("[data-testid=prompt-row]"))) {
      if ((await text(el)).includes(promptName)) return el;
    }
    return false;
  }, TIMEOUT, `waiting for the prompt "${promptName}" in the installed app's list`);
  await row.click();
  const want = Number(runs) === 1 ? "1 run" : `${runs} runs`;
  const count = await driver.wait(until.elementLocated(By.css("[data-testid=match-count]")), TIMEOUT);
  await driver.wait(async () => (await text(count)) === want, TIMEOUT, `waiting for "${want}"`).catch(async (e) => {
    throw new Error(`${e.message}; the history says "${await text(count)}"`);
  });
  const rows = await driver.findElements(By.css("[data-testid=run-row][data-status=success]"));
  assert.ok(rows.length >= Math.min(Number(runs), 1), "the installed app shows the recorded runs");
  if (screenshot) execFileSync("import", ["-window", "root", screenshot], { timeout: 20_000 });
  console.log(`installed app: "${promptName}" shows ${want}`);
} finally {
  await session?.close();
}
