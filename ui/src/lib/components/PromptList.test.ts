import { fireEvent, render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { PromptSummary } from "../api";
import { formatUsd } from "../format";
import PromptList from "./PromptList.svelte";

function prompts(n: number): PromptSummary[] {
  const at = new Date(Date.UTC(2026, 10, 24, 12)).toISOString();
  return Array.from({ length: n }, (_, i) => ({
    run_count: i,
    cost_usd: i * 0.001,
    priced_runs: i,
    last_run_at: i % 2 ? at : null,
    last_status: i % 2 ? "success" : null,
    id: `p${i}`,
    name: `Prompt ${i}`,
    template: "Explain {{topic}}",
    default_model: null,
    created_at: at,
    updated_at: at,
    owner: null,
    shared: false,
    params: {},
    version: 1,
  }));
}

const noop = () => {};

function list(items: PromptSummary[]) {
  return render(PromptList, {
    props: {
      items,
      selectedId: "p0",
      view: "prompts" as const,
      search: "",
      loading: false,
      error: null,
      now: new Date(Date.UTC(2026, 10, 24, 13)),
      onselect: noop,
      oncreate: noop,
      onsearch: noop,
      onsettings: noop,
      onanalytics: noop,
    },
  });
}

describe("PromptList", () => {
  it("renders the first rows of a long list and more as it is scrolled to the end", async () => {
    const { container, unmount } = list(prompts(500));
    const rows = () => container.querySelectorAll("[data-testid=prompt-row]");
    expect(rows()).toHaveLength(60);
    expect(rows()[0].textContent).toContain("Prompt 0");
    // Cost so far: none shown for a prompt with no priced run, honest digits for a small one.
    expect(rows()[0].querySelector("[data-testid=prompt-cost]")).toBeNull();
    expect(rows()[3].querySelector("[data-testid=prompt-cost]")?.textContent).toBe(formatUsd(0.003));
    const options = container.querySelectorAll("[role=option]");
    expect(options[59].getAttribute("aria-posinset")).toBe("60");
    expect(options[59].getAttribute("aria-setsize")).toBe("500");
    // jsdom has no layout: every scroll event is "at the end".
    const listbox = container.querySelector("[role=listbox]")!;
    await fireEvent.scroll(listbox);
    expect(rows()).toHaveLength(120);
    for (let i = 0; i < 10; i += 1) await fireEvent.scroll(listbox);
    expect(rows()).toHaveLength(500);
    expect(rows()[499].textContent).toContain("Prompt 499");
    unmount();
  });

  it("starts from the top batch again when the search changes", async () => {
    const { container, unmount } = list(prompts(200));
    await fireEvent.scroll(container.querySelector("[role=listbox]")!);
    expect(container.querySelectorAll("[data-testid=prompt-row]")).toHaveLength(120);
    await fireEvent.input(container.querySelector("input[type=search]")!, { target: { value: "Prompt 1" } });
    expect(container.querySelectorAll("[data-testid=prompt-row]")).toHaveLength(60);
    unmount();
  });

  it("shows every row of a short list", () => {
    const { container } = list(prompts(3));
    expect(container.querySelectorAll("[data-testid=prompt-row]")).toHaveLength(3);
  });
});
