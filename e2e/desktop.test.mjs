// Desktop conventions on the real binary in a real window (Xvfb, tauri-driver, WebKitWebDriver):
// the window opens inside the screen even when the size it kept is larger; View > Analytics and
// View > All runs, picked by their accelerators on the real X window (xdotool, as a keyboard
// would: the native GTK menu is outside WebDriver's reach); a second launch on the same database
// brings the running window to the front and exits by itself; the window's size and place come back after a
// restart; and no app is left running afterwards.
//
// Its own D-Bus session bus (the single-instance plugin's lock lives there), tauri-driver port
// and database, so it never meets another story's app; the apps' output goes to a log file, not
// to the test runner's pipes.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Builder, By, until } from "selenium-webdriver";
import { waitForPort } from "./net.mjs";

const APP = process.env.PROMPTLINE_APP ?? path.resolve("target/debug/promptline-app");
const DRIVER_PORT = 4446;
const NATIVE_PORT = 4447;
const TIMEOUT = 15_000;

let driver;
let tauriDriver;
let dbus;
let home;
let db;
let env;
let log;

const $ = (css) => driver.wait(until.elementLocated(By.css(css)), TIMEOUT, `waiting for ${css}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `fn` returns a truthy value; returns it. */
async function eventually(what, fn, ms = TIMEOUT) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = `threw ${error?.name}: ${String(error?.message).slice(0, 200)}`;
    }
    if (Date.now() > end) throw new Error(`waiting for ${what} (last value: ${JSON.stringify(last)})`);
    await sleep(150);
  }
}

function xdotool(...args) {
  return execFileSync("xdotool", args, { encoding: "utf8", timeout: 10_000 }).trim();
}

/** The app processes running on this story's database. */
function ourApps() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmd.split("\0")[0].endsWith("promptline-app")) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (environ.includes(`PROMPTLINE_DB=${db}`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/** The app's visible top-level X window (its title is the product name). */
async function appWindow() {
  return eventually("the app's X window", () => {
    try {
      const ids = xdotool("search", "--onlyvisible", "--name", "^Promptline$").split(/\s+/).filter(Boolean);
      return ids.length === 1 && ids[0];
    } catch {
      return false;
    }
  });
}

/** The screen's top-level windows, topmost first (xwininfo lists them in stacking order). */
function xdotoolTree() {
  return execFileSync("xwininfo", ["-root", "-children"], { encoding: "utf8", timeout: 10_000 });
}

/** Place and size of an X window, as X has it. */
function geometry(id) {
  const out = xdotool("getwindowgeometry", "--shell", id);
  const value = (name) => Number(out.match(new RegExp(`^${name}=(-?\\d+)`, "m"))[1]);
  return { x: value("X"), y: value("Y"), width: value("WIDTH"), height: value("HEIGHT") };
}

/** Presses keys on the app's real window, as the keyboard would. */
async function pressOnWindow(keys) {
  const id = await appWindow();
  xdotool("windowfocus", "--sync", id);
  xdotool("key", "--clearmodifiers", keys);
}

async function launch() {
  driver = await new Builder()
    .usingServer(`http://127.0.0.1:${DRIVER_PORT}/`)
    .withCapabilities({
      browserName: "wry",
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": { application: APP },
    })
    .build();
  await $("[data-testid=all-runs]");
}

async function quit() {
  await driver?.quit().catch(() => {});
  driver = undefined;
  await eventually("the app to exit with its session", () => ourApps().length === 0, 20_000);
}

/** A private session bus on a socket in `home`; its address once it listens. Its output (and
 * that of the services it starts, such as the keyring) goes to the log, never to a closed pipe. */
async function startBus() {
  const socket = path.join(home, "bus");
  dbus = spawn("dbus-daemon", ["--session", "--nofork", "--nopidfile", `--address=unix:path=${socket}`], {
    stdio: ["ignore", log, log],
  });
  await eventually("the session bus", () => existsSync(socket), 10_000);
  return `unix:path=${socket}`;
}

describe("Desktop conventions", { timeout: 240_000 }, () => {
  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "promptline-e2e-desktop-"));
    db = path.join(home, "promptline.db");
    log = openSync(path.join(home, "apps.log"), "a");
    env = {
      ...process.env,
      PROMPTLINE_DB: db,
      XDG_DATA_HOME: path.join(home, "data"),
      XDG_CONFIG_HOME: path.join(home, "config"),
      DBUS_SESSION_BUS_ADDRESS: await startBus(),
      NO_AT_BRIDGE: "1",
    };
    mkdirSync(env.XDG_CONFIG_HOME, { recursive: true });
    // A size kept from a larger screen than this one (1440x900), partly off it.
    const kept = { width: 2600, height: 1800, x: 900, y: 600, prev_x: 900, prev_y: 600, maximized: false, visible: true, decorated: true, fullscreen: false };
    writeFileSync(path.join(home, "promptline.window.json"), JSON.stringify({ main: kept }));
    tauriDriver = spawn("tauri-driver", ["--port", String(DRIVER_PORT), "--native-port", String(NATIVE_PORT)], {
      env,
      stdio: ["ignore", log, log],
    });
    // Both tauri-driver and the WebKitWebDriver it starts must listen before a session is asked
    // for (selenium reports a refused session only at the first command).
    await waitForPort(DRIVER_PORT, 20_000);
    await waitForPort(NATIVE_PORT, 20_000);
    await launch();
  });

  after(async () => {
    await driver?.quit().catch(() => {});
    tauriDriver?.kill();
    for (const pid of ourApps()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    dbus?.kill();
    if (log !== undefined) closeSync(log);
    if (home && !process.env.E2E_KEEP) rmSync(home, { recursive: true, force: true });
  });

  it("opens inside the screen even when the size it kept was larger", async () => {
    const id = await appWindow();
    const g = await eventually("the window to fit", () => {
      const g = geometry(id);
      return g.x >= 0 && g.y >= 0 && g.x + g.width <= 1440 && g.y + g.height <= 900 && g;
    });
    assert.ok(g.width > 1000 && g.height > 600, `the window uses the screen: ${JSON.stringify(g)}`);
  });

  it("shows Analytics and All runs from the View menu's keys on the real window", async () => {
    // Start on a prompt, so that each item visibly changes what is shown.
    await (await $("[data-testid=prompt-row]")).click();
    await $("[data-testid=template]");
    await pressOnWindow("ctrl+2");
    await $("[data-testid=analytics]");
    assert.match(await (await $("[data-testid=analytics-view]")).getAttribute("class"), /\bselected\b/);
    await pressOnWindow("ctrl+1");
    await eventually("All runs", async () => /\bselected\b/.test(await (await $("[data-testid=all-runs]")).getAttribute("class")));
    assert.equal((await driver.findElements(By.css("[data-testid=analytics]"))).length, 0);
    assert.equal((await driver.findElements(By.css("[data-testid=template]"))).length, 0);
  });

  it("brings the running app to the front on a second launch of the same database, which exits by itself", async () => {
    const id = await appWindow();
    const [first] = ourApps();
    // Another window over the app. Without a window manager (Xvfb) the front is the top of X's
    // stacking order, and the raise is what a focus request does there (X itself ignores a focus
    // request older than the last focus change, and the app's is as old as its last input).
    const cover = spawn("xmessage", ["-title", "promptline-cover", "-geometry", "1400x860+0+0", "cover"], { stdio: "ignore" });
    try {
      const onTop = () => {
        const order = [...xdotoolTree().matchAll(/^\s+(0x[0-9a-f]+) "([^"]*)"/gm)].map((m) => [Number(m[1]), m[2]]);
        const app = order.findIndex(([w]) => w === Number(id));
        const over = order.findIndex(([, name]) => name === "promptline-cover");
        return app >= 0 && over >= 0 ? (app < over ? "app" : "cover") : "none";
      };
      await eventually("the cover over the app", () => onTop() === "cover");
      const second = spawn(APP, [], { env, stdio: ["ignore", log, log] });
      const code = await Promise.race([
        new Promise((resolve) => second.once("exit", (c) => resolve(c))),
        sleep(30_000).then(() => "still running after 30 s"),
      ]);
      if (code !== 0) second.kill("SIGKILL");
      assert.equal(code, 0, "the second launch hands over and exits");
      await eventually("the app in front again", () => onTop() === "app");
    } finally {
      cover.kill();
    }
    assert.deepEqual(ourApps(), [first], "one app on this database");
    assert.equal(await appWindow(), id);
    await $("[data-testid=all-runs]");
  });

  it("keeps the window's size and place across a restart", async () => {
    const id = await appWindow();
    xdotool("windowsize", "--sync", id, "1000", "700");
    xdotool("windowmove", "--sync", id, "120", "80");
    const before = await eventually("the move", () => {
      const g = geometry(id);
      return g.width === 1000 && g.height === 700 && g.x === 120 && g.y === 80 && g;
    });
    // Written down shortly after the window comes to rest (not only at a clean exit).
    const file = path.join(home, "promptline.window.json");
    await eventually("the window state to be written", () => {
      const main = existsSync(file) && JSON.parse(readFileSync(file, "utf8")).main;
      return main && main.x === 120 && main.y === 80;
    });
    await quit();
    await launch();
    const again = await appWindow();
    const g = await eventually("the same size and place", () => {
      const g = geometry(again);
      return g.width === before.width && g.height === before.height && g.x === before.x && g.y === before.y && g;
    });
    assert.deepEqual(g, before);
  });

  it("leaves no app running when its session ends", async () => {
    assert.equal(ourApps().length, 1);
    await quit();
    assert.deepEqual(ourApps(), []);
  });
});
