import { describe, expect, it } from "vitest";
import type { RunSummary } from "./api";
import {
  DETAIL_HEIGHT,
  displayHeight,
  displayHeightOf,
  displayTop,
  expandedPos,
  HEADER_HEIGHT,
  layout,
  layoutFor,
  nearTheEnd,
  noSlots,
  placeInSlots,
  type Slots,
  PREFETCH_SCREENS,
  ROW_HEIGHT,
  rowOfRun,
  TimelineLayout,
  visibleRows,
} from "./timeline";

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
    response_chars: 2, rating: null, tags: [], note: null,
    source: "promptline",
    thread_id: null,
    cost_usd: null,
    cost_source: null,
    priced_as: null,
    cached_tokens: null,
    cache_write_tokens: null,
    reasoning_tokens: null,
    owner: null,
  };
}

const now = new Date(2026, 10, 24, 12);

/** `n` runs, newest first, `gapMinutes` apart, starting an hour before `now`. */
function history(n: number, gapMinutes: number): RunSummary[] {
  return Array.from({ length: n }, (_, i) => run(i, new Date(now.getTime() - 3_600_000 - i * gapMinutes * 60_000)));
}

/** What a view shows of a layout: each row's key, top and height as displayed. */
function picture(l: TimelineLayout, expanded = -1) {
  return l.rows.map((r) => [r.key, displayTop(r, expanded), displayHeight(r, expanded)]);
}

describe("timeline layout", () => {
  const runs = [run(0, new Date(2026, 10, 24, 11)), run(1, new Date(2026, 10, 24, 10)), run(2, new Date(2026, 10, 23, 10))];

  it("puts a header before each day and stacks rows", () => {
    const l = layout(runs, now);
    expect(l.rows.map((r) => (r.kind === "day" ? r.label : r.key))).toEqual(["Today", "r0", "r1", "Yesterday", "r2"]);
    expect(l.rows.map((r) => r.top)).toEqual([0, 30, 64, 98, 128]);
    expect(l.height).toBe(2 * HEADER_HEIGHT + 3 * ROW_HEIGHT);
    expect(rowOfRun(l, 2)?.key).toBe("r2");
    expect(rowOfRun(l, 3)).toBeUndefined();
  });

  it("gives the expanded run room for its detail and pushes the rows after it down", () => {
    const l = layout(runs, now);
    const expanded = expandedPos(l, 1);
    expect(l.rows[expanded].key).toBe("r1");
    expect(displayHeightOf(l, expanded)).toBe(2 * HEADER_HEIGHT + 3 * ROW_HEIGHT + DETAIL_HEIGHT);
    expect(displayHeight(l.rows[expanded], expanded)).toBe(ROW_HEIGHT + DETAIL_HEIGHT);
    // Before it: unchanged; after it: one detail lower.
    expect(displayTop(l.rows[1], expanded)).toBe(HEADER_HEIGHT);
    expect(displayTop(l.rows[4], expanded)).toBe(HEADER_HEIGHT * 2 + ROW_HEIGHT * 2 + DETAIL_HEIGHT);
    // Collapsing gives the collapsed picture back; the layout itself never changed.
    expect(picture(l, -1)).toEqual(picture(layout(runs, now)));
  });

  it("lays out an appended page after the rows already laid out, which stay as they were", () => {
    const all = history(400, 9); // 9 minutes apart: 400 runs span several days
    const first = all.slice(0, 200);
    const l = layoutFor(null, first, now);
    const rowsBefore = [...l.rows];
    const topsBefore = l.rows.map((r) => r.top);
    const heightBefore = l.height;

    const grown = layoutFor(l, [...first, ...all.slice(200)], now);
    expect(grown).toBe(l);
    // The same row objects at the same offsets...
    expect(grown.rows.slice(0, rowsBefore.length)).toEqual(rowsBefore);
    rowsBefore.forEach((row, i) => expect(grown.rows[i]).toBe(row));
    expect(grown.rows.slice(0, rowsBefore.length).map((r) => r.top)).toEqual(topsBefore);
    // ...and the new rows continue below them, as if everything had been laid out at once.
    expect(grown.rows[rowsBefore.length].top).toBe(heightBefore);
    expect(picture(grown)).toEqual(picture(layout(all, now)));
    expect(grown.runCount).toBe(400);
  });

  it("does not repeat the header of a day that continues on the next page", () => {
    const all = history(6, 60); // six hours the same day (11:00 back to 6:00)
    const l = layoutFor(null, all.slice(0, 3), now);
    expect(l.rows.filter((r) => r.kind === "day")).toHaveLength(1);
    l.append(all);
    expect(l.rows.filter((r) => r.kind === "day")).toHaveLength(1);
    expect(l.rows.map((r) => r.key)).toEqual(["day-2026-11-24", "r0", "r1", "r2", "r3", "r4", "r5"]);
  });

  it("reads only the new runs when a page is appended", () => {
    const all = history(300, 5);
    const reads = new Map<string, number>();
    const counted = all.map((r) => {
      const copy = { ...r };
      Object.defineProperty(copy, "created_at", {
        get: () => {
          reads.set(r.id, (reads.get(r.id) ?? 0) + 1);
          return r.created_at;
        },
      });
      return copy;
    });
    const l = layoutFor(null, counted.slice(0, 200), now);
    reads.clear();
    layoutFor(l, counted, now);
    expect(reads.has("r0")).toBe(false);
    expect(reads.has("r199")).toBe(false);
    expect(reads.has("r200")).toBe(true);
    expect(reads.size).toBe(100);
  });

  it("starts again when the runs are not a continuation (a reload, a filter, a deletion)", () => {
    const all = history(10, 30);
    const l = layoutFor(null, all, now);
    // The same runs reloaded arrive as new objects.
    const reloaded = all.map((r) => ({ ...r }));
    expect(layoutFor(l, reloaded, now)).not.toBe(l);
    // Fewer runs, or one missing in the middle.
    expect(layoutFor(l, all.slice(0, 5), now)).not.toBe(l);
    const without = [...all.slice(0, 4), ...all.slice(5)];
    const relaid = layoutFor(l, without, now);
    expect(relaid).not.toBe(l);
    expect(relaid.runCount).toBe(9);
    expect(picture(relaid)).toEqual(picture(layout(without, now)));
    // The same array again: nothing to do.
    const same = layoutFor(null, all, now);
    expect(layoutFor(same, all, now)).toBe(same);
    expect(same.append(all)).toBe(0);
  });

  it("gives the same picture however the runs arrive in pages", () => {
    const all = history(1000, 7);
    const whole = picture(layout(all, now));
    for (const size of [1, 37, 200, 999]) {
      let l: TimelineLayout | null = null;
      for (let end = size; end < all.length + size; end += size) l = layoutFor(l, all.slice(0, Math.min(end, all.length)), now);
      expect(picture(l!)).toEqual(whole);
    }
  });
});

describe("visible rows", () => {
  it("renders only the rows in view, however many are loaded", () => {
    const many = Array.from({ length: 100_000 }, (_, i) => run(i, new Date(now.getTime() - i * 1000)));
    const l = layout(many, now);
    const shown = visibleRows(l, 500_000, 600, -1, 5);
    expect(shown.length).toBeLessThan(40);
    expect(shown[0].top).toBeLessThanOrEqual(500_000);
    expect(shown[shown.length - 1].top + ROW_HEIGHT).toBeGreaterThanOrEqual(500_600);
    // The layout's own objects, so a keyed view re-renders nothing that stays in view.
    expect(visibleRows(l, 500_010, 600, -1, 5)[3]).toBe(shown[3]);
  });

  it("accounts for the open detail", () => {
    const l = layout(history(100, 1), now); // one day: a header, then runs at 30 + 34 i
    const expanded = expandedPos(l, 10);
    // Just below the expanded run, the detail fills the view: the next rows are pushed out.
    const top = displayTop(l.rows[expanded], expanded) + ROW_HEIGHT;
    const shown = visibleRows(l, top, 300, expanded, 0);
    expect(shown.map((r) => r.key)).toEqual(["r10"]);
    // Further down, rows are found at their displayed place.
    const later = visibleRows(l, top + DETAIL_HEIGHT, 100, expanded, 0);
    expect(later[0].key).toBe("r11");
    expect(later.every((r) => displayTop(r, expanded) + displayHeight(r, expanded) > top + DETAIL_HEIGHT)).toBe(true);
  });
});

describe("row slots", () => {
  /** Slot of each row shown, by row key ("r3": the fourth run element, "d0": the first header). */
  function slotOf(slots: Slots) {
    const of = new Map<string, string>();
    slots.runs.rows.forEach((row, i) => slots.runs.shown[i] && of.set(row.key, `r${i}`));
    slots.days.rows.forEach((row, i) => slots.days.shown[i] && of.set(row.key, `d${i}`));
    return of;
  }

  it("keeps a row's slot while it stays in view and reuses freed slots for rows scrolling in", () => {
    // Runs a minute apart over several days: day headers scroll by too.
    const l = layout(history(5_000, 1), now);
    let shown = visibleRows(l, 0, 600, -1, 4);
    let slots = placeInSlots(shown, noSlots());
    expect(slotOf(slots).size).toBe(shown.length);
    const first = slotOf(slots);

    // A few pixels down: the rows still in view keep their slots.
    shown = visibleRows(l, 20, 600, -1, 4);
    slots = placeInSlots(shown, slots);
    const moved = slotOf(slots);
    for (const row of shown) if (first.has(row.key)) expect(moved.get(row.key)).toBe(first.get(row.key));
    // Nothing moved: the same slots.
    expect(placeInSlots(shown, slots)).toBe(slots);

    // A long scroll, a little less than a screen at a time: every row in view has a slot of its
    // kind, and there are never more slots of a kind than the most rows of that kind in view
    // (slots out of use are kept, hidden, not dropped).
    const most = { run: 0, day: 0 };
    for (let top = 0; top < l.height - 600; top += 577) {
      shown = visibleRows(l, top, 600, -1, 4);
      slots = placeInSlots(shown, slots);
      const of = slotOf(slots);
      expect(of.size).toBe(shown.length);
      expect(slots.runs.shown.filter(Boolean).length + slots.days.shown.filter(Boolean).length).toBe(shown.length);
      for (const row of shown) expect(of.get(row.key)?.[0]).toBe(row.kind === "run" ? "r" : "d");
      for (const kind of ["run", "day"] as const) {
        most[kind] = Math.max(most[kind], shown.filter((row) => row.kind === kind).length);
      }
    }
    expect(slots.runs.rows.length).toBe(most.run);
    expect(slots.days.rows.length).toBe(most.day);
  });

  it("keeps the slots of the rows in view when the layout is rebuilt with new objects", () => {
    const runs = history(300, 1);
    const before = placeInSlots(visibleRows(layout(runs, now), 0, 600, -1, 4), noSlots());
    // A new run arrives on top: a new layout, new row objects, the same runs below it.
    const shown = visibleRows(layout([run(9_999, new Date(now.getTime() - 60_000)), ...runs], now), 0, 600, -1, 4);
    const after = placeInSlots(shown, before);
    const [was, is] = [slotOf(before), slotOf(after)];
    const kept = shown.filter((row) => was.has(row.key));
    expect(kept.length).toBeGreaterThan(10);
    for (const row of kept) expect(is.get(row.key)).toBe(was.get(row.key));
    // The row objects are the new layout's.
    after.runs.rows.forEach((row, i) => after.runs.shown[i] && expect(shown).toContain(row));
  });
});

describe("prefetch", () => {
  it("asks for the next page a few screens before the end, not sooner", () => {
    const height = 200 * ROW_HEIGHT; // one page
    const viewport = 700;
    const margin = PREFETCH_SCREENS * viewport;
    expect(nearTheEnd(0, viewport, height)).toBe(false);
    expect(nearTheEnd(height - viewport - margin - 1, viewport, height)).toBe(false);
    expect(nearTheEnd(height - viewport - margin + 1, viewport, height)).toBe(true);
    expect(nearTheEnd(height - viewport, viewport, height)).toBe(true);
    // A page just appended below a view at the old end is far enough: no chain of pages.
    expect(nearTheEnd(height - viewport, viewport, 2 * height)).toBe(false);
    // A tiny window still prefetches ten rows' worth of screens ahead.
    expect(nearTheEnd(height - 100 - 3 * 10 * ROW_HEIGHT + 1, 100, height)).toBe(true);
  });
});
