// The timeline's layout: runs grouped under day headers, each row at a known height so only the
// rows in view are rendered (virtualization) however many runs are loaded.

import type { RunSummary } from "./generated/RunSummary";
import { dayLabel, localDayKey } from "./format";

/** Height of a day header, in CSS pixels. */
export const HEADER_HEIGHT = 30;
/** Height of a collapsed run row. */
export const ROW_HEIGHT = 34;
/** Height of the in-place detail under an expanded run (it scrolls inside). */
export const DETAIL_HEIGHT = 440;

/** One line of the timeline. */
export type TimelineRow =
  | { kind: "day"; key: string; label: string; top: number; height: number }
  | { kind: "run"; key: string; run: RunSummary; index: number; top: number; height: number; expanded: boolean };

/** The rows with their positions, and the total height. */
export interface Layout {
  rows: TimelineRow[];
  height: number;
}

/** Lays out `runs` (newest first) under day headers; `expandedId` gets the detail height. */
export function layout(runs: RunSummary[], expandedId: string | null, now: Date = new Date()): Layout {
  const rows: TimelineRow[] = [];
  let top = 0;
  let lastDay = "";
  runs.forEach((run, index) => {
    const day = localDayKey(new Date(run.created_at));
    if (day !== lastDay) {
      rows.push({ kind: "day", key: `day-${day}`, label: dayLabel(run.created_at, now), top, height: HEADER_HEIGHT });
      top += HEADER_HEIGHT;
      lastDay = day;
    }
    const expanded = run.id === expandedId;
    const height = ROW_HEIGHT + (expanded ? DETAIL_HEIGHT : 0);
    rows.push({ kind: "run", key: run.id, run, index, top, height, expanded });
    top += height;
  });
  return { rows, height: top };
}

/** The first row whose bottom is below `offset` (binary search over the sorted tops). */
function firstVisible(rows: TimelineRow[], offset: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].top + rows[mid].height <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rows that intersect the viewport `[scrollTop, scrollTop + viewport)`, plus `overscan` on each side. */
export function visibleRows(rows: TimelineRow[], scrollTop: number, viewport: number, overscan = 8): TimelineRow[] {
  if (rows.length === 0) return [];
  const first = firstVisible(rows, scrollTop);
  let last = first;
  const bottom = scrollTop + viewport;
  while (last < rows.length - 1 && rows[last + 1].top < bottom) last += 1;
  return rows.slice(Math.max(0, first - overscan), Math.min(rows.length, last + 1 + overscan));
}

/** The row of the run at `index`, if laid out. */
export function rowOfRun(rows: TimelineRow[], index: number): TimelineRow | undefined {
  // Runs appear in order, each after at most one header per day: search near the index.
  for (let i = Math.min(rows.length - 1, index * 2 + 1); i >= 0; i -= 1) {
    const row = rows[i];
    if (row.kind === "run" && row.index === index) return row;
    if (row.kind === "run" && row.index < index) break;
  }
  return rows.find((r) => r.kind === "run" && r.index === index);
}
