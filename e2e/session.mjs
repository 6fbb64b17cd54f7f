// One way to open the real app in a real window for the end-to-end files and the app benchmark:
// tauri-driver (on a free port) in front of WebKitWebDriver, which starts the app. And one way to
// close it that leaves nothing running.
//
// Why closing needs care: when a session ends badly (a native dialog still open, a step that
// timed out), WebKitWebDriver can go without closing the app. The app, re-parented to init,
// then kept the test process's stderr open, and `node --test` waited for it forever. So the
// app's process tree is noted while the session is alive and killed after quit, and the driver's
// output reaches us through a pipe we close ourselves.

import { spawn, execFileSync } from "node:child_process";
import net from "node:net";
import { Builder } from "selenium-webdriver";
import { waitForPort } from "./net.mjs";

/** A TCP port nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Every process below `pid` (children first found, then theirs). */
function descendants(pid) {
  const found = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift();
    let out = "";
    try {
      out = execFileSync("pgrep", ["-P", String(parent)], { encoding: "utf8" });
    } catch {
      // pgrep exits 1 when there are none.
    }
    for (const line of out.split("\n").filter(Boolean)) {
      found.push(Number(line));
      queue.push(Number(line));
    }
  }
  return found;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Starts `app` (a path) with `env` and returns `{ driver, pids, close }`. `close()` ends the
 * WebDriver session, stops tauri-driver and kills whatever of the app is still running.
 */
export async function openApp(options) {
  try {
    return await openAppOnce(options);
  } catch (error) {
    // Seen once: the first sessions of a suite refused by tauri-driver (ECONNRESET) while later
    // ones, and the same files alone, opened fine. One more try, said out loud, then give up.
    process.stderr.write(`e2e/session.mjs: opening the app failed (${error.message}); trying once more\n`);
    return openAppOnce(options);
  }
}

async function openAppOnce({ app, env = process.env, timeoutMs = 20_000 }) {
  let [port, nativePort] = [await freePort(), await freePort()];
  // Two probes in a row can be handed the same port; the driver and WebKitWebDriver need two.
  while (nativePort === port) nativePort = await freePort();
  const tauriDriver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  tauriDriver.stderr.on("data", (chunk) => process.stderr.write(chunk));
  let driver;
  let pids = [];
  const close = async () => {
    if (driver) {
      const quit = driver.quit().catch(() => {});
      await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    // Whatever the session started, including what it started late (noted again now).
    if (alive(tauriDriver.pid)) pids = [...new Set([...pids, ...descendants(tauriDriver.pid)])];
    tauriDriver.kill();
    for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGTERM");
    for (let i = 0; i < 30 && pids.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
    tauriDriver.stderr.destroy();
  };
  try {
    await waitForPort(port, timeoutMs);
    driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}/`)
      .withCapabilities({ browserName: "wry", "wdio:enforceWebDriverClassic": true, "tauri:options": { application: app } })
      .build();
    pids = descendants(tauriDriver.pid);
  } catch (error) {
    await close();
    throw error;
  }
  return { driver, pids, close };
}
