import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import type { Run, RunSummary } from "../api";
import RunDetail from "./RunDetail.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const block = (i: number) => `## Part ${i} 🦀\n\nParagraph ${i} about 日本語 and **bold** words.\n`;
function markdown(chars: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < chars; i += 1) {
    parts.push(block(i));
    n += block(i).length + 1;
  }
  return parts.join("\n");
}

const full = markdown(300_000);
const points = Array.from(full);
const HEAD = 65_536;
const summary: RunSummary = {
  id: "big", prompt_id: null, created_at: new Date().toISOString(), model: "m", provider: "p",
  status: "success", tokens_used: 2, input_tokens: 1, output_tokens: 1, execution_time_ms: 5, ttft_ms: 1,
  error_message: null, preview: "Part 0", response_chars: points.length, rating: null, tags: [], note: null,
  source: "promptline", thread_id: null, cost_usd: null, cost_source: null, priced_as: null, cached_tokens: null,
  cache_write_tokens: null, reasoning_tokens: null, owner: null,
};
const head: Run = {
  ...summary, stop_reason: "stop", params: {}, variables: {}, prompt_text: "the prompt",
  response: points.slice(0, HEAD).join(""), resolved_model: null, system_prompt: null, context: [], prompt_version: null,
} as Run;
const noop = () => {};

describe("RunDetail with a long response", () => {
  it("shows the head at once, says how much of it is loaded, and loads all the rest on Show all", async () => {
    const calls: { startChar: number; maxChars: number }[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "response_piece") throw { code: "internal", message: `unexpected ${cmd}` };
      const { id, startChar, maxChars } = args as { id: string; startChar: number; maxChars: number };
      expect(id).toBe("big");
      calls.push({ startChar, maxChars });
      return points.slice(startChar, startChar + maxChars).join("");
    });
    const { getByTestId, queryByTestId } = render(RunDetail, {
      props: { summary, run: head, responseTotal: points.length, error: null, query: null, oncopyresponse: noop, oncopyprompt: noop, onrerun: noop, ondelete: noop },
    });
    // The first screen is there before any piece is asked for.
    expect(getByTestId("rendered").querySelector("h2")?.textContent).toBe("Part 0 🦀");
    expect(calls).toEqual([]);
    const total = points.length.toLocaleString("en-US");
    expect(getByTestId("response-partial").textContent).toContain(`Showing 65,536 of ${total} characters`);
    expect(getByTestId("response").dataset.total).toBe(String(points.length));

    await fireEvent.click(getByTestId("show-all"));
    await waitFor(() => expect(queryByTestId("response-partial")).toBeNull());
    // In code points from the end of the head, at the shell's cap per piece.
    expect(calls[0]).toEqual({ startChar: HEAD, maxChars: 1_048_576 });
    expect(getByTestId("response").dataset.loaded).toBe(String(points.length));
    expect(Number(getByTestId("rendered").dataset.length)).toBe(full.length);
  });

  it("shows a short response whole, with no note and no Show all", () => {
    const run = { ...head, response: "Short **answer** 🦀" } as Run;
    const { getByTestId, queryByTestId } = render(RunDetail, {
      props: { summary, run, responseTotal: 16, error: null, query: null, oncopyresponse: noop, oncopyprompt: noop, onrerun: noop, ondelete: noop },
    });
    expect(getByTestId("rendered").querySelector("strong")?.textContent).toBe("answer");
    expect(queryByTestId("response-partial")).toBeNull();
    expect(queryByTestId("show-all")).toBeNull();
  });

  it("never cuts the answer silently in the Thread tab: the head is marked, and Show all brings the whole", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "thread_runs") return [];
      if (cmd !== "response_piece") throw { code: "internal", message: `unexpected ${cmd}` };
      const { startChar, maxChars } = args as { startChar: number; maxChars: number };
      return points.slice(startChar, startChar + maxChars).join("");
    });
    const threaded = { ...summary, thread_id: "t1" };
    const { getByTestId, getAllByTestId, queryByTestId } = render(RunDetail, {
      props: { summary: threaded, run: head, responseTotal: points.length, error: null, query: null, oncopyresponse: noop, oncopyprompt: noop, onrerun: noop, ondelete: noop },
    });
    await fireEvent.click(getByTestId("tab-thread"));
    const answer = () => getAllByTestId("thread-message").find((m) => m.dataset.role === "assistant")!;
    expect(answer().querySelector("pre")!.textContent!.length).toBe(head.response.length);
    expect(getByTestId("response-partial").textContent).toContain("Showing 65,536 of");
    await fireEvent.click(getByTestId("show-all"));
    await waitFor(() => expect(queryByTestId("response-partial")).toBeNull());
    expect(answer().querySelector("pre")!.textContent).toBe(full);
  });
});
