import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { RunSummary } from "../api";
import type { LiveRun } from "../stores/runs.svelte";
import LiveOutput from "./LiveOutput.svelte";
import RunRow from "./RunRow.svelte";

function summary(over: Partial<RunSummary>): RunSummary {
  return {
    id: "r1", prompt_id: null, created_at: new Date().toISOString(), model: "echo", provider: "echo",
    status: "success", tokens_used: 2, input_tokens: 1, output_tokens: 1, execution_time_ms: 0, ttft_ms: 0,
    error_message: null, preview: "hi", response_chars: 2, rating: null, tags: [], note: null, source: "promptline",
    thread_id: null, cost_usd: null, cost_source: null, priced_as: null, cached_tokens: null, cache_write_tokens: null,
    reasoning_tokens: null, owner: null, ...over,
  };
}

function live(s: RunSummary): LiveRun {
  // The app saw 58 ms between pressing Run and hearing the run was recorded.
  return { id: s.id, model: s.model, text: "hi", status: s.status, startedAt: 1_000, firstTokenAt: 1_020, finishedAt: 1_058,
    chunks: 1, outputTokens: 1, error: s.error_message, summary: s };
}

describe("LiveOutput", () => {
  it("shows the recorded duration, the one the history row shows", () => {
    const s = summary({ execution_time_ms: 0 });
    const card = render(LiveOutput, { props: { runs: [live(s)], now: 2_000 } });
    const row = render(RunRow, { props: { run: s, rowIndex: 1, selected: false, expanded: false, marked: false, query: null, showModelPrefix: false, ontoggle: () => {}, onmark: () => {} } });
    const elapsed = card.container.querySelector('[title="Elapsed"]')?.textContent;
    expect(elapsed).toBe(row.container.querySelector(".dur")?.textContent);
    expect(elapsed).toBe("<1 ms");
  });

  it("shows a cancel as a note, not a red error", () => {
    const s = summary({ status: "cancelled", error_message: "cancelled by the user", execution_time_ms: 900 });
    const { container } = render(LiveOutput, { props: { runs: [live(s)], now: 2_000 } });
    const note = container.querySelector<HTMLElement>("[data-testid=live-error]")!;
    expect(note.dataset.tone).toBe("note");
    expect(note.classList.contains("error")).toBe(false);
    expect(note.textContent).toBe("Cancelled: the answer so far is kept.");
  });
});
