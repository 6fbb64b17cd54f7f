import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { RunSummary } from "../api";
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
    response_chars: 20,
  }));
}

const noop = () => {};

// jsdom has no layout, hence no ResizeObserver (behind `bind:clientHeight`): one that never fires.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

describe("Timeline", () => {
  it("renders only the rows in view of 10,000 loaded runs, with highlighted matches", () => {
    const { container } = render(Timeline, {
      props: {
        items: runs(10_000),
        selected: 0,
        expandedId: null,
        marked: new Set<string>(),
        details: {},
        detailErrors: {},
        query: "rust",
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
      },
    });
    const rows = container.querySelectorAll("[data-testid=run-row]");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(40);
    expect(rows[0].getAttribute("aria-selected")).toBe("true");
    expect(rows[0].textContent).toContain("openai/gpt-4o-mini");
    expect(rows[0].querySelector("[data-status=error]")?.textContent).toContain("Error");
    expect(rows[1].querySelector("mark")?.textContent).toBe("rust");
    expect(container.querySelector(".day")?.textContent).toBeTruthy();
  });
});
