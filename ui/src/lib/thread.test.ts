import { describe, expect, it } from "vitest";
import type { Run } from "./generated/Run";
import { hasThread, threadMessages, threadPosition } from "./thread";

function run(over: Partial<Run> = {}): Run {
  return {
    id: "01b",
    prompt_id: null,
    created_at: "2026-11-01T10:00:00Z",
    model: "gpt-4o-mini",
    provider: "openai",
    status: "success",
    tokens_used: 10,
    input_tokens: 4,
    output_tokens: 6,
    execution_time_ms: 100,
    ttft_ms: null,
    error_message: null,
    preview: "Pelagia",
    response_chars: 7,
    source: "llm",
    thread_id: "01t",
    cost_usd: null,
    cost_source: null,
    priced_as: null,
    cached_tokens: null,
    cache_write_tokens: null,
    reasoning_tokens: null,
    rating: null,
    tags: [],
    note: null,
    owner: null,
    stop_reason: null,
    params: {},
    variables: {},
    prompt_text: "And another",
    response: "Pelagia",
    resolved_model: "gpt-4o-mini-2024-07-18",
    system_prompt: "Answer in one word.",
    context: [
      { role: "user", text: "Name a pelican" },
      { role: "assistant", text: "Percy" },
    ],
    prompt_version: null,
    ...over,
  };
}

describe("a run's thread", () => {
  it("reads system prompt, earlier messages, then the run's own prompt and response", () => {
    expect(threadMessages(run()).map((m) => [m.role, m.text, m.own])).toEqual([
      ["system", "Answer in one word.", false],
      ["user", "Name a pelican", false],
      ["assistant", "Percy", false],
      ["user", "And another", true],
      ["assistant", "Pelagia", true],
    ]);
  });
  it("has no tab for a run on its own", () => {
    expect(hasThread(run({ thread_id: null, context: [], system_prompt: null }))).toBe(false);
    expect(hasThread(run({ thread_id: null, context: [] }))).toBe(true);
    expect(threadMessages(run({ system_prompt: null, context: [], response: "" })).length).toBe(1);
  });
  it("says where the run stands among the thread's runs", () => {
    expect(threadPosition("01b", [{ id: "01a" }, { id: "01b" }, { id: "01c" }])).toBe("Run 2 of 3 in this thread");
    expect(threadPosition("01z", [{ id: "01a" }])).toBeNull();
  });
});
