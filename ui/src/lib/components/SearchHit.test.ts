import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { Run, RunSummary, SearchHit } from "../api";
import RunDetail from "./RunDetail.svelte";
import RunRow from "./RunRow.svelte";

const summary: RunSummary = {
  id: "r1", prompt_id: null, created_at: new Date().toISOString(), model: "echo", provider: "echo",
  status: "success", tokens_used: 2, input_tokens: 1, output_tokens: 1, execution_time_ms: 5, ttft_ms: 1,
  error_message: null, preview: "an answer about nothing", response_chars: 23, rating: null, tags: [], note: null,
  source: "promptline", thread_id: null, cost_usd: null, cost_source: null, priced_as: null, cached_tokens: null,
  cache_write_tokens: null, reasoning_tokens: null, owner: null,
};
const hit: SearchHit = { run_id: "r1", field: "prompt", snippet: "…tell me about the \u0002quokka\u0003 please" };
const noop = () => {};

describe("a search hit outside the preview", () => {
  it("shows in the row as a snippet with the word marked", () => {
    const { container } = render(RunRow, {
      props: { run: summary, rowIndex: 1, selected: false, expanded: false, marked: false, query: "quokka", showModelPrefix: false, hit, ontoggle: noop, onmark: noop },
    });
    const shown = container.querySelector<HTMLElement>("[data-testid=row-hit]")!;
    expect(shown.dataset.field).toBe("prompt");
    expect(shown.textContent).toBe("Prompt: …tell me about the quokka please");
    expect(shown.querySelector("mark")?.textContent).toBe("quokka");
    expect(container.textContent).not.toContain("an answer about nothing");
  });

  it("opens the detail on the tab that holds it, with the word marked", () => {
    const run: Run = {
      ...summary, stop_reason: "stop", params: {}, variables: {}, prompt_text: "tell me about the quokka please",
      response: "an answer about nothing", resolved_model: null, system_prompt: null, context: [], prompt_version: null,
    } as Run;
    const { getByTestId } = render(RunDetail, {
      props: { summary, run, error: null, query: "quokka", hit, oncopyresponse: noop, oncopyprompt: noop, onrerun: noop, ondelete: noop },
    });
    expect(getByTestId("tab-prompt").getAttribute("aria-selected")).toBe("true");
    expect(getByTestId("prompt-text").querySelector("mark")?.textContent).toBe("quokka");
  });
});

describe("All runs", () => {
  it("says which prompt a run belongs to and opens it from the detail", async () => {
    const row = render(RunRow, {
      props: { run: { ...summary, prompt_id: "p1" }, rowIndex: 1, selected: false, expanded: false, marked: false, query: null, showModelPrefix: false, promptName: "Summarise", ontoggle: noop, onmark: noop },
    });
    expect(row.container.querySelector("[data-testid=row-prompt]")?.textContent).toBe("Summarise");
    let opened = 0;
    const run = { ...summary, stop_reason: null, params: {}, variables: {}, prompt_text: "p", response: "r", resolved_model: null, system_prompt: null, context: [], prompt_version: null } as Run;
    const detail = render(RunDetail, {
      props: { summary, run, error: null, query: null, promptName: "Summarise", onopenprompt: () => (opened += 1), oncopyresponse: noop, oncopyprompt: noop, onrerun: noop, ondelete: noop },
    });
    const button = detail.getByTestId("open-prompt");
    expect(button.textContent).toBe("Open “Summarise”");
    button.click();
    expect(opened).toBe(1);
  });
});
