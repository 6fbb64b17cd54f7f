import { cleanup, fireEvent, render } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PromptInput, PromptSummary } from "../api";
import PromptEditor from "./PromptEditor.svelte";

function prompt(id: string, name: string, template: string): PromptSummary {
  return {
    id,
    name,
    template,
    default_model: "echo",
    created_at: "2026-11-24T10:00:00Z",
    updated_at: "2026-11-24T10:00:00Z",
    owner: null,
    shared: false,
    run_count: 0,
    last_run_at: null,
    last_status: null,
    cost_usd: 0,
    priced_runs: 0,
  };
}

function props(p: PromptSummary, onsave: (id: string, input: PromptInput) => Promise<void>) {
  return {
    prompt: p,
    models: [{ id: "echo", model: "echo", source: "builtin", runs: 0 }],
    batch: [],
    now: Date.now(),
    running: false,
    draft: { values: {}, models: ["echo"], extraModels: [], timeout: 300 },
    onsave,
    ondelete: () => {},
    onrun: () => {},
    oncancel: () => {},
  };
}

afterEach(() => cleanup());

describe("PromptEditor", () => {
  it("shows a field per variable", () => {
    const { getAllByTestId } = render(PromptEditor, {
      props: props(prompt("a", "A", "{{city}} in {{ country }} and {{city}}"), async () => {}),
    });
    expect(getAllByTestId("var-input").map((el) => el.getAttribute("data-var"))).toEqual(["city", "country"]);
  });

  it("saves pending edits to their own prompt when another one opens", async () => {
    const onsave = vi.fn(async () => {});
    const { getByTestId, rerender } = render(PromptEditor, { props: props(prompt("a", "A", "x"), onsave) });
    const name = getByTestId("prompt-name") as HTMLInputElement;
    name.value = "Renamed A";
    await fireEvent.input(name);
    await rerender(props(prompt("b", "B", "y"), onsave));
    expect(onsave).toHaveBeenCalledTimes(1);
    expect(onsave).toHaveBeenCalledWith("a", { name: "Renamed A", template: "x", default_model: "echo" });
    expect((getByTestId("prompt-name") as HTMLInputElement).value).toBe("B");
  });
});
