// Judging runs: ratings, tags (with the tags in use, for the autocomplete and the filter), notes,
// and which two runs the comparison shows.

import { api, toApiError, type Rating, type RunSummary, type TagCount } from "../api";
import { history } from "./history.svelte";
import { toasts } from "./toasts.svelte";

/** The two runs the comparison shows: `a` before (shown with deletions), `b` after. */
export interface ComparePair {
  a: string;
  b: string;
}

class CurateStore {
  tags = $state.raw<TagCount[]>([]);
  compare = $state<ComparePair | null>(null);

  /** The tags in use, most used first. */
  async refreshTags(): Promise<void> {
    try {
      this.tags = await api.tagsInUse();
    } catch {
      // The autocomplete is a help: without it, tags can still be typed.
    }
  }

  /** Rates a run; the same rating again clears it (as a toggle button does). */
  async rate(run: RunSummary, rating: Rating): Promise<void> {
    const next = run.rating === rating ? null : rating;
    try {
      history.annotated(run.id, await api.setRating(run.id, next));
    } catch (error) {
      toasts.show(`Could not rate the run: ${toApiError(error).message}`, "error");
    }
  }

  /** Adds tags (comma-separated text gives several). */
  async addTags(id: string, text: string): Promise<boolean> {
    const tags = text
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    if (tags.length === 0) return false;
    try {
      history.annotated(id, await api.addTags(id, tags));
      void this.refreshTags();
      return true;
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
      return false;
    }
  }

  async removeTag(id: string, tag: string): Promise<void> {
    try {
      history.annotated(id, await api.removeTags(id, [tag]));
      void this.refreshTags();
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
    }
  }

  /** Saves a note; blank clears it. */
  async setNote(id: string, note: string): Promise<boolean> {
    try {
      history.annotated(id, await api.setNote(id, note.trim() ? note : null));
      return true;
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
      return false;
    }
  }

  /** Opens the comparison of two runs, older first. */
  open(a: RunSummary | string, b: RunSummary | string): void {
    const id = (r: RunSummary | string) => (typeof r === "string" ? r : r.id);
    const older = typeof a !== "string" && typeof b !== "string" && a.created_at > b.created_at;
    this.compare = older ? { a: id(b), b: id(a) } : { a: id(a), b: id(b) };
  }

  /** Compares a run with the previous run of its prompt; says so when there is none. */
  async withPrevious(run: RunSummary): Promise<void> {
    try {
      const previous = await api.previousRun(run.id);
      if (!previous) {
        toasts.show("This is the first run of its prompt: there is nothing before it to compare with.");
        return;
      }
      this.compare = { a: previous.id, b: run.id };
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
    }
  }

  swap(): void {
    if (this.compare) this.compare = { a: this.compare.b, b: this.compare.a };
  }

  close(): void {
    this.compare = null;
  }
}

export const curate = new CurateStore();
