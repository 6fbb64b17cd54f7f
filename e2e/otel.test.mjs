// Settings > Integrations in the real window: point the app at a local OTLP/HTTP receiver with a
// secret header, run the sample prompt, and see the span arrive (with the header, without the
// prompt's text: content is off) and the state turn to connected. Screenshot:
// docs/screenshots/settings-integrations.png.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { By, Key, until } from "selenium-webdriver";
import { openApp } from "./session.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const SHOTS = path.resolve("docs/screenshots");
const TIMEOUT = 15_000;
const SECRET = "e2e-otlp-secret-71f0";
const execFileAsync = promisify(execFile);

let driver;
let closeApp;
let receiver;
let home;
/** Every OTLP request the receiver got: headers and body. */
const received = [];

/** A local OTLP/HTTP traces receiver: keeps each POST to /v1/traces and answers as a collector
 * does (200, an empty ExportTraceServiceResponse, which is zero bytes of protobuf). */
function startReceiver() {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        if (req.method === "POST" && req.url === "/v1/traces") {
          received.push({ headers: req.headers, body: Buffer.concat(chunks) });
          res.writeHead(200, { "content-type": "application/x-protobuf", "content-length": "0" });
        } else {
          res.writeHead(404);
        }
        res.end();
      });
    });
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/v1/traces`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}


const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);

async function click(css) {
  const el = await $(css);
  await driver.wait(until.elementIsEnabled(el), TIMEOUT, `waiting for ${css} to be enabled`);
  await driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", el);
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

async function text(css) {
  return driver.executeScript("return arguments[0].innerText.trim();", await $(css));
}

async function replaceText(css, value) {
  const el = await $(css);
  await driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", el);
  await el.click();
  await el.sendKeys(Key.chord(Key.CONTROL, "a"), Key.BACK_SPACE);
  if (value) await el.sendKeys(value);
  return el;
}

describe("Settings > Integrations", { timeout: 180_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-e2e-otel-"));
    receiver = await startReceiver();
    const env = {
      ...process.env,
      PROMPTLINE_DB: path.join(home, "promptline.db"),
      XDG_DATA_HOME: path.join(home, "data"),
      NO_AT_BRIDGE: "1",
    };
    for (const name of Object.keys(env)) if (name.startsWith("OTEL_")) delete env[name];
    ({ driver, close: closeApp } = await openApp({ app: APP, env }));
  });

  after(async () => {
    await closeApp?.();
    await receiver?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("saves an endpoint with a secret header, which never shows again", async () => {
    await click("[data-testid=settings]");
    assert.match(await text("[data-testid=otel-state]"), /Off/);
    await replaceText("[data-testid=otel-endpoint]", receiver.url);
    await click("[data-testid=otel-edit-headers]");
    await replaceText("[data-testid=otel-header-name]", "Authorization");
    await replaceText("[data-testid=otel-header-value]", `Bearer ${SECRET}`);
    await click("[data-testid=otel-save]");
    await eventually("the saved state", async () => /Nothing sent yet/.test(await text("[data-testid=otel-state]")));
    const section = await text("[data-testid=integrations]");
    assert.match(section, /Authorization/);
    assert.doesNotMatch(section, new RegExp(SECRET));
    const values = await driver.findElements(By.css("[data-testid=otel-header-value]"));
    assert.equal(values.length, 0, "the value field is gone once saved");
  });

  it("sends a run as soon as it is recorded, with the header and without its content", async () => {
    await click("[data-testid=prompt-row]");
    await replaceText("[data-testid=var-input][data-var=topic]", "observability");
    await click("[data-testid=run]");
    await eventually("the run to succeed", async () => (await driver.findElements(By.css("[data-testid=live-run][data-status=success]"))).length === 1);
    const request = await eventually("the span at the receiver", async () => received[0], 10_000);
    assert.equal(request.headers["content-type"], "application/x-protobuf");
    assert.equal(request.headers.authorization, `Bearer ${SECRET}`);
    const body = request.body.toString("latin1");
    assert.ok(body.includes("chat echo"), "the span's name");
    assert.ok(body.includes("gen_ai.operation.name"));
    assert.ok(!body.includes("observability"), "content is off by default");

    await click("[data-testid=settings]");
    await eventually("connected", async () => /Connected/.test(await text("[data-testid=otel-state]")), 10_000);
    const section = await $("[data-testid=integrations]");
    await driver.executeScript("arguments[0].scrollIntoView({block: 'start'});", section);
    // The notice of the save fades after 3 s; the picture is of the settings, not of it.
    await driver.sleep(3500);
    mkdirSync(SHOTS, { recursive: true });
    await execFileAsync("import", ["-window", "root", path.join(SHOTS, "settings-integrations.png")], { timeout: 20_000 });
  });
});
