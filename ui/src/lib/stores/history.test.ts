import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunFilter, RunSummary } from "../api";
import { DETAILS_KEPT, history, MAX_LOADED, PAGE_SIZE } from "./history.svelte";

function run(i: number): RunSummary {
  return {
    id: `r${i}`,
    prompt_id: "p1",
    created_at: new Date(Date.UTC(2026, 10, 24, 12) - i * 1000).toISOString(),
    model: "echo",
    provider: "echo",
    status: "success",
    tokens_used: 2,
    input_tokens: 1,
    output_tokens: 1,
    execution_time_ms: 1,
    ttft_ms: 0,
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

afterEach(() => clearMocks());

describe("history store", () => {
  it("sends the filter bar as a RunFilter and pages with the cursor", async () => {
    const filters: RunFilter[] = [];
    const cursors: (string | null)[] = [];
    mockIPC((cmd, args) => {
      const a = args as { filter: RunFilter; cursor?: string | null };
      if (cmd === "count_runs") return PAGE_SIZE + 1;
      if (cmd === "runs_page") {
        filters.push(a.filter);
        cursors.push(a.cursor ?? null);
        return a.cursor
          ? { items: [run(PAGE_SIZE)], next_cursor: null }
          : { items: Array.from({ length: PAGE_SIZE }, (_, i) => run(i)), next_cursor: "123:r199" };
      }
      throw { code: "not_found", message: cmd };
    });

    history.filter.statuses = ["error", "timeout"];
    history.filter.model = "gpt-4o";
    history.filter.from = "2026-11-01";
    history.filter.to = "2026-11-02";
    history.filter.query = "  rust  ";
    history.filter.whose = "team";
    await history.open("p1");
    expect(filters[0]).toEqual({
      prompt_id: "p1",
      prompt_version: null,
      statuses: ["error", "timeout"],
      models: ["gpt-4o"],
      since: new Date(2026, 10, 1).toISOString(),
      until: new Date(2026, 10, 3).toISOString(),
      query: "rust",
      whose: "team",
      ratings: [],
      tags: [],
      sources: [],
    });
    expect(history.count).toBe(PAGE_SIZE + 1);
    expect(history.items).toHaveLength(PAGE_SIZE);

    await history.loadMore();
    expect(cursors).toEqual([null, "123:r199"]);
    expect(history.items).toHaveLength(PAGE_SIZE + 1);
    expect(history.nextCursor).toBeNull();

    // One version of the prompt; another prompt shows every version again.
    history.showVersion(2);
    await vi.waitFor(() => expect(filters.at(-1)?.prompt_version).toBe(2));
    expect(history.filtered).toBe(true);
    await history.open("p2");
    expect(filters.at(-1)).toMatchObject({ prompt_id: "p2", prompt_version: null });
    history.filter.statuses = [];
    history.filter.model = "";
    history.filter.from = "";
    history.filter.to = "";
    history.filter.query = "";
    history.filter.whose = "";
  });

  it("keeps the most recently loaded runs (with the head of their response), not every one ever expanded", async () => {
    const fetched: string[] = [];
    mockIPC((cmd, args) => {
      // The head, never the whole run: a 50 MB response must not cross in one call.
      if (cmd !== "get_run_head") throw { code: "not_found", message: cmd };
      const id = (args as { id: string }).id;
      fetched.push(id);
      const response = `text of ${id}`;
      return {
        run: { ...run(Number(id.slice(1))), stop_reason: null, params: {}, variables: {}, prompt_text: "p", response },
        response_total_chars: response.length,
      };
    });
    for (let i = 0; i < DETAILS_KEPT + 10; i += 1) await history.load(`r${i}`);
    expect(Object.keys(history.details)).toHaveLength(DETAILS_KEPT);
    expect(history.details.r9).toBeUndefined();
    expect(history.details[`r${DETAILS_KEPT + 9}`]?.run.response).toBe(`text of r${DETAILS_KEPT + 9}`);
    // A kept run comes from memory; a dropped one is asked for again.
    fetched.length = 0;
    await history.load(`r${DETAILS_KEPT + 5}`);
    expect(fetched).toEqual([]);
    expect((await history.load("r0"))?.run.response).toBe("text of r0");
    expect(fetched).toEqual(["r0"]);
    expect(Object.keys(history.details)).toHaveLength(DETAILS_KEPT);
  });

  it("keeps the error to show when the store fails", async () => {
    mockIPC(() => {
      throw { code: "database", message: "database error: disk I/O error" };
    });
    await history.reload();
    expect(history.error).toBe("database error: disk I/O error");
  });

  it("holds MAX_LOADED runs at a time and opens older runs as a window of their own", async () => {
    const cursors: (string | null)[] = [];
    let counts = 0;
    mockIPC((cmd, args) => {
      if (cmd === "count_runs") {
        counts += 1;
        return 100_000;
      }
      if (cmd !== "runs_page") throw { code: "not_found", message: cmd };
      // Cursor "k<n>": the page starts at run n.
      const cursor = (args as { cursor?: string | null }).cursor ?? null;
      const at = cursor ? Number(cursor.slice(1)) : 0;
      cursors.push(cursor);
      return { items: Array.from({ length: PAGE_SIZE }, (_, i) => run(at + i)), next_cursor: `k${at + PAGE_SIZE}` };
    });
    history.filter = { statuses: [], model: "", from: "", to: "", query: "", whose: "", rating: "", tag: "", source: "" };
    await history.open(null);
    await history.reload();
    expect(history.window).toEqual({ cursor: null, skipped: 0 });
    while (!history.full) await history.loadMore();
    expect(history.items).toHaveLength(MAX_LOADED);
    const asked = cursors.length;
    await history.loadMore();
    expect(cursors).toHaveLength(asked);

    await history.olderRuns();
    expect(history.window).toEqual({ cursor: `k${MAX_LOADED}`, skipped: MAX_LOADED });
    expect(history.newer).toEqual([{ cursor: null, skipped: 0 }]);
    expect(history.items).toHaveLength(PAGE_SIZE);
    expect(history.items[0].id).toBe(`r${MAX_LOADED}`);
    expect(history.selected).toBe(0);
    expect(history.full).toBe(false);

    // The same filter: a reload (after a delete, say) stays in this window, and a run recorded
    // meanwhile changes the count, not the runs in view.
    await history.reload();
    expect(history.window.skipped).toBe(MAX_LOADED);
    expect(cursors.at(-1)).toBe(`k${MAX_LOADED}`);
    const [pages, counted] = [cursors.length, counts];
    history.recorded(run(-1));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cursors).toHaveLength(pages);
    expect(counts).toBe(counted + 1);

    await history.newerRuns();
    expect(history.window).toEqual({ cursor: null, skipped: 0 });
    expect(history.newer).toEqual([]);
    expect(history.items[0].id).toBe("r0");

    // Another filter starts again from the newest runs.
    await history.olderRuns();
    expect(history.window.skipped).toBe(PAGE_SIZE);
    history.filter.statuses = ["error"];
    await history.reload();
    expect(history.window).toEqual({ cursor: null, skipped: 0 });
    expect(history.newer).toEqual([]);
    expect(cursors.at(-1)).toBeNull();
  });
});

describe("the match count", () => {
  it("says 'match' only once the filtered runs are the ones shown", async () => {
    const queries: (string | null)[] = [];
    mockIPC((cmd, args) => {
      const a = args as { filter: RunFilter };
      if (cmd === "count_runs") return a.filter.query ? 3 : 100;
      if (cmd === "runs_page") {
        queries.push(a.filter.query);
        return { items: Array.from({ length: a.filter.query ? 3 : 100 }, (_, i) => run(i)), next_cursor: null };
      }
      throw { code: "not_found", message: cmd };
    });
    history.filter = { statuses: [], model: "", from: "", to: "", query: "", whose: "", rating: "", tag: "", source: "" };
    await history.reload();
    expect([history.count, history.shownFiltered]).toEqual([100, false]);
    // Typed but not loaded yet: the 100 runs shown are not "100 runs match".
    history.filter.query = "rust";
    expect(history.filtered).toBe(true);
    expect([history.count, history.shownFiltered]).toEqual([100, false]);
    await history.apply();
    expect([history.count, history.shownFiltered]).toEqual([3, true]);
    // One edit reported twice (input, then change) loads once.
    await history.apply();
    expect(queries).toEqual([null, "rust"]);
    history.filter.query = "";
    await history.apply();
    expect([history.count, history.shownFiltered]).toEqual([100, false]);
  });

  it("says 'match' for one version of the prompt", async () => {
    mockIPC((cmd, args) => {
      const a = args as { filter: RunFilter };
      if (cmd === "count_runs") return a.filter.prompt_version === null ? 2 : 1;
      if (cmd === "runs_page") return { items: [run(0)], next_cursor: null };
      if (cmd === "prompt_versions") return [];
      throw { code: "not_found", message: cmd };
    });
    history.filter = { statuses: [], model: "", from: "", to: "", query: "", whose: "", rating: "", tag: "", source: "" };
    await history.open("pv");
    expect([history.count, history.shownFiltered]).toEqual([2, false]);
    history.showVersion(1);
    await vi.waitFor(() => expect([history.count, history.shownFiltered]).toEqual([1, true]));
    history.showVersion(null);
    await vi.waitFor(() => expect([history.count, history.shownFiltered]).toEqual([2, false]));
  });
});

