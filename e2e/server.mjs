// A tiny OpenAI-compatible Chat Completions server for the end-to-end test. It streams its answer
// as server-sent events, a word every 120 ms, so the test can watch tokens arrive. Model `broken`
// answers 500, a wrong key 401, both with an OpenAI-style error body. Listens on 127.0.0.1 only.

import http from "node:http";

export const TEST_KEY = "e2e-test-key";
export const ANSWER = "Bonjour from the local test server: streaming works.";

/** Starts the server on a free port; resolves to { url, close, requests }. */
export function startServer() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, body, authorization: req.headers.authorization });
      const fail = (status, message) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message, type: "invalid_request_error", code: null } }));
      };
      if (req.headers.authorization !== `Bearer ${TEST_KEY}`) {
        return fail(401, "Incorrect API key provided. You can find your API key in your account settings.");
      }
      if (req.method === "GET" && req.url === "/v1/models") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ object: "list", data: [{ id: "test-model", object: "model" }, { id: "broken", object: "model" }] }));
      }
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") return fail(404, `no route ${req.url}`);
      const request = JSON.parse(body || "{}");
      if (request.model === "broken") return fail(500, "The model test-broken is overloaded: try again later.");
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const words = ANSWER.split(/(?<= )/);
      let i = 0;
      const chunk = (delta, extra = {}) =>
        `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: request.model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
      const timer = setInterval(() => {
        if (i < words.length) {
          res.write(chunk(i === 0 ? { role: "assistant", content: words[i] } : { content: words[i] }));
          i += 1;
          return;
        }
        clearInterval(timer);
        res.write(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
        res.write(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 9, completion_tokens: words.length, total_tokens: 9 + words.length } })}\n\n`);
        res.end("data: [DONE]\n\n");
      }, 120);
      res.on("close", () => clearInterval(timer));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
