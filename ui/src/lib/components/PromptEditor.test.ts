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
    params: {},
    version: 1,
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
    expect(onsave).toHaveBeenCalledWith("a", { name: "Renamed A", template: "x", default_model: "echo", params: {} });
    expect((getByTestId("prompt-name") as HTMLInputElement).value).toBe("B");
  });

  it("saves the run parameters with the prompt, keeping keys it has no field for", async () => {
    const onsave = vi.fn(async () => {});
    const p = { ...prompt("a", "A", "x"), params: { seed: 7, temperature: 0.5 } };
    const { getByTestId } = render(PromptEditor, { props: props(p, onsave) });
    expect((getByTestId("param-temperature") as HTMLInputElement).value).toBe("0.5");
    await fireEvent.input(getByTestId("param-system"), { target: { value: "Be brief." } });
    await fireEvent.input(getByTestId("param-max-tokens"), { target: { value: "200" } });
    await fireEvent.input(getByTestId("param-stop"), { target: { value: "END\n###" } });
    await fireEvent.click(getByTestId("run"));
    await vi.waitFor(() => expect(onsave).toHaveBeenCalled());
    expect(onsave).toHaveBeenLastCalledWith("a", {
      name: "A",
      template: "x",
      default_model: "echo",
      params: { seed: 7, system: "Be brief.", temperature: 0.5, max_tokens: 200, stop: ["END", "###"] },
    });
  });

  it("marks a parameter out of range, and neither saves nor runs it", async () => {
    const onsave = vi.fn(async () => {});
    const onrun = vi.fn();
    const { getByTestId, getByText } = render(PromptEditor, { props: { ...props(prompt("a", "A", "x"), onsave), onrun } });
    await fireEvent.input(getByTestId("param-temperature"), { target: { value: "7" } });
    expect(getByTestId("param-temperature").getAttribute("aria-invalid")).toBe("true");
    getByText("Temperature is a number from 0 to 2.");
    await fireEvent.click(getByTestId("run"));
    expect(onrun).not.toHaveBeenCalled();
  });

  it("marks an empty variable's field instead of running", async () => {
    const onrun = vi.fn();
    const p = prompt("a", "A", "About {{topic}} and {{tone}}");
    const base = props(p, async () => {});
    const { getAllByTestId, getByTestId, queryAllByTestId } = render(PromptEditor, {
      props: { ...base, onrun, draft: { ...base.draft, values: { tone: "dry" } } },
    });
    await fireEvent.click(getByTestId("run"));
    expect(onrun).not.toHaveBeenCalled();
    const [topic, tone] = getAllByTestId("var-input");
    expect(topic.getAttribute("aria-invalid")).toBe("true");
    expect(tone.getAttribute("aria-invalid")).toBe("false");
    expect(getAllByTestId("var-missing").map((el) => el.textContent)).toEqual(["Needs a value before running"]);
    expect(document.activeElement).toBe(topic);
    await fireEvent.input(topic, { target: { value: "tides" } });
    expect(queryAllByTestId("var-missing")).toHaveLength(0);
    await fireEvent.click(getByTestId("run"));
    await vi.waitFor(() => expect(onrun).toHaveBeenCalledWith("About {{topic}} and {{tone}}"));
  });

  it("removes a chip with its × or with Backspace, and suggests the providers' models", async () => {
    const base = props(prompt("a", "A", "x"), async () => {});
    const draft = { values: {}, models: ["echo", "local/a"], extraModels: ["local/a", "local/b"], timeout: 300 };
    const models = [
      { id: "echo", model: "echo", source: "builtin", runs: 0 },
      { id: "openai/gpt-4o-mini", model: "gpt-4o-mini", source: "provider", runs: 0 },
      { id: "openai/gpt-4o", model: "gpt-4o", source: "provider", runs: 0 },
    ];
    const { getAllByTestId, getByTestId, queryAllByTestId } = render(PromptEditor, { props: { ...base, draft, models } });
    const chips = () => getAllByTestId("model-chip").map((el) => el.getAttribute("data-model"));
    expect(chips()).toEqual(["echo", "local/a", "local/b", "openai/gpt-4o-mini", "openai/gpt-4o"]);
    await fireEvent.click(getAllByTestId("remove-model").find((el) => el.getAttribute("data-model") === "local/a")!);
    expect(draft.models).toEqual(["echo"]);
    expect(chips()).not.toContain("local/a");
    const add = getByTestId("add-model");
    await fireEvent.keyDown(add, { key: "Backspace" });
    expect(chips()).not.toContain("local/b");
    await fireEvent.keyDown(getAllByTestId("model-chip").find((el) => el.getAttribute("data-model") === "openai/gpt-4o")!, { key: "Backspace" });
    expect(chips()).not.toContain("openai/gpt-4o");
    await fireEvent.input(add, { target: { value: "4o-m" } });
    expect(getAllByTestId("model-suggestion").map((el) => el.textContent)).toEqual(["openai/gpt-4o-mini"]);
    await fireEvent.keyDown(add, { key: "ArrowDown" });
    await fireEvent.submit(add.closest("form")!);
    expect(draft.models).toEqual(["echo", "openai/gpt-4o-mini"]);
    expect(queryAllByTestId("model-suggestion")).toHaveLength(0);
  });

  it("flags a model no provider offers before running, and runs only when confirmed", async () => {
    const onrun = vi.fn();
    const confirmRun = vi.fn(async () => false);
    const base = props(prompt("a", "A", "x"), async () => {});
    const { getByTestId, getAllByTestId } = render(PromptEditor, {
      props: {
        ...base,
        onrun,
        confirmRun,
        draft: { values: {}, models: ["openai/gpt-4o-mni"], extraModels: ["openai/gpt-4o-mni"], timeout: 300 },
        checkModel: (id: string) => (id === "openai/gpt-4o-mni" ? "openai does not offer “gpt-4o-mni”" : null),
      },
    });
    const chip = getAllByTestId("model-chip").find((el) => el.getAttribute("data-model") === "openai/gpt-4o-mni")!;
    expect(chip.getAttribute("data-flagged")).toBe("true");
    expect(chip.getAttribute("title")).toMatch(/does not offer/);
    expect(getByTestId("model-problem").textContent).toMatch(/does not offer/);
    await fireEvent.click(getByTestId("run"));
    await vi.waitFor(() => expect(confirmRun).toHaveBeenCalledWith(["openai does not offer “gpt-4o-mni”"]));
    expect(onrun).not.toHaveBeenCalled();
    confirmRun.mockResolvedValue(true);
    await fireEvent.click(getByTestId("run"));
    await vi.waitFor(() => expect(onrun).toHaveBeenCalled());
  });
});
