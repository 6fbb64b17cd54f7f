import { describe, expect, it } from "vitest";
import { closest, modelProblem } from "./modelCheck";
import { catalogueOf } from "./stores/models.svelte";

const catalogue = catalogueOf(
  ["echo", "openai", "ollama", "lmstudio"],
  [
    { id: "openai/gpt-4o-mini", model: "gpt-4o-mini", source: "provider", runs: 0 },
    { id: "openai/gpt-4o", model: "gpt-4o", source: "provider", runs: 0 },
    { id: "ollama/llama3.2:latest", model: "llama3.2:latest", source: "provider", runs: 0 },
  ],
);

describe("model chips", () => {
  it("pass what a provider offers, echo, and what a provider that cannot list might", () => {
    expect(modelProblem("echo", catalogue)).toBeNull();
    expect(modelProblem("openai/gpt-4o-mini", catalogue)).toBeNull();
    expect(modelProblem("ollama/llama3.2", catalogue)).toBeNull();
    expect(modelProblem("lmstudio/anything", catalogue)).toBeNull();
  });

  it("flag a mistyped model with the one meant", () => {
    expect(modelProblem("openai/gpt-4o-mni", catalogue)).toBe("openai does not offer “gpt-4o-mni”: did you mean openai/gpt-4o-mini?");
    expect(modelProblem("openai/whisper-large", catalogue)).toBe("openai does not offer “whisper-large”.");
  });

  it("flag an unknown provider and a bare name", () => {
    expect(modelProblem("opnai/gpt-4o", catalogue)).toMatch(/No provider is named “opnai”.*openai/);
    expect(modelProblem("gpt-4o", catalogue)).toMatch(/PROVIDER\/MODEL/);
  });

  it("suggest only near names", () => {
    expect(closest("gpt-4o-mni", ["gpt-4o-mini", "o1"])).toBe("gpt-4o-mini");
    expect(closest("claude", ["gpt-4o-mini"])).toBeNull();
  });
});
