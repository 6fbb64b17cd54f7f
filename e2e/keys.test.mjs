// Keys go only where they were given, in the real app: a provider's key is stored for its base
// URL's origin; editing the base URL to another server asks before the key goes along. Cancelling
// keeps the key with the old server (nothing is sent to the new one); confirming the dialog, which
// names both origins, moves it, and the connection test then reaches the new server with it.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";
import { TEST_KEY, startServer } from "./server.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const TIMEOUT = 15_000;

let driver;
let closeApp;
let oldServer;
let newServer;
let home;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);
const textOf = (el) => driver.executeScript("return arguments[0].innerText.trim();", el);
const originOf = (url) => new URL(url).origin;

async function click(css) {
  const el = await $(css);
  await driver.wait(until.elementIsEnabled(el), TIMEOUT, `waiting for ${css} to be enabled`);
  await el.click();
}

async function replaceText(css, value) {
  const el = await $(css);
  await el.click();
  await el.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  if (value) await el.sendKeys(value);
}

async function eventually(what, fn) {
  let last;
  return driver
    .wait(async () => {
      try {
        return (last = await fn());
      } catch (error) {
        last = String(error?.message).slice(0, 200);
        return false;
      }
    }, TIMEOUT)
    .catch((error) => {
      throw new Error(`waiting for ${what}: ${error.message} (last value: ${JSON.stringify(last)})`);
    });
}


const row = () => $("[data-testid=provider-row][data-provider=bound]");

describe("Keys bound to their origin", { timeout: 180_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-e2e-keys-"));
    [oldServer, newServer] = await Promise.all([startServer(), startServer()]);
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
    await Promise.all([oldServer?.close(), newServer?.close()]);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("stores a key for the base URL's origin", async () => {
    await click("[data-testid=settings]");
    await replaceText("[data-testid=provider-name]", "bound");
    await replaceText("[data-testid=provider-url]", oldServer.url);
    await replaceText("[data-testid=provider-key]", TEST_KEY);
    await click("[data-testid=save-provider]");
    await eventually("the key in the keychain", async () => /Key in keychain/.test(await textOf(await row())));
  });

  it("asks before the key goes to another origin, and keeps it when told no", async () => {
    await replaceText("[data-testid=provider-url]", newServer.url);
    await click("[data-testid=save-provider]");
    const dialog = await $("[data-testid=confirm-dialog]");
    const asked = await eventually("the dialog", async () => (await textOf(dialog)) || false);
    assert.ok(asked.includes(originOf(oldServer.url)) && asked.includes(originOf(newServer.url)), asked);
    await click("[data-testid=confirm-cancel]");
    const error = await eventually("the form to say so", async () => textOf(await $("[data-testid=provider-error]")));
    assert.match(error, new RegExp(`stays with ${originOf(oldServer.url)}`));
    assert.match(await textOf(await row()), new RegExp(oldServer.url.replace(/[/.]/g, "\\$&")));
    assert.equal(newServer.requests.length, 0, "nothing went to the new server");
  });

  it("moves the key after the confirmation, and the new server gets it", async () => {
    await click("[data-testid=save-provider]");
    await click("[data-testid=confirm]");
    await eventually("the new base URL", async () => (await textOf(await row())).includes(newServer.url));
    assert.match(await textOf(await row()), /Key in keychain/);
    await (await (await row()).findElement(By.css("[data-testid=test-provider]"))).click();
    const result = await eventually("the connection test", async () => {
      const t = await textOf(await (await row()).findElement(By.css("[data-testid=test-result]")));
      return t.includes("test-model") && t;
    });
    assert.match(result, /Connected/);
    // The test, and the model list the app refreshes after a save: each with the moved key.
    assert.ok(newServer.requests.length >= 1);
    assert.deepEqual(new Set(newServer.requests.map((r) => r.authorization)), new Set([`Bearer ${TEST_KEY}`]));
  });
});
