// The history timeline: the filter, the loaded pages (keyset cursor), the match count, which run
// is selected and expanded, and the full runs loaded on expand.

import {
  api,
  emptyFilter,
  toApiError,
  type Annotation,
  type PromptVersion,
  type RatingFilter,
  type RunHead,
  type RunFilter,
  type RunStatus,
  type RunSummary,
  type SearchHit,
  type Whose,
} from "../api";
import { startOfLocalDay } from "../format";
import { highlight } from "../highlight";

/** Runs per page. */
export const PAGE_SIZE = 200;
/**
 * The most runs the timeline holds at once (20 pages). Each loaded run costs the page ~1.5 KB,
 * about twice that with the garbage collector's headroom; past this many, older runs open as a
 * window of their own, so memory stays bounded however far someone reads back.
 */
export const MAX_LOADED = 4_000;
/** Full runs (texts up to megabytes) kept after being expanded, the most recent ones. */
export const DETAILS_KEPT = 50;

/** What the filter bar edits. */
export interface FilterState {
  statuses: RunStatus[];
  model: string;
  from: string;
  to: string;
  query: string;
  /** Whose runs: "" for everyone's, "mine" or "team" (pulled from teammates). */
  whose: "" | Whose;
  /** A rating to keep ("" for any). */
  rating: RatingFilter | "";
  /** A tag to keep ("" for any). */
  tag: string;
  /** Only runs from this source (`llm`, `promptline`, `jsonl`); "" for all. */
  source: string;
}

/** Where the window of runs in view starts: the cursor its first page is asked with (`null` for
 * the newest runs) and how many runs of the view come before it. */
export interface WindowStart {
  cursor: string | null;
  skipped: number;
}

const NEWEST: WindowStart = { cursor: null, skipped: 0 };

function blankFilter(): FilterState {
  return { statuses: [], model: "", from: "", to: "", query: "", whose: "", rating: "", tag: "", source: "" };
}

/** Whether `filter` narrows the runs beyond the prompt (one version of it narrows them too). */
function narrows(filter: RunFilter): boolean {
  const f = filter;
  return (
    f.prompt_version !== null ||
    f.statuses.length > 0 ||
    f.models.length > 0 ||
    f.since !== null ||
    f.until !== null ||
    f.query !== null ||
    f.whose !== null ||
    f.ratings.length > 0 ||
    f.tags.length > 0 ||
    f.sources.length > 0
  );
}

class HistoryStore {
  /** The prompt whose runs are shown; `null` for all runs. */
  promptId = $state<string | null>(null);
  /** Only the runs of this version of the prompt; `null` for every version. */
  version = $state<number | null>(null);
  /** The prompt's versions, newest first (for the version filter). */
  versions = $state.raw<PromptVersion[]>([]);
  filter = $state<FilterState>(blankFilter());
  items = $state.raw<RunSummary[]>([]);
  nextCursor = $state<string | null>(null);
  count = $state<number | null>(null);
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);
  /** Index of the keyboard selection in `items`. */
  selected = $state(-1);
  expandedId = $state<string | null>(null);
  /** Runs marked for bulk delete. */
  marked = $state<Set<string>>(new Set());
  /** Runs loaded on expand, with the head of their response (replaced, never edited in place:
   * no deep proxies over texts). The rest of a long response is loaded by the detail view. */
  details = $state.raw<Record<string, RunHead>>({});
  detailErrors = $state<Record<string, string>>({});
  /** The window of runs in view, and the starts of the newer windows left behind, newest first. */
  window = $state.raw<WindowStart>(NEWEST);
  newer = $state.raw<WindowStart[]>([]);
  #generation = 0;
  /** The filter (JSON) of the last reload asked for. */
  #requested = "";
  /** The filter the window belongs to (JSON): another filter starts again from the newest runs.
   * Changes when runs for another filter are in, not while the filter is being typed. */
  loadedFilter = $state("");

  /** Where the search hits the runs loaded whose preview does not show it, by run id. */
  hits = $state.raw<Record<string, SearchHit>>({});

  /** Whether the runs shown (and counted) are narrowed by a filter beyond the prompt: follows the
   * filter the runs in view were loaded for, not the one being typed, so "N runs match" always
   * counts what is shown. */
  shownFiltered = $state(false);

  /** Whether the window holds all it may and older runs remain: they open as the next window. */
  full = $derived(this.items.length >= MAX_LOADED && this.nextCursor !== null);

  /** Whether the filter narrows anything beyond the prompt. */
  filtered = $derived(
    this.filter.statuses.length > 0 ||
      this.filter.model !== "" ||
      this.filter.from !== "" ||
      this.filter.to !== "" ||
      this.filter.query.trim() !== "" ||
      this.filter.whose !== "" ||
      this.filter.rating !== "" ||
      this.filter.tag !== "" ||
      this.filter.source !== "" ||
      this.version !== null,
  );

  /** The filter as the store understands it. */
  runFilter(): RunFilter {
    const f = this.filter;
    return {
      ...emptyFilter(),
      prompt_id: this.promptId,
      prompt_version: this.promptId ? this.version : null,
      statuses: [...f.statuses],
      models: f.model ? [f.model] : [],
      since: f.from ? startOfLocalDay(f.from) : null,
      until: f.to ? startOfLocalDay(f.to, 1) : null,
      query: f.query.trim() || null,
      whose: f.whose || null,
      ratings: f.rating ? [f.rating] : [],
      tags: f.tag ? [f.tag] : [],
      sources: f.source ? [f.source] : [],
    };
  }

  /** Shows another prompt's runs (or all runs), keeping the filter. */
  show(promptId: string | null): void {
    void this.open(promptId);
  }

  /** Like `show`, resolving once the first page is in. */
  async open(promptId: string | null): Promise<void> {
    if (promptId === this.promptId && this.count !== null) return;
    if (promptId !== this.promptId) this.version = null;
    this.promptId = promptId;
    void this.refreshVersions();
    this.selected = -1;
    this.expandedId = null;
    await this.reload();
  }

  /** Toggles a status chip. */
  toggleStatus(status: RunStatus): void {
    const has = this.filter.statuses.includes(status);
    this.filter.statuses = has ? this.filter.statuses.filter((s) => s !== status) : [...this.filter.statuses, status];
    void this.reload();
  }

  /** Clears every filter. */
  clearFilter(): void {
    this.filter = blankFilter();
    void this.reload();
  }

  /**
   * Loads the window's first page and the count again: from where the window starts, or from the
   * newest runs when the filter or the prompt changed.
   */
  async reload(): Promise<void> {
    const filter = this.runFilter();
    const key = JSON.stringify(filter);
    this.#requested = key;
    const start = key === this.loadedFilter ? this.window : NEWEST;
    await this.#load(filter, start, start === NEWEST ? [] : this.newer, key);
  }

  /** Loads the runs for the filter as it is now, unless they are already in or on their way (a
   * field reports both `input` and `change` for one edit). */
  async apply(): Promise<void> {
    if (JSON.stringify(this.runFilter()) === this.#requested) return;
    await this.reload();
  }

  /** Opens the runs after this window's last as a window of their own. */
  async olderRuns(): Promise<void> {
    if (!this.nextCursor) return;
    const start = { cursor: this.nextCursor, skipped: this.window.skipped + this.items.length };
    await this.#load(this.runFilter(), start, [this.window, ...this.newer], this.loadedFilter, true);
  }

  /** Goes back to the window before this one. */
  async newerRuns(): Promise<void> {
    const [start, ...rest] = this.newer;
    if (!start) return;
    await this.#load(this.runFilter(), start, rest, this.loadedFilter, true);
  }

  async #load(filter: RunFilter, start: WindowStart, newer: WindowStart[], key: string, moved = false): Promise<void> {
    const generation = ++this.#generation;
    const selectedId = moved ? null : (this.items[this.selected]?.id ?? null);
    this.loading = true;
    this.error = null;
    try {
      const [page, count] = await Promise.all([api.runsPage(filter, start.cursor, PAGE_SIZE), api.countRuns(filter)]);
      if (generation !== this.#generation) return;
      const refresh = !moved && key === this.loadedFilter;
      this.window = start;
      this.newer = newer;
      this.loadedFilter = key;
      this.items = page.items;
      this.nextCursor = page.next_cursor;
      this.count = count;
      this.shownFiltered = narrows(filter);
      this.hits = {};
      void this.#findHits(filter.query, page.items, generation);
      // A refresh of the same runs (another process wrote, a run completed) keeps what was picked
      // and is still there; another filter or window starts with nothing picked.
      this.marked = refresh
        ? new Set([...this.marked].filter((id) => page.items.some((r) => r.id === id)))
        : new Set();
      if (this.expandedId && !page.items.some((r) => r.id === this.expandedId)) this.expandedId = null;
      // The selection follows its run when newer runs push it down.
      const kept = selectedId === null ? -1 : page.items.findIndex((r) => r.id === selectedId);
      this.selected = moved ? (page.items.length > 0 ? 0 : -1) : kept >= 0 ? kept : Math.min(this.selected, page.items.length - 1);
    } catch (error) {
      if (generation === this.#generation) this.error = toApiError(error).message;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Loads the next page, if there is one. */
  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loadingMore || this.loading || this.full) return;
    const generation = this.#generation;
    this.loadingMore = true;
    try {
      const page = await api.runsPage(this.runFilter(), this.nextCursor, PAGE_SIZE);
      if (generation !== this.#generation) return;
      this.items = [...this.items, ...page.items];
      this.nextCursor = page.next_cursor;
      void this.#findHits(this.runFilter().query, page.items, generation);
    } catch (error) {
      if (generation === this.#generation) this.error = toApiError(error).message;
    } finally {
      this.loadingMore = false;
    }
  }

  /** Asks where the search hits the runs of a page whose preview does not show a match, so their
   * rows can show a snippet and their detail open on the text that holds it. */
  async #findHits(query: string | null, runs: RunSummary[], generation: number): Promise<void> {
    if (!query) return;
    const ids = runs.filter((r) => !highlight(r.preview, query).some((p) => p.match)).map((r) => r.id);
    if (ids.length === 0) return;
    try {
      const found = await api.searchHits(ids, query);
      if (generation !== this.#generation) return;
      const hits = { ...this.hits };
      for (const hit of found) hits[hit.run_id] = hit;
      this.hits = hits;
    } catch {
      // Without snippets the rows show their previews, as before.
    }
  }

  /** Moves the keyboard selection by `delta` rows. */
  move(delta: number): void {
    if (this.items.length === 0) return;
    this.selected = Math.max(0, Math.min(this.items.length - 1, this.selected + delta));
    if (this.selected >= this.items.length - 20) void this.loadMore();
  }

  /** The selected run, if any. */
  selectedRun(): RunSummary | null {
    return this.items[this.selected] ?? null;
  }

  /** Expands a run in place (loading it in full), or collapses it. */
  toggle(id: string): void {
    const index = this.items.findIndex((r) => r.id === id);
    if (index >= 0) this.selected = index;
    this.expandedId = this.expandedId === id ? null : id;
    if (this.expandedId) void this.load(id);
  }

  /** Collapses the expanded run. */
  collapse(): boolean {
    if (!this.expandedId) return false;
    this.expandedId = null;
    return true;
  }

  /** A run with the head of its response (all else in full), from the cache or the store. */
  async load(id: string): Promise<RunHead | null> {
    const cached = this.details[id];
    if (cached) return cached;
    try {
      const run = await api.getRunHead(id);
      // Keep the most recent few: a long session of expanding runs must not pile up their texts.
      const kept = Object.entries(this.details).filter(([key]) => key !== id).slice(-(DETAILS_KEPT - 1));
      this.details = Object.fromEntries([...kept, [id, run]]);
      return run;
    } catch (error) {
      this.detailErrors[id] = toApiError(error).message;
      return null;
    }
  }

  /** Shows a run's new annotation wherever the run is shown (its row, its expanded view). */
  annotated(id: string, annotation: Annotation): void {
    const index = this.items.findIndex((r) => r.id === id);
    if (index >= 0) {
      const items = [...this.items];
      items[index] = { ...items[index], ...annotation };
      this.items = items;
    }
    const head = this.details[id];
    if (head) this.details = { ...this.details, [id]: { ...head, run: { ...head.run, ...annotation } } };
  }

  /** What the expanded run's annotation editor should focus (`t` and `n`), bumped on each ask. */
  focusRequest = $state<{ id: string; what: "tag" | "note"; at: number } | null>(null);

  /** Expands a run (if it is not) and asks its editor to focus the tag or note field. */
  edit(id: string, what: "tag" | "note"): void {
    if (this.expandedId !== id) this.toggle(id);
    this.focusRequest = { id, what, at: Date.now() };
  }

  /** Marks or unmarks a run for bulk delete. */
  toggleMark(id: string): void {
    const marked = new Set(this.marked);
    if (marked.has(id)) marked.delete(id);
    else marked.add(id);
    this.marked = marked;
  }

  /** Adds a just-recorded run at the top when it matches what is shown (in an older window, the
   * count only: the person reading back keeps their place). */
  recorded(run: RunSummary): void {
    if (this.promptId !== null && run.prompt_id !== this.promptId) return;
    if (this.promptId !== null) void this.refreshVersions();
    if (this.window.cursor === null) void this.reload();
    else void this.#recount();
  }

  /** The database changed (here or in another process): the newest window reloads, so runs in
   * flight show their progress and the CLI's runs appear; an older window only recounts. */
  changed(): void {
    if (this.window.cursor === null) void this.reload();
    else void this.#recount();
  }

  async #recount(): Promise<void> {
    try {
      this.count = await api.countRuns(this.runFilter());
    } catch {
      // The count stays as it was; the next reload brings it up to date.
    }
  }

  /** Shows only the runs of one version of the prompt (`null`: every version). */
  showVersion(version: number | null): void {
    this.version = version;
    void this.reload();
  }

  /** Loads the open prompt's versions (with their run counts). */
  async refreshVersions(): Promise<void> {
    const id = this.promptId;
    if (id === null) {
      this.versions = [];
      return;
    }
    try {
      const versions = await api.promptVersions(id);
      if (this.promptId === id) this.versions = versions;
    } catch {
      // The filter offers what it had; the next run or prompt switch tries again.
    }
  }
}

export const history = new HistoryStore();
