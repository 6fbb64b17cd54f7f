import { describe, expect, it } from "vitest";
import type { RunSummary } from "./api";
import { DETAIL_HEIGHT, HEADER_HEIGHT, layout, ROW_HEIGHT, rowOfRun, visibleRows } from "./timeline";

function run(i: number, at: Date): RunSummary {
  return {
    id: `r${i}`,
    prompt_id: null,
    created_at: at.toISOString(),
    model: "echo",
    provider: "echo",
    status: "success",
    tokens_used: 4,
    input_tokens: 2,
    output_tokens: 2,
    execution_time_ms: 3,
    ttft_ms: 1,
    error_message: null,
    preview: "hi",
    response_chars: 2,
  };
}

describe("timeline layout", () => {
  const now = new Date(2026, 10, 24, 12);
  const runs = [
    run(0, new Date(2026, 10, 24, 11)),
    run(1, new Date(2026, 10, 24, 10)),
    run(2, new Date(2026, 10, 23, 10)),
  ];

  it("puts a header before each day and stacks rows", () => {
    const { rows, height } = layout(runs, null, now);
    expect(rows.map((r) => (r.kind === "day" ? r.label : r.key))).toEqual(["Today", "r0", "r1", "Yesterday", "r2"]);
    expect(height).toBe(2 * HEADER_HEIGHT + 3 * ROW_HEIGHT);
  });

  it("gives the expanded run room for its detail", () => {
    const { rows, height } = layout(runs, "r1", now);
    expect(height).toBe(2 * HEADER_HEIGHT + 3 * ROW_HEIGHT + DETAIL_HEIGHT);
    expect(rows[4].top).toBe(HEADER_HEIGHT * 2 + ROW_HEIGHT * 2 + DETAIL_HEIGHT);
    expect(rowOfRun(rows, 2)?.key).toBe("r2");
  });

  it("renders only the rows in view, however many are loaded", () => {
    const many = Array.from({ length: 100_000 }, (_, i) => run(i, new Date(now.getTime() - i * 1000)));
    const { rows } = layout(many, null, now);
    const shown = visibleRows(rows, 500_000, 600, 5);
    expect(shown.length).toBeLessThan(40);
    expect(shown[0].top).toBeLessThanOrEqual(500_000);
    expect(shown[shown.length - 1].top + ROW_HEIGHT).toBeGreaterThanOrEqual(500_600);
  });
});
