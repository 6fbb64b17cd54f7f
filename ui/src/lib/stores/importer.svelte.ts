// The Import… action: which file, how far it got, how it ended; and the first-launch offer of
// llm's own logs.db.

import { api, toApiError, type FileImport, type ImportProgress, type LlmOffer } from "../api";
import { dismissOffer, offerDismissed } from "../importing";

export type ImportPhase = "closed" | "choose" | "running" | "done" | "failed";

class ImporterStore {
  phase = $state<ImportPhase>("closed");
  /** The file being imported (or offered). */
  path = $state<string | null>(null);
  progress = $state<ImportProgress | null>(null);
  startedAt = $state(0);
  result = $state<FileImport | null>(null);
  error = $state<string | null>(null);
  /** llm's logs.db found in its default place, not imported yet. */
  offer = $state<LlmOffer | null>(null);
  /** Called after a successful import (the lists that show runs refresh). */
  afterImport: (() => Promise<void> | void) | null = null;

  /** Looks for llm's logs.db once at launch; the offer stands until it is answered. */
  async checkOffer(): Promise<void> {
    try {
      const offer = await api.llmImportOffer();
      this.offer = offer && !offerDismissed(offer.path) ? offer : null;
    } catch {
      this.offer = null;
    }
  }

  /** Turns the offer down; it is not made again for this file. */
  declineOffer(): void {
    if (this.offer) dismissOffer(this.offer.path);
    this.offer = null;
  }

  /** Opens the dialog, ready to choose a file. */
  open(): void {
    this.phase = "choose";
    this.error = null;
    this.result = null;
    this.progress = null;
  }

  close(): void {
    if (this.phase !== "running") this.phase = "closed";
  }

  /** Asks for a file and imports it. */
  async chooseAndImport(): Promise<FileImport | null> {
    let path: string | null;
    try {
      path = await api.chooseImportFile();
    } catch (error) {
      this.fail(toApiError(error).message);
      return null;
    }
    return path ? this.importPath(path) : null;
  }

  /** Imports `path`, reporting progress; resolves with the summary (or null when it failed). */
  async importPath(path: string): Promise<FileImport | null> {
    if (this.offer?.path === path) {
      dismissOffer(path);
      this.offer = null;
    }
    this.path = path;
    this.phase = "running";
    this.progress = null;
    this.result = null;
    this.error = null;
    this.startedAt = performance.now();
    const off = await api.onImportProgress((p) => (this.progress = p));
    try {
      const result = await api.importFile(path);
      this.result = result;
      this.phase = "done";
      await this.afterImport?.();
      return result;
    } catch (error) {
      this.fail(toApiError(error).message);
      return null;
    } finally {
      off();
    }
  }

  fail(message: string): void {
    this.error = message;
    this.phase = "failed";
  }
}

export const importer = new ImporterStore();
