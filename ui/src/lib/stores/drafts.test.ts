import { describe, expect, it } from "vitest";
import { applyMemory, memoryOf, type Draft } from "./drafts.svelte";

describe("per-prompt memory", () => {
  it("keeps values, picked models, chips and a timeout that differs from the default", () => {
    const draft: Draft = { values: { topic: "tides" }, models: ["echo", "openai/gpt-4o"], extraModels: ["openai/gpt-4o"], timeout: 45 };
    expect(memoryOf(draft, 300)).toEqual({
      variables: { topic: "tides" },
      models: ["echo", "openai/gpt-4o"],
      extra_models: ["openai/gpt-4o"],
      timeout_secs: 45,
    });
    expect(memoryOf({ ...draft, timeout: 300 }, 300).timeout_secs).toBeNull();
  });

  it("puts what was kept back over a fresh draft", () => {
    const draft: Draft = { values: {}, models: ["echo"], extraModels: [], timeout: 300 };
    applyMemory(draft, { variables: { topic: "tides" }, models: ["local/x"], extra_models: ["local/x"], timeout_secs: 20 }, 300);
    expect(draft).toEqual({ values: { topic: "tides" }, models: ["local/x"], extraModels: ["local/x"], timeout: 20 });
    // Nothing kept: the defaults stay (the settings' timeout among them).
    const fresh: Draft = { values: {}, models: ["echo"], extraModels: [], timeout: 300 };
    applyMemory(fresh, { variables: {}, models: [], extra_models: [], timeout_secs: null }, 120);
    expect(fresh).toEqual({ values: {}, models: ["echo"], extraModels: [], timeout: 120 });
  });
});
