import { cleanup, render } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import type { RunFilter, RunStats } from "../api";
import { history } from "../stores/history.svelte";
import AnalyticsView from "./AnalyticsView.svelte";

const stats: RunStats = {
  runs: { success: 7, error: 2, timeout: 1, cancelled: 0, interrupted: 0, running: 0 },
  tokens: 1234,
  cost_usd: 0.0123,
  priced_runs: 8,
  month_cost_usd: 0.0023,
  days: [
    { day: "2026-11-20", runs: { success: 3, error: 1, timeout: 0, cancelled: 0, interrupted: 0, running: 0 }, tokens: 500, cost_usd: 0.01, priced_runs: 4 },
    { day: "2026-11-24", runs: { success: 4, error: 1, timeout: 1, cancelled: 0, interrupted: 0, running: 0 }, tokens: 734, cost_usd: 0.0023, priced_runs: 4 },
  ],
  models: [
    { provider: "openai", model: "gpt-4o", runs: { success: 6, error: 2, timeout: 0, cancelled: 0, interrupted: 0, running: 0 }, tokens: 1000, p50_ms: 1200, p95_ms: 4000, cost_usd: 0.0123, priced_runs: 6, rated_up: 0, rated_down: 0 },
    { provider: "ollama", model: "llama3.2", runs: { success: 1, error: 0, timeout: 1, cancelled: 0, interrupted: 0, running: 0 }, tokens: 234, p50_ms: null, p95_ms: null, cost_usd: 0, priced_runs: 0, rated_up: 0, rated_down: 0 },
  ],
};

afterEach(() => {
  cleanup();
  clearMocks();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("AnalyticsView", () => {
  it("shows totals, runs per day and models for the history's filter; a day narrows the history", async () => {
    const asked: { filter: RunFilter; offset: number }[] = [];
    const pages: RunFilter[] = [];
    mockIPC((cmd, args) => {
      const a = args as { filter: RunFilter; utcOffsetMinutes: number };
      if (cmd === "run_stats") {
        asked.push({ filter: a.filter, offset: a.utcOffsetMinutes });
        return stats;
      }
      if (cmd === "runs_page") {
        pages.push(a.filter);
        return { items: [], next_cursor: null };
      }
      if (cmd === "count_runs") return 0;
      throw { code: "not_found", message: cmd };
    });
    history.filter = { statuses: ["error"], model: "", from: "", to: "", query: "", whose: "", rating: "", tag: "", source: "" };
    const { container, getByTestId } = render(AnalyticsView, { props: { store: history, title: "All runs" } });
    await settle();
    expect(asked[0].filter.statuses).toEqual(["error"]);
    expect(asked[0].offset).toBe(-new Date().getTimezoneOffset());

    const totals = getByTestId("analytics-totals").textContent ?? "";
    expect(totals).toContain("Runs10");
    expect(totals).toContain("Succeeded70.0%");
    expect(totals).toContain("Tokens1,234");
    // Two of the ten runs have no price: the total says so rather than count them as free.
    expect(getByTestId("analytics-cost").textContent).toBe("$0.012");
    expect(totals).toContain("Cost *");
    expect(getByTestId("analytics-month").textContent).toBe("$0.0023");
    expect(container.textContent).toContain("2 of the runs have no known price");

    // Cost per day, in the same 60 day slots, each bar as high as its share of the axis.
    const spend = container.querySelectorAll("[data-testid=cost-per-day] g.day");
    expect(spend).toHaveLength(60);
    expect(spend[59].querySelector("title")?.textContent).toBe("2026-11-24: $0.0023");
    expect(spend[55].querySelector("title")?.textContent).toBe("2026-11-20: $0.01");

    // 60 days to the last with runs, the empty ones included; a bar's segments stack its statuses.
    const days = container.querySelectorAll("[data-testid=runs-per-day] g.day");
    expect(days).toHaveLength(60);
    const last = days[59];
    expect(last.querySelector("title")?.textContent).toBe("2026-11-24: 6 runs");
    const statuses = [...last.querySelectorAll("rect.seg")].map((r) => r.classList[1]);
    expect(statuses).toEqual(["success", "error", "timeout"]);
    expect(days[58].querySelectorAll("rect.seg")).toHaveLength(0);

    const rows = [...getByTestId("analytics-models").querySelectorAll("tbody tr")].map((r) => r.textContent ?? "");
    expect(rows[0]).toContain("openai/gpt-4o");
    expect(rows[0]).toContain("25.0%");
    expect(rows[0]).toContain("1.20 s · 4.00 s");
    expect(rows[1]).toContain("—");
    // gpt-4o: $0.0123 over 6 priced runs is $2.05 per 1,000; the unpriced model has no cost.
    expect(rows[0]).toContain("$0.012");
    expect(rows[0]).toContain("$2.05");
    expect(rows[1].match(/—/g)?.length).toBe(3);

    // Clicking a day shows its runs in the history.
    last.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    await settle();
    expect(history.filter.from).toBe("2026-11-24");
    expect(history.filter.to).toBe("2026-11-24");
    expect(pages.length).toBeGreaterThan(0);
  });
});

describe("AnalyticsView, a chosen day and sorting", () => {
  it("keeps the chart's days when a day is picked (the others dimmed) and sorts models by any column", async () => {
    const oneDay: RunStats = { ...stats, days: [stats.days[1]] };
    mockIPC((cmd, args) => {
      const a = args as { filter: RunFilter };
      if (cmd === "run_stats") return a.filter.since !== null ? oneDay : stats;
      if (cmd === "runs_page") return { items: [], next_cursor: null };
      if (cmd === "count_runs") return a.filter.since !== null ? 6 : 10;
      throw { code: "not_found", message: cmd };
    });
    history.filter = { statuses: [], model: "", from: "2026-11-24", to: "2026-11-24", query: "", whose: "", rating: "", tag: "", source: "" };
    await history.reload();
    const { container, getByTestId } = render(AnalyticsView, { props: { store: history, title: "All runs" } });
    await settle();
    await settle();
    const days = container.querySelectorAll("[data-testid=runs-per-day] g.day");
    expect(days).toHaveLength(60);
    // The other days are still drawn, dimmed; the chosen one is not.
    expect(container.querySelector('[data-day="2026-11-20"]')?.classList.contains("dim")).toBe(true);
    expect(container.querySelector('[data-day="2026-11-20"] rect.seg')).not.toBeNull();
    expect(container.querySelector('[data-day="2026-11-24"]')?.classList.contains("dim")).toBe(false);

    const names = () => [...getByTestId("analytics-models").querySelectorAll("tbody td.name")].map((td) => td.textContent);
    expect(names()).toEqual(["openai/gpt-4o", "ollama/llama3.2"]);
    getByTestId("sort-name").click();
    await settle();
    expect(names()).toEqual(["ollama/llama3.2", "openai/gpt-4o"]);
    getByTestId("sort-failed").click();
    await settle();
    // llama3.2 failed 1 of 2 (50%), gpt-4o 2 of 8 (25%): biggest first.
    expect(names()).toEqual(["ollama/llama3.2", "openai/gpt-4o"]);
    getByTestId("sort-failed").click();
    await settle();
    expect(names()).toEqual(["openai/gpt-4o", "ollama/llama3.2"]);
    expect(getByTestId("analytics-models").querySelector("th[aria-sort=ascending]")?.textContent?.trim()).toBe("Failed ↑");
  });
});
