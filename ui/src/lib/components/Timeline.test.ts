import { render } from "@testing-library/svelte";
import { tick } from "svelte";
import { describe, expect, it } from "vitest";
import type { RunSummary } from "../api";
import { ROW_HEIGHT } from "../timeline";
import Timeline from "./Timeline.svelte";

function runs(n: number): RunSummary[] {
  const start = Date.UTC(2026, 10, 24, 12);
  return Array.from({ length: n }, (_, i) => ({
    id: `run-${i}`,
    prompt_id: null,
    created_at: new Date(start - i * 60_000).toISOString(),
    model: "gpt-4o-mini",
    provider: "openai",
    status: i % 10 === 0 ? "error" : "success",
    tokens_used: 100 + i,
    input_tokens: 50,
    output_tokens: 50 + i,
    execution_time_ms: 1200,
    ttft_ms: 300,
    error_message: i % 10 === 0 ? "openai answered 429" : null,
    preview: `answer number ${i} about rust`,
    response_chars: 20, rating: null, tags: [], note: null,
    source: "promptline",
    thread_id: null,
    cost_usd: null,
    cost_source: null,
    priced_as: null,
    cached_tokens: null,
    cache_write_tokens: null,
    reasoning_tokens: null,
    owner: null,
  }));
}

const noop = () => {};

// jsdom has no layout, hence no ResizeObserver (behind `bind:clientHeight`): one that never fires.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

function props(query: string | null, n = 10_000) {
  return {
    items: runs(n),
    selected: 0,
    expandedId: null,
    marked: new Set<string>(),
    details: {},
    detailErrors: {},
    query,
    showModelPrefix: true,
    hasMore: false,
    loadingMore: false,
    onloadmore: noop,
    ontoggle: noop,
    onmark: noop,
    oncopyresponse: noop,
    oncopyprompt: noop,
    onrerun: noop,
    ondelete: noop,
  };
}

/** The run rows shown, in the order shown (elements are reused, so not in DOM order). */
function shownRows(container: HTMLElement): HTMLElement[] {
  const rows = [...container.querySelectorAll<HTMLElement>("[data-testid=run-row]")];
  return rows.sort((a, b) => Number(a.getAttribute("aria-rowindex")) - Number(b.getAttribute("aria-rowindex")));
}

describe("Timeline", () => {
  it("renders only the rows in view of 10,000 loaded runs, with highlighted matches", () => {
    const { container } = render(Timeline, { props: props("rust") });
    const rows = shownRows(container);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(40);
    expect(rows[0].getAttribute("aria-rowindex")).toBe("1");
    expect(rows[0].getAttribute("aria-selected")).toBe("true");
    expect(rows[0].textContent).toContain("openai/gpt-4o-mini");
    expect(rows[0].querySelector("[data-status=error]")?.textContent).toContain("Error");
    expect(rows[1].querySelector("mark")?.textContent).toBe("rust");
    expect(container.querySelector(".day")?.textContent).toBeTruthy();
  });

  it("reuses its row elements as it scrolls", async () => {
    // jsdom lays nothing out: give the timeline a 600 px view.
    const height = Object.getOwnPropertyDescriptor(Element.prototype, "clientHeight")!;
    Object.defineProperty(Element.prototype, "clientHeight", {
      configurable: true,
      get(this: Element) {
        return this.getAttribute("data-testid") === "timeline" ? 600 : 0;
      },
    });
    try {
      const { container } = render(Timeline, { props: props(null) });
      const scroller = container.querySelector<HTMLElement>("[data-testid=timeline]")!;
      const scrollTo = async (top: number) => {
        scroller.scrollTop = top;
        scroller.dispatchEvent(new Event("scroll"));
        await tick();
      };
      await scrollTo(5_000);
      const before = shownRows(container);
      expect(before.length).toBeGreaterThan(20);
      const firstBefore = Number(before[0].getAttribute("aria-rowindex"));
      await scrollTo(8_000);
      const after = shownRows(container);
      // As many rows in view, give or take one cut by an edge; no element made but for that one.
      expect(Math.abs(after.length - before.length)).toBeLessThanOrEqual(1);
      const made = after.filter((row) => !before.includes(row));
      expect(made.length).toBeLessThanOrEqual(Math.max(0, after.length - before.length));

      // The same elements now show the runs 3,000 px further down, in one unbroken run of indexes.
      const indexes = after.map((row) => Number(row.getAttribute("aria-rowindex")));
      expect(indexes[0] - firstBefore).toBe(Math.floor(3_000 / ROW_HEIGHT));
      expect(indexes).toEqual(indexes.map((_, i) => indexes[0] + i));
      expect(after[0].dataset.runId).toBe(`run-${indexes[0] - 1}`);

      // Scrolling on a little at a time, across day boundaries: no row element is made or dropped
      // (slots out of use are hidden), however many rows go by.
      const elements = new Set(container.querySelectorAll(".row"));
      for (let top = 8_000; top < 60_000; top += 45) await scrollTo(top);
      const now = new Set(container.querySelectorAll(".row"));
      expect(now.size).toBeLessThanOrEqual(elements.size + 1);
      expect([...elements].filter((row) => !now.has(row))).toEqual([]);
    } finally {
      Object.defineProperty(Element.prototype, "clientHeight", height);
    }
  });

  it("offers the older runs at the end of a full window instead of loading more", async () => {
    const asked: string[] = [];
    const base = { ...props(null, 5), hasMore: true, onloadmore: () => asked.push("more"), onolder: () => asked.push("older") };
    const first = render(Timeline, { props: { ...base, full: false } });
    await tick();
    expect(asked).toContain("more");
    expect(first.container.querySelector("[data-testid=older-runs-end]")).toBeNull();
    first.unmount();

    asked.length = 0;
    const { container } = render(Timeline, { props: { ...base, full: true, firstIndex: 4_000 } });
    await tick();
    expect(asked).toEqual([]);
    container.querySelector<HTMLButtonElement>("[data-testid=older-runs-end]")!.click();
    expect(asked).toEqual(["older"]);
    // Rows say where they are in the whole view, not only in this window.
    expect(shownRows(container)[0].getAttribute("aria-rowindex")).toBe("4001");
  });

  it("starts another window of runs at its top", async () => {
    const { container, rerender } = render(Timeline, { props: props(null) });
    const scroller = container.querySelector<HTMLElement>("[data-testid=timeline]")!;
    scroller.scrollTop = 5_000;
    scroller.dispatchEvent(new Event("scroll"));
    await tick();
    expect(scroller.scrollTop).toBe(5_000);
    await rerender({ ...props(null), firstIndex: 4_000 });
    await tick();
    expect(scroller.scrollTop).toBe(0);
  });
});
