// Chart arithmetic for the analytics view: calendar days, scales and stacked bars. Pure: the
// component only draws what these return.

import type { DayStats, ModelStats, StatusCounts } from "./api";

/** Statuses in stacking order, bottom first. */
export const STATUSES = ["success", "error", "timeout", "cancelled", "interrupted", "running"] as const;

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` `n` days after `day` (calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/** All the runs a count holds. */
export function total(runs: StatusCounts): number {
  return STATUSES.reduce((sum, status) => sum + runs[status], 0);
}

/**
 * The `count` calendar days ending with `last` (default: the last day with runs), days without
 * runs filled with zeros, oldest first.
 */
export function dayRange(days: readonly DayStats[], count: number, last?: string): DayStats[] {
  const end = last ?? days.at(-1)?.day;
  if (!end) return [];
  const byDay = new Map(days.map((d) => [d.day, d]));
  return Array.from({ length: count }, (_, i) => {
    const day = addDays(end, i - count + 1);
    const none = { success: 0, error: 0, timeout: 0, cancelled: 0, interrupted: 0, running: 0 };
    return byDay.get(day) ?? { day, runs: none, tokens: 0, cost_usd: 0, priced_runs: 0 };
  });
}

/** The smallest 1, 2 or 5 × 10^k at or above `n` (at least 1): a round top for an axis. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

/** One status's part of a day's bar, in chart units (y grows downwards, as in SVG). */
export interface Segment {
  status: (typeof STATUSES)[number];
  y: number;
  height: number;
}

/** A day's bar: its x, its segments bottom first, and what it counts. */
export interface Bar {
  day: string;
  x: number;
  total: number;
  segments: Segment[];
}

/**
 * Stacked bars for `days` in a `width` × `height` box with `top` runs at the top edge. Each bar is
 * `width / days.length` wide, less a gap; empty statuses have no segment.
 */
export function stackedBars(days: readonly DayStats[], width: number, height: number, top: number): Bar[] {
  const slot = width / Math.max(1, days.length);
  return days.map((d, i) => {
    let y = height;
    const segments: Segment[] = [];
    for (const status of STATUSES) {
      const n = d.runs[status];
      if (n <= 0) continue;
      const h = (n / top) * height;
      y -= h;
      segments.push({ status, y, height: h });
    }
    return { day: d.day, x: i * slot, total: total(d.runs), segments };
  });
}

/** Share of `part` in `whole`, as a percentage with one decimal (0 when there is nothing). */
export function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "0%";
}

/** A day's cost bar, in chart units. */
export interface CostBar {
  day: string;
  x: number;
  y: number;
  height: number;
  cost: number;
}

/** One bar per day for its cost, `top` dollars at the top edge, in the same slots as the runs. */
export function costBars(days: readonly DayStats[], width: number, height: number, top: number): CostBar[] {
  const slot = width / Math.max(1, days.length);
  return days.map((d, i) => {
    const h = top > 0 ? (d.cost_usd / top) * height : 0;
    return { day: d.day, x: i * slot, y: height - h, height: h, cost: d.cost_usd };
  });
}

/** A round top for a money axis: 1, 2 or 5 × 10^k dollars at or above `usd` (cents and below too). */
export function niceMoneyCeiling(usd: number): number {
  if (!(usd > 0)) return 0.01;
  const power = 10 ** Math.floor(Math.log10(usd));
  for (const step of [1, 2, 5, 10]) if (step * power >= usd * (1 - 1e-12)) return step * power;
  return 10 * power;
}

/** What 1,000 of a model's runs cost at the average of its priced runs; `null` when none is priced. */
export function costPer1kRuns(model: ModelStats): number | null {
  return model.priced_runs > 0 ? (model.cost_usd / model.priced_runs) * 1000 : null;
}

/** The cost of the days of the calendar month `today` (`YYYY-MM-DD`) falls in. */
export function monthToDate(days: readonly DayStats[], today: string): number {
  const month = today.slice(0, 8);
  return days.filter((d) => d.day.startsWith(month) && d.day <= today).reduce((sum, d) => sum + d.cost_usd, 0);
}
