// Network helpers shared by the end-to-end story (e2e/app.test.mjs) and the app benchmark
// (bench/app.mjs).

import net from "node:net";

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`, retrying every
 * `retryMs`; rejects after `ms`. */
export function waitForPort(port, ms, retryMs = 100) {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.end();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, retryMs);
      });
    };
    attempt();
  });
}
