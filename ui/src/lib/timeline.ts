// The timeline's layout: runs grouped under day headers, each row at a known height so only the
// rows in view are rendered (virtualization) however many runs are loaded.
//
// The layout grows with the pages: appending a page lays out only its runs, and the rows laid out
// before (objects and offsets) stay as they were, so the view does not re-render them. The
// expanded run is not part of the layout: its detail pushes the rows after it down by its height
// (`detailHeightFor` the view) at display time (`displayTop`), so expanding touches no row either.

import type { RunSummary } from "./generated/RunSummary";
import { dayLabel, localDayKey } from "./format";

/** Height of a day header, in CSS pixels. */
export const HEADER_HEIGHT = 30;
/** Height of a collapsed run row. */
export const ROW_HEIGHT = 34;
/** Least height of the in-place detail under an expanded run (it scrolls inside). */
export const DETAIL_HEIGHT = 440;
/** The detail's height in a view `viewport` pixels high: the whole view less the run's row and a
 * day header, so the expanded run fills the pane, and never less than DETAIL_HEIGHT. */
export function detailHeightFor(viewport: number): number {
  return Math.max(DETAIL_HEIGHT, Math.floor(viewport) - ROW_HEIGHT - HEADER_HEIGHT);
}
/** Rows rendered beyond each edge of a view `viewport` pixels high: a screen's worth, so that a
 * fast scroll (a trackpad flick moves 400 px a frame and more) finds rows already in place while
 * the next frame's rows are rendered. */
export function overscanFor(viewport: number): number {
  return Math.max(8, Math.ceil(viewport / ROW_HEIGHT));
}
/** The next page is asked for this many screens before the end of what is loaded. */
export const PREFETCH_SCREENS = 3;

/** A day header. `pos` is the row's place in `TimelineLayout.rows`; `top` is collapsed. */
export interface DayRow {
  kind: "day";
  key: string;
  label: string;
  pos: number;
  top: number;
}

/** A run. `index` is the run's place in the loaded runs; `day` the position of its day header. */
export interface RunRow {
  kind: "run";
  key: string;
  run: RunSummary;
  index: number;
  pos: number;
  top: number;
  day: number;
}

/** One line of the timeline. */
export type TimelineRow = DayRow | RunRow;

/** Rows of collapsed height under day headers, built page by page. */
export class TimelineLayout {
  /** Every row, in order; objects are never replaced once laid out. */
  readonly rows: TimelineRow[] = [];
  /** The row of each run, by the run's index. */
  readonly rowOfRun: number[] = [];
  /** Height of all rows, collapsed. */
  height = 0;
  #runs: RunSummary[] = [];
  #lastDay = "";
  #lastDayPos = -1;
  readonly #now: Date;

  constructor(now: Date = new Date()) {
    this.#now = now;
  }

  /** How many runs are laid out. */
  get runCount(): number {
    return this.rowOfRun.length;
  }

  /** Whether `runs` begins with the runs laid out so far (the same objects), so appending will do. */
  continuedBy(runs: readonly RunSummary[]): boolean {
    const n = this.runCount;
    if (runs.length < n) return false;
    // Identity, not equality: a reloaded page brings new objects and gets a new layout. A pass
    // of comparisons costs microseconds even for tens of thousands of runs.
    for (let i = 0; i < n; i += 1) if (runs[i] !== this.#runs[i]) return false;
    return true;
  }

  /** Lays out the runs of `runs` past those already laid out; returns how many rows were added. */
  append(runs: readonly RunSummary[]): number {
    const before = this.rows.length;
    for (let index = this.runCount; index < runs.length; index += 1) {
      const run = runs[index];
      const day = localDayKey(new Date(run.created_at));
      if (day !== this.#lastDay) {
        const label = dayLabel(run.created_at, this.#now);
        this.rows.push({ kind: "day", key: `day-${day}`, label, pos: this.rows.length, top: this.height });
        this.height += HEADER_HEIGHT;
        this.#lastDay = day;
        this.#lastDayPos = this.rows.length - 1;
      }
      this.rowOfRun.push(this.rows.length);
      this.rows.push({ kind: "run", key: run.id, run, index, pos: this.rows.length, top: this.height, day: this.#lastDayPos });
      this.height += ROW_HEIGHT;
    }
    this.#runs = runs as RunSummary[];
    return this.rows.length - before;
  }
}

/**
 * The layout for `runs`: `previous` grown by the new runs when `runs` continues what it laid out,
 * else a new one.
 */
export function layoutFor(previous: TimelineLayout | null, runs: readonly RunSummary[], now?: Date): TimelineLayout {
  const layout = previous && previous.continuedBy(runs) ? previous : new TimelineLayout(now);
  layout.append(runs);
  return layout;
}

/** Lays out `runs` (newest first) from scratch. */
export function layout(runs: readonly RunSummary[], now: Date = new Date()): TimelineLayout {
  return layoutFor(null, runs, now);
}

/** The row position (in `rows`) of the expanded run, or -1. */
export function expandedPos(layout: TimelineLayout, runIndex: number): number {
  return runIndex >= 0 && runIndex < layout.runCount ? layout.rowOfRun[runIndex] : -1;
}

/** Height of a row as shown: the expanded run's row includes its detail. */
export function displayHeight(row: TimelineRow, expanded: number, detail = DETAIL_HEIGHT): number {
  return (row.kind === "day" ? HEADER_HEIGHT : ROW_HEIGHT) + (row.pos === expanded ? detail : 0);
}

/** Top of a row as shown: rows after the expanded run sit below its detail. */
export function displayTop(row: TimelineRow, expanded: number, detail = DETAIL_HEIGHT): number {
  return row.top + (expanded >= 0 && row.pos > expanded ? detail : 0);
}

/** Height of everything as shown. */
export function displayHeightOf(layout: TimelineLayout, expanded: number, detail = DETAIL_HEIGHT): number {
  return layout.height + (expanded >= 0 ? detail : 0);
}

/** The first row whose bottom is below `offset` (binary search over the sorted tops). */
function firstVisible(rows: readonly TimelineRow[], offset: number, expanded: number, detail: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (displayTop(rows[mid], expanded, detail) + displayHeight(rows[mid], expanded, detail) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows that intersect the viewport `[scrollTop, scrollTop + viewport)`, plus `overscan` on
 * each side, with the run at row position `expanded` (or -1) showing its detail. The row objects
 * are the layout's own, so a view keyed on them re-renders only the rows that scroll in.
 */
export function visibleRows(
  layout: TimelineLayout,
  scrollTop: number,
  viewport: number,
  expanded = -1,
  overscan = 8,
  detail = DETAIL_HEIGHT,
): TimelineRow[] {
  const rows = layout.rows;
  if (rows.length === 0) return [];
  const first = firstVisible(rows, scrollTop, expanded, detail);
  let last = first;
  const bottom = scrollTop + viewport;
  while (last < rows.length - 1 && displayTop(rows[last + 1], expanded, detail) < bottom) last += 1;
  return rows.slice(Math.max(0, first - overscan), Math.min(rows.length, last + 1 + overscan));
}

/**
 * The day header to keep at the top of a view scrolled to `scrollTop`: the day of the first row
 * in view, and `offset` (0 or less) to lift it by as the next day's header comes up under it.
 */
export function stickyDay(
  layout: TimelineLayout,
  scrollTop: number,
  expanded = -1,
  detail = DETAIL_HEIGHT,
): { label: string; offset: number } | null {
  const rows = layout.rows;
  if (rows.length === 0) return null;
  const first = rows[firstVisible(rows, scrollTop, expanded, detail)];
  const day = first.kind === "day" ? first : (rows[first.day] as DayRow);
  // Only the row right after the first in view can be a header close enough to push this one.
  const after = rows[first.pos + 1];
  const offset = after?.kind === "day" ? Math.min(0, displayTop(after, expanded, detail) - scrollTop - HEADER_HEIGHT) : 0;
  return { label: day.label, offset };
}

/** The row of the run at `index`, if laid out. */
export function rowOfRun(layout: TimelineLayout, index: number): RunRow | undefined {
  const pos = expandedPos(layout, index);
  return pos >= 0 ? (layout.rows[pos] as RunRow) : undefined;
}

/**
 * Whether the next page should be fetched now: the view is within `PREFETCH_SCREENS` screens of
 * the end of what is laid out (`height`), so that someone scrolling at a reading pace finds it in
 * place. (A jump straight to the end still waits for the page.)
 */
export function nearTheEnd(scrollTop: number, viewport: number, height: number): boolean {
  return scrollTop + viewport > height - PREFETCH_SCREENS * Math.max(viewport, 10 * ROW_HEIGHT);
}

/**
 * Rows in slots, one element each: slot `i` shows `rows[i]` when `shown[i]`; a slot not shown keeps
 * the last row it showed, hidden, ready for the next row that scrolls in.
 */
export interface SlotList<R extends TimelineRow> {
  rows: R[];
  shown: boolean[];
}

/** The run slots and the day-header slots (their elements differ). */
export interface Slots {
  runs: SlotList<RunRow>;
  days: SlotList<DayRow>;
}

/** No slots yet. */
export function noSlots(): Slots {
  return { runs: { rows: [], shown: [] }, days: { rows: [], shown: [] } };
}

/**
 * The rows in view, placed in slots that are reused as rows scroll in and out: a row still in
 * view keeps the slot it had in `previous` (matched by key), and a row scrolling in takes a slot
 * left by one that scrolled out. A slot is never emptied, only hidden, so a view that renders one
 * element per slot (each placed by its own offset, never moved) changes the text of a few elements
 * as it scrolls. Keyed on the run, it made a new row and dropped an old one for every row scrolled
 * by; an emptied slot would do the same, and moving elements to keep them in order makes WebKit
 * build their rendering again.
 */
export function placeInSlots(rows: readonly TimelineRow[], previous: Slots): Slots {
  const runs = place(rows.filter((row): row is RunRow => row.kind === "run"), previous.runs);
  const days = place(rows.filter((row): row is DayRow => row.kind === "day"), previous.days);
  return runs === previous.runs && days === previous.days ? previous : { runs, days };
}

function place<R extends TimelineRow>(rows: readonly R[], previous: SlotList<R>): SlotList<R> {
  const wanted = new Map<string, R>();
  for (const row of rows) wanted.set(row.key, row);
  const next = previous.rows.slice();
  const shown = previous.rows.map((row, i) => {
    const same = wanted.get(row.key);
    if (same === undefined) return false;
    next[i] = same;
    wanted.delete(row.key);
    return true;
  });
  let free = 0;
  for (const row of wanted.values()) {
    while (free < shown.length && shown[free]) free += 1;
    next[free] = row;
    shown[free] = true;
  }
  const unchanged =
    next.length === previous.rows.length && next.every((row, i) => row === previous.rows[i] && shown[i] === previous.shown[i]);
  return unchanged ? previous : { rows: next, shown };
}
