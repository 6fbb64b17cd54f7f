import { describe, expect, it } from "vitest";
import { flushSync } from "svelte";
import type { PromptSummary } from "../api";
import { applyMemory, drafts, memoryOf, type Draft } from "./drafts.svelte";
import { preferences } from "./preferences.svelte";

function prompt(id: string): PromptSummary {
  return {
    id, name: id, template: "Hi", default_model: null, created_at: "", updated_at: "", owner: null,
    shared: false, params: {}, version: 1, run_count: 0, last_run_at: null, last_status: null,
    cost_usd: 0, priced_runs: 0,
  };
}

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

describe("drafts and the default timeout", () => {
  it("moves a draft on the default to a new default, and keeps a timeout the user chose", async () => {
    drafts.clear();
    preferences.settings = { ...preferences.settings, default_timeout_secs: 300 };
    const following = drafts.of(prompt("a"));
    const chosen = drafts.of(prompt("b"));
    // Let the (failing, no database here) memory load settle before changing anything.
    await new Promise((resolve) => setTimeout(resolve, 0));
    chosen.timeout = 45;
    flushSync();
    preferences.settings = { ...preferences.settings, default_timeout_secs: 60 };
    flushSync();
    expect(following.timeout).toBe(60);
    expect(chosen.timeout).toBe(45);
    // So the one that follows is not saved as chosen.
    expect(memoryOf(following, preferences.defaultTimeout).timeout_secs).toBeNull();
    drafts.clear();
  });
});
