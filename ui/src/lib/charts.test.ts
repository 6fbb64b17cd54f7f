import { describe, expect, it } from "vitest";
import type { DayStats, ModelStats } from "./api";
import {
  addDays,
  costBars,
  costPer1kRuns,
  dayRange,
  monthToDate,
  niceCeiling,
  niceMoneyCeiling,
  percent,
  stackedBars,
} from "./charts";

function day(date: string, success: number, error = 0, timeout = 0, cancelled = 0, cost = 0): DayStats {
  return {
    day: date,
    runs: { success, error, timeout, cancelled, interrupted: 0, running: 0 },
    tokens: 0,
    cost_usd: cost,
    priced_runs: cost > 0 ? success : 0,
  };
}

describe("charts", () => {
  it("does calendar arithmetic across months, years and leap days", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
  });

  it("fills the days without runs with zeros, ending on the last day with runs", () => {
    const range = dayRange([day("2026-11-20", 3), day("2026-11-23", 1, 1)], 5);
    expect(range.map((d) => d.day)).toEqual(["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]);
    expect(range.map((d) => d.runs.success + d.runs.error)).toEqual([0, 3, 0, 0, 2]);
    expect(dayRange([], 5)).toEqual([]);
    expect(dayRange([day("2026-11-20", 3)], 2, "2026-11-22").map((d) => d.day)).toEqual(["2026-11-21", "2026-11-22"]);
  });

  it("rounds an axis up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 1, 3, 7, 10, 11, 180, 201, 4999].map(niceCeiling)).toEqual([1, 1, 5, 10, 10, 20, 200, 500, 5000]);
  });

  it("stacks each day's statuses from the bottom, to scale", () => {
    const [first, second] = stackedBars([day("2026-11-22", 6, 2), day("2026-11-23", 0, 0, 1, 1)], 200, 100, 10);
    expect(first.x).toBe(0);
    expect(second.x).toBe(100);
    expect(first.total).toBe(8);
    expect(first.segments).toEqual([
      { status: "success", y: 40, height: 60 },
      { status: "error", y: 20, height: 20 },
    ]);
    expect(second.segments.map((s) => [s.status, s.y])).toEqual([
      ["timeout", 90],
      ["cancelled", 80],
    ]);
  });

  it("gives shares with one decimal", () => {
    expect(percent(1, 3)).toBe("33.3%");
    expect(percent(0, 0)).toBe("0%");
  });
});

describe("cost charts", () => {
  const days = [day("2026-10-30", 2, 0, 0, 0, 0.5), day("2026-11-01", 3, 0, 0, 0, 0.00042), day("2026-11-02", 1, 0, 0, 0, 1.25)];

  it("draws each day's cost against a round money axis", () => {
    const top = niceMoneyCeiling(Math.max(...days.map((d) => d.cost_usd)));
    expect(top).toBe(2);
    const bars = costBars(days, 300, 100, top);
    expect(bars.map((b) => b.height)).toEqual([25, 0.021, 62.5]);
    expect(bars[2].y).toBe(37.5);
    expect(bars.map((b) => b.x)).toEqual([0, 100, 200]);
    expect(niceMoneyCeiling(0.00042)).toBeCloseTo(0.0005, 12);
    expect(niceMoneyCeiling(0)).toBe(0.01);
  });

  it("sums the month so far and prices 1,000 runs at a model's average", () => {
    expect(monthToDate(days, "2026-11-02")).toBeCloseTo(1.25042, 12);
    expect(monthToDate(days, "2026-10-31")).toBe(0.5);
    const model = { priced_runs: 4, cost_usd: 0.002 } as ModelStats;
    expect(costPer1kRuns(model)).toBeCloseTo(0.5, 12);
    expect(costPer1kRuns({ ...model, priced_runs: 0, cost_usd: 0 })).toBeNull();
  });
});
